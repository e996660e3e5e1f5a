"""Independent, stateless noise streams: training, evaluation, sample pictures, export checks.

Every draw is keyed by (stream key, counter) and made with `tf.random.stateless_*`, so it is a pure
function of (seed, stream, counter): the same on one replica or many, in a fresh process or a resumed
one. The stream key hashes (seed, stream name), so two streams never share a key and evaluation can
never draw the noise a training step drew (their counters may overlap; their keys do not).
"""

import hashlib

import numpy as np
import tensorflow as tf

STREAMS = ("train", "evaluate", "samples", "export_check", "drs", "augment")


def stream_key(seed, stream):
    """A 63-bit key for (seed, stream); ValueError for an unknown stream name."""
    if stream not in STREAMS:
        raise ValueError(f"unknown noise stream {stream!r}; valid: {', '.join(STREAMS)}")
    digest = hashlib.sha256(f"gan_tf.noise:{int(seed)}:{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def normal(shape, seed, stream, counter=0):
    """z ~ N(0, I) of `shape` (float32) from stream `stream`, draw number `counter`."""
    key = tf.constant([stream_key(seed, stream), int(counter)], tf.int64)
    return tf.random.stateless_normal(shape, seed=key)


def normal_numpy(shape, seed, stream, counter=0):
    """`normal` as a numpy array."""
    return np.asarray(normal(shape, seed, stream, counter))
