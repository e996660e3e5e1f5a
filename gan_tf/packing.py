"""PacGAN packing (Lin et al. 2018): the discriminator judges m samples at once, all real or all fake.

    pack([x_1, ..., x_B], m) = [concat(x_1..x_m), concat(x_m+1..x_2m), ...]    (B/m packed examples)

Vectors are concatenated along their features, images along their channels, so a discriminator for
packed data takes m times the features (or channels). A packed discriminator that has seen one
sample of a mode it rejects can reject the whole pack: collapse becomes visible to it.
"""

import tensorflow as tf


def pack(x, m):
    """[B, d] -> [B/m, m*d]; [B, H, W, C] -> [B/m, H, W, m*C] (consecutive samples grouped)."""
    if m == 1:
        return x
    x = tf.convert_to_tensor(x)
    shape = tf.shape(x)
    if x.shape.rank == 2:
        return tf.reshape(x, [shape[0] // m, m * x.shape[-1]])
    if x.shape.rank == 4:
        grouped = tf.reshape(x, [shape[0] // m, m, shape[1], shape[2], x.shape[-1]])
        return tf.reshape(
            tf.transpose(grouped, [0, 2, 3, 1, 4]), [shape[0] // m, shape[1], shape[2], m * x.shape[-1]]
        )
    raise ValueError(f"packing takes vectors [B, d] or images [B, H, W, C], got rank {x.shape.rank}")


def packed_shape(shape, m):
    """The discriminator's input shape (without batch) for data of `shape` packed by m."""
    shape = list(shape)
    shape[-1] *= m
    return shape


def unpack(x, m):
    """The inverse of `pack`: [B/m, m*d] -> [B, d]; [B/m, H, W, m*C] -> [B, H, W, C]."""
    if m == 1:
        return x
    x = tf.convert_to_tensor(x)
    shape, features = tf.shape(x), x.shape[-1] // m
    if x.shape[-1] % m:
        raise ValueError(f"cannot unpack {x.shape[-1]} features or channels into {m} samples")
    if x.shape.rank == 2:
        return tf.reshape(x, [shape[0] * m, features])
    if x.shape.rank == 4:
        grouped = tf.reshape(x, [shape[0], shape[1], shape[2], m, features])
        return tf.reshape(
            tf.transpose(grouped, [0, 3, 1, 2, 4]), [shape[0] * m, shape[1], shape[2], features]
        )
    raise ValueError(f"packing takes vectors [B, d] or images [B, H, W, C], got rank {x.shape.rank}")
