"""Spectral normalization (Miyato et al. 2018) as a true reparameterisation.

    W_SN = W / sigma(W),   sigma(W) = max_{h != 0} ||W h|| / ||h||   (the largest singular value)

sigma is estimated by power iteration on the kernel reshaped to a matrix W of shape
(k*k*C_in, C_out) with a persistent vector u (1 x C_out):
    v <- normalise(u W^T),   u <- normalise(v W),   sigma = v W u^T.
u and v are treated as constants for the gradient, so the gradient of the loss reaches W *through*
sigma: d(W/sigma)/dW carries the term -(W/sigma^2) u^T v. The wrapped layer's kernel variable is never
written to (tensorflow-addons and keras.layers.SpectralNormalization overwrite it, which drops that
term); u is updated only when training.
"""

import keras
from keras import ops
from keras.src.backend import AutocastScope  # Keras 3 (pinned): read a variable at its own dtype

_SUPPORTED = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def _l2_normalize(x, eps):
    return x / ops.sqrt(ops.sum(ops.square(x)) + eps)


@keras.saving.register_keras_serializable(package="gan_tf")
class SpectralNormalization(keras.layers.Wrapper):
    """Wraps a Dense, Conv2D or Conv2DTranspose layer and divides its kernel by sigma(kernel).

    Args:
        layer: the layer to wrap (built by this wrapper if it is not yet).
        power_iterations: power-iteration steps per forward pass (1 is the paper's choice; u persists
            across steps, so the estimate keeps improving while W changes slowly).
        eps: added under the square roots of the normalisations.
    """

    def __init__(self, layer, power_iterations=1, eps=1e-12, **kwargs):
        if not isinstance(layer, _SUPPORTED):
            raise ValueError(
                f"SpectralNormalization wraps Dense, Conv2D or Conv2DTranspose, got {type(layer).__name__}"
            )
        if int(power_iterations) < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations}")
        kwargs.setdefault("dtype", layer.dtype_policy)  # compute in the wrapped layer's precision
        super().__init__(layer, **kwargs)
        self.power_iterations = int(power_iterations)
        self.eps = eps

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        self.u = self.add_weight(
            name="u",
            shape=(1, self._out_dim()),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            # Every replica computes the same u from the same mirrored W; keep replica 0's.
            aggregation="only_first_replica",
        )
        self.built = True

    def _out_dim(self):
        shape = self.layer.kernel.shape
        # Conv2DTranspose kernels are (kh, kw, C_out, C_in); the others end in C_out.
        return shape[-2] if isinstance(self.layer, keras.layers.Conv2DTranspose) else shape[-1]

    def _kernel_matrix(self, kernel):
        """The kernel as a (fan_in, C_out) matrix."""
        if isinstance(self.layer, keras.layers.Conv2DTranspose):
            kernel = ops.transpose(kernel, (0, 1, 3, 2))
        return ops.reshape(kernel, (-1, self._out_dim()))

    def normalized_kernel(self, training=False):
        """W / sigma(W) in the layer's compute dtype; sigma and the division always in the variables'
        own precision (float32 under a mixed policy); in training also stores the new vector u."""
        with AutocastScope(None):  # read the master weights, not their mixed-precision cast
            kernel = ops.cast(self.layer.kernel.value, self.layer.kernel.dtype)
            u = ops.cast(self.u.value, self.u.dtype)
        w = self._kernel_matrix(kernel)
        for _ in range(self.power_iterations):
            v = _l2_normalize(ops.matmul(u, ops.transpose(w)), self.eps)
            u = _l2_normalize(ops.matmul(v, w), self.eps)
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        sigma = ops.sum(ops.matmul(v, w) * u)
        if training:
            self.u.assign(u)
        return ops.cast(kernel / sigma, self.compute_dtype)

    def call(self, inputs, training=False):
        kernel = self.normalized_kernel(training=training)
        layer = self.layer
        if isinstance(layer, keras.layers.Dense):
            outputs = ops.matmul(inputs, kernel)
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            outputs = ops.conv_transpose(
                inputs,
                kernel,
                strides=list(layer.strides),
                padding=layer.padding,
                output_padding=layer.output_padding,
                dilation_rate=layer.dilation_rate,
                data_format=layer.data_format,
            )
        else:
            outputs = layer.convolution_op(inputs, kernel)
        if layer.use_bias:
            channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
            bias = layer.bias
            if channels_first:
                bias = ops.reshape(bias, (1, -1) + (1,) * (len(outputs.shape) - 2))
            outputs = outputs + bias
        if layer.activation is not None:
            outputs = layer.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(power_iterations=self.power_iterations, eps=self.eps)
        return config


@keras.saving.register_keras_serializable(package="gan_tf")
class Maxout(keras.layers.Layer):
    """Maxout (Goodfellow et al. 2013): the last axis, of width units * pieces, in `units` groups of
    `pieces` consecutive features, each group replaced by its maximum:
        y_i = max_j x_{i * pieces + j},   j = 0 .. pieces - 1.
    After a Dense(units * pieces) layer each output is a convex piecewise-linear function of its
    input (PacGAN's and VEEGAN's 2D discriminators: 5 pieces)."""

    def __init__(self, pieces, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(pieces, int) or isinstance(pieces, bool) or pieces < 1:
            raise ValueError(f"Maxout needs an integer pieces >= 1, got {pieces!r}")
        self.pieces = pieces

    def call(self, inputs):
        width = inputs.shape[-1]
        if width % self.pieces:
            raise ValueError(f"Maxout: the last axis ({width}) must be a multiple of pieces ({self.pieces})")
        grouped = ops.reshape(inputs, (*ops.shape(inputs)[:-1], width // self.pieces, self.pieces))
        return ops.max(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] // self.pieces)

    def get_config(self):
        return {**super().get_config(), "pieces": self.pieces}
