"""Test setup: two logical CPU devices (for MirroredStrategy tests) before TensorFlow initialises."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from gan_tf import distribute  # noqa: E402

distribute.split_cpu(2)
