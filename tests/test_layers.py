"""Spectral normalization against exact SVD and the analytic derivative of W / sigma(W)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import networks
from gan_tf.layers import Maxout, SpectralNormalization

LAYERS = {
    "dense": (lambda: keras.layers.Dense(7), (3, 5)),
    "conv2d": (lambda: keras.layers.Conv2D(6, 3, padding="same"), (2, 6, 6, 4)),
    "conv2d_transpose": (lambda: keras.layers.Conv2DTranspose(5, 3, strides=2, padding="same"), (2, 4, 4, 3)),
}


def kernel_matrix(layer, kernel):
    """(fan_in, C_out), the reshape of the SN-GAN paper (C_out is axis 2 of a transposed conv)."""
    kernel = np.asarray(kernel)
    if isinstance(layer, keras.layers.Conv2DTranspose):
        kernel = kernel.transpose(0, 1, 3, 2)
    return kernel.reshape(-1, kernel.shape[-1])


def build(name, power_iterations=1):
    keras.utils.set_random_seed(0)
    make, shape = LAYERS[name]
    sn = SpectralNormalization(make(), power_iterations=power_iterations)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    sn(x)
    return sn, x


@pytest.mark.parametrize("name", LAYERS)
def test_sigma_of_effective_kernel_is_one(name):
    sn, x = build(name)
    for _ in range(60):  # u persists: one iteration per training forward pass converges
        sn(x, training=True)
    w = kernel_matrix(sn.layer, sn.normalized_kernel().numpy())
    assert abs(np.linalg.svd(w, compute_uv=False)[0] - 1.0) < 1e-3


@pytest.mark.parametrize("name", LAYERS)
def test_output_is_the_wrapped_layer_with_normalized_kernel(name):
    sn, x = build(name, power_iterations=30)
    layer = sn.layer
    original = layer.kernel.numpy()
    w_sn = sn.normalized_kernel().numpy()
    layer.kernel.assign(w_sn)  # the plain layer with W/sigma must agree with the wrapper
    want = layer(x).numpy()
    layer.kernel.assign(original)
    np.testing.assert_allclose(sn(x).numpy(), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", LAYERS)
def test_gradient_flows_through_sigma(name):
    sn, x = build(name, power_iterations=200)  # converged u, v: sigma = u1^T W v1
    kernel = sn.layer.kernel
    c = np.random.default_rng(1).normal(size=kernel.shape).astype("float32")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(c * sn.normalized_kernel())
    got = tape.gradient(loss, kernel.value).numpy()

    # d/dW <C, W/sigma(W)> = C/sigma - <C, W>/sigma^2 * dsigma/dW, dsigma/dW = u1 v1^T (exact SVD).
    w = kernel_matrix(sn.layer, kernel.numpy()).astype(np.float64)
    cm = kernel_matrix(sn.layer, c).astype(np.float64)
    left, s, right = np.linalg.svd(w)
    sigma = s[0]
    dsigma = np.outer(left[:, 0], right[0])
    want = cm / sigma - np.sum(cm * w) / sigma**2 * dsigma
    scale = np.abs(want).max()
    np.testing.assert_allclose(kernel_matrix(sn.layer, got), want, rtol=1e-3, atol=1e-4 * scale)
    # ...and it is not the gradient of a kernel normalised "in place" (sigma treated as a constant).
    assert np.abs(kernel_matrix(sn.layer, got) - cm / sigma).max() > 1e-2 * scale


@pytest.mark.parametrize("name", LAYERS)
def test_forward_never_writes_the_kernel_and_u_moves_only_in_training(name):
    sn, x = build(name)
    kernel, u = sn.layer.kernel.numpy(), sn.u.numpy()
    sn(x, training=False)
    np.testing.assert_array_equal(sn.u.numpy(), u)
    sn(x, training=True)
    np.testing.assert_array_equal(sn.layer.kernel.numpy(), kernel)
    assert not np.allclose(sn.u.numpy(), u)


def test_save_and_load_keras_file(tmp_path):
    inputs = keras.Input((4, 4, 2))
    h = SpectralNormalization(keras.layers.Conv2D(3, 3), power_iterations=2)(inputs)
    outputs = SpectralNormalization(keras.layers.Dense(1))(keras.layers.Flatten()(h))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(2).normal(size=(3, 4, 4, 2)).astype("float32")
    model(x, training=True)
    model.save(tmp_path / "d.keras")
    loaded = keras.models.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6)
    assert loaded.layers[1].power_iterations == 2
    np.testing.assert_array_equal(loaded.layers[1].u.numpy(), model.layers[1].u.numpy())


def test_rejects_unsupported_layers():
    with pytest.raises(ValueError, match="Dense, Conv2D or Conv2DTranspose"):
        SpectralNormalization(keras.layers.LSTM(3))


def test_maxout_takes_the_max_of_consecutive_groups():
    x = np.random.default_rng(3).normal(size=(4, 6)).astype("float32")
    expected = np.stack([x[:, 0:3].max(1), x[:, 3:6].max(1)], axis=1)
    np.testing.assert_array_equal(Maxout(3)(x).numpy(), expected)
    images = x.reshape(2, 2, 6)  # any leading axes are kept
    np.testing.assert_array_equal(Maxout(3)(images).numpy(), expected.reshape(2, 2, 2))
    with pytest.raises(ValueError, match="multiple of pieces"):
        Maxout(4)(x)
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="integer pieces >= 1"):
            Maxout(bad)


def test_maxout_discriminator_against_numpy_and_after_saving(tmp_path):
    d = networks.mlp_discriminator(data_dim=4, hidden=3, depth=2, maxout=5)
    dense = [layer for layer in d.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [15, 15, 1]
    x = np.random.default_rng(4).normal(size=(7, 4)).astype("float32")
    h = x
    for layer in dense[:2]:
        kernel, bias = (w.numpy() for w in layer.weights)
        h = (h @ kernel + bias).reshape(len(x), 3, 5).max(-1)
    kernel, bias = (w.numpy() for w in dense[2].weights)
    np.testing.assert_allclose(d(x).numpy(), h @ kernel + bias, rtol=1e-5, atol=1e-6)
    d.save(tmp_path / "d.keras")
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "d.keras")(x).numpy(), d(x).numpy())
