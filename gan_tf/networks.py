"""Generator / discriminator builders: an MLP pair for 2D data and a DCGAN pair for images.

Discriminators output one logit per example ([B, 1]) and use no batch normalisation (it couples the
examples of a batch, which breaks the per-example gradient penalty). Image generators end in tanh:
images live in [-1, 1].

Generator batch norm is *synchronized*: under a tf.distribute strategy its batch statistics are taken
over the global batch (an all-reduce), so N replicas compute what one device computes on the same
global batch, and the moving statistics are identical on every replica.
"""

import contextlib

import keras
from keras import layers

from gan_tf.layers import Maxout, SpectralNormalization

IMAGE_SIZES = {8: 4, 16: 4, 28: 7, 32: 4, 64: 4}  # output size -> starting size before upsampling


# The last layer of each network runs in float32 whatever the dtype policy (samples, logits and so
# the losses stay float32 under mixed precision; a no-op in float32). See `precision`.
OUTPUT_DTYPE = "float32"
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@contextlib.contextmanager
def precision(name):
    """Networks built inside compute in `name`'s dtype (Keras mixed precision; variables stay
    float32) except their float32 output layer; the global policy is restored on exit."""
    if name not in PRECISIONS:
        raise ValueError(f"unknown precision {name!r}; valid: {', '.join(PRECISIONS)}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _batch_norm():
    """BatchNormalization over the global batch (identical on every replica)."""
    return layers.BatchNormalization(synchronized=True)


def _maybe_sn(layer, spectral_norm):
    return SpectralNormalization(layer) if spectral_norm else layer


def mlp_generator(latent_dim=2, data_dim=2, hidden=128, depth=3, batch_norm=False, name="generator"):
    """z -> [Dense(hidden) (BN) ReLU] x depth -> Dense(data_dim)."""
    z = keras.Input((latent_dim,), name="z")
    h = z
    for _ in range(depth):
        h = layers.Dense(hidden)(h)
        if batch_norm:
            h = _batch_norm()(h)
        h = layers.ReLU()(h)
    return keras.Model(z, layers.Dense(data_dim, dtype=OUTPUT_DTYPE)(h), name=name)


def mlp_discriminator(
    data_dim=2, hidden=128, depth=2, spectral_norm=False, name="discriminator", head=True, maxout=0
):
    """x -> [Dense(hidden) LeakyReLU(0.2)] x depth -> Dense(1) logit; optionally spectrally normed.
    maxout=k: [Dense(hidden * k) Maxout(k)] layers instead (PacGAN's 2D discriminator, k = 5).
    head=False: the features phi(x) before the logit (for `projection_discriminator`)."""
    x = keras.Input((data_dim,), name="x")
    h = x
    for _ in range(depth):
        if maxout:
            h = Maxout(maxout)(_maybe_sn(layers.Dense(hidden * maxout), spectral_norm)(h))
        else:
            h = layers.LeakyReLU(0.2)(_maybe_sn(layers.Dense(hidden), spectral_norm)(h))
    return _with_head(x, h, head, spectral_norm, name)


def _with_head(x, h, head, spectral_norm, name):
    out = _maybe_sn(layers.Dense(1, dtype=OUTPUT_DTYPE), spectral_norm)(h) if head else h
    return keras.Model(x, out, name=name if head else f"{name}_features")


def _check_image_shape(size, channels):
    if size not in IMAGE_SIZES:
        raise ValueError(f"DCGAN image size must be one of {sorted(IMAGE_SIZES)}, got {size}")
    if channels not in (1, 3):
        raise ValueError(f"DCGAN images have 1 or 3 channels, got {channels}")


UPSAMPLING = ("transpose", "nearest")


def dcgan_generator(
    latent_dim=64, size=32, channels=3, width=64, name="generator", upsample="transpose", native_size=0
):
    """DCGAN (Radford et al. 2016): Dense -> s0 x s0 x C0, then doubling steps +BN+ReLU up to `size`,
    halving the filters each time (width * 2^n_up down to width), and a 3x3 conv with tanh. A doubling
    step is a stride-2 4x4 ConvTranspose ("transpose", DCGAN's), or a nearest-neighbour 2x upsampling
    and a 3x3 conv ("nearest": resize-convolution, free of the transposed convolution's checkerboard
    artifacts; Odena et al. 2016, "Deconvolution and Checkerboard Artifacts").

    `native_size` (0 = `size`): G draws at this size and, when it is smaller, a fixed bilinear resize
    (Keras' `Resizing`, half-pixel centres) brings it to `size`, for data that were themselves
    upsampled from it: scikit-learn's 8 px digits at 16 px are exactly such resizes, so every real
    image is one G can draw, and G spends nothing on the interpolation."""
    _check_image_shape(size, channels)
    if native_size and (native_size not in IMAGE_SIZES or native_size > size):
        sizes = sorted(s for s in IMAGE_SIZES if s <= size)
        raise ValueError(f"native_size must be 0 or one of {sizes} (up to {size} px), got {native_size}")
    drawn = native_size or size
    if upsample not in UPSAMPLING:
        raise ValueError(f"unknown upsampling {upsample!r}; valid: {', '.join(UPSAMPLING)}")
    start = IMAGE_SIZES[drawn]
    n_up = (drawn // start).bit_length() - 1
    filters = width * 2**n_up
    z = keras.Input((latent_dim,), name="z")
    h = layers.Dense(start * start * filters, use_bias=False)(z)
    h = layers.ReLU()(_batch_norm()(h))
    h = layers.Reshape((start, start, filters))(h)
    for _ in range(n_up):
        filters //= 2
        if upsample == "transpose":
            h = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False)(h)
        else:
            h = layers.UpSampling2D(2, interpolation="nearest")(h)
            h = layers.Conv2D(filters, 3, padding="same", use_bias=False)(h)
        h = layers.ReLU()(_batch_norm()(h))
    out = layers.Conv2D(channels, 3, padding="same", activation="tanh", dtype=OUTPUT_DTYPE)(h)
    if drawn != size:
        out = layers.Resizing(size, size, interpolation="bilinear", dtype=OUTPUT_DTYPE)(out)
    return keras.Model(z, out, name=name)


def dcgan_discriminator(
    size=32, channels=3, width=64, spectral_norm=False, name="discriminator", head=True, pack=1
):
    """Stride-2 4x4 convs with LeakyReLU(0.2), doubling the filters, down to <= 4x4, then Dense(1)
    (head=False: the flattened features phi(x) instead). pack = m (PacGAN): it judges m images at
    once, stacked on the channel axis (gan_tf.packing), so its input has m x channels."""
    _check_image_shape(size, channels)
    x = keras.Input((size, size, channels * pack), name="x")
    h, filters, spatial = x, width, size
    while spatial > 4:
        h = _maybe_sn(layers.Conv2D(filters, 4, strides=2, padding="same"), spectral_norm)(h)
        h = layers.LeakyReLU(0.2)(h)
        filters, spatial = filters * 2, (spatial + 1) // 2
    return _with_head(x, layers.Flatten()(h), head, spectral_norm, name)


def conditional_generator(base, latent_dim, num_classes, name="generator"):
    """[z, label] -> base(concat(z, embed(label))): a label embedding (Mirza & Osindero 2014) as wide
    as `base`'s input beyond latent_dim. `label` is int32 [B] in [0, num_classes)."""
    embed_dim = int(base.inputs[0].shape[-1]) - latent_dim
    if embed_dim < 1:
        raise ValueError(f"the base generator needs more than {latent_dim} inputs (z + the label embedding)")
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    h = layers.Concatenate()([z, layers.Embedding(num_classes, embed_dim)(label)])
    return keras.Model([z, label], base(h), name=name)


def acgan_discriminator(features, num_classes, spectral_norm=False, name="discriminator"):
    """x -> [logit, class logits] ([B, 1 + num_classes]): the auxiliary classifier discriminator of
    AC-GAN (Odena et al. 2017) on a features model phi (a discriminator built with head=False)."""
    x = keras.Input(features.inputs[0].shape[1:], name="x")
    head = _maybe_sn(layers.Dense(1 + num_classes, dtype=OUTPUT_DTYPE), spectral_norm)
    return keras.Model(x, head(features(x)), name=name)


def projection_discriminator(features, num_classes, spectral_norm=False, name="discriminator"):
    """[x, label] -> w.phi(x) + b + <embed(label), phi(x)>: the projection discriminator (Miyato &
    Koyama 2018) on a features model phi (a discriminator built with head=False). With spectral_norm
    the linear head is normed (the class embedding is not)."""
    x = keras.Input(features.inputs[0].shape[1:], name="x")
    label = keras.Input((), dtype="int32", name="label")
    h = features(x)
    logit = _maybe_sn(layers.Dense(1, dtype=OUTPUT_DTYPE), spectral_norm)(h)
    embedded = layers.Embedding(num_classes, int(h.shape[-1]))(label)
    projection = layers.Dot(axes=1, dtype=OUTPUT_DTYPE)([embedded, h])
    return keras.Model([x, label], layers.Add(dtype=OUTPUT_DTYPE)([logit, projection]), name=name)


def mlp_pair(latent_dim=2, data_dim=2, hidden=128, g_depth=3, d_depth=2, spectral_norm=False):
    """(generator, discriminator) for low-dimensional data."""
    return (
        mlp_generator(latent_dim, data_dim, hidden, g_depth),
        mlp_discriminator(data_dim, hidden, d_depth, spectral_norm),
    )


def dcgan_pair(latent_dim=64, size=32, channels=3, width=64, spectral_norm=False):
    """(generator, discriminator) for size x size x channels images in [-1, 1]."""
    return (
        dcgan_generator(latent_dim, size, channels, width),
        dcgan_discriminator(size, channels, width, spectral_norm),
    )
