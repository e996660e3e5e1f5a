"""bench.kernels times the bare tf.nn op of each DCGAN convolution: each op must compute what its Keras
layer computes, at the layer's shapes, or the bf16 ceiling it reports belongs to some other model."""

import keras
import numpy as np
import tensorflow as tf

from bench import kernels, speed


def test_each_bare_op_computes_its_keras_layer():
    g, d = speed.build("float32")
    convs = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
    layers = [layer for model in (g, d) for layer in model.layers if isinstance(layer, convs)]
    ops = kernels.conv_ops(g) + kernels.conv_ops(d)
    assert len(ops) == len(layers) == 6  # 2 transposed convs + 1 conv in G, 3 convs in D
    rng = np.random.default_rng(0)
    for (name, shape, kernel, op), layer in zip(ops, layers, strict=True):
        assert shape == [speed.BATCH, *layer.input.shape[1:]] and kernel == list(layer.kernel.shape)
        x = tf.constant(rng.normal(size=shape), tf.float32)
        pre = op(x, tf.convert_to_tensor(layer.kernel))
        got = layer.activation(pre + layer.bias if layer.use_bias else pre)
        np.testing.assert_allclose(got.numpy(), np.asarray(layer(x)), rtol=1e-4, atol=1e-4, err_msg=name)
