"""Test setup: two logical CPU devices (for MirroredStrategy tests) before TensorFlow initialises."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One compute thread per xdist worker (and per process a test starts, which inherits the variable):
    # with `make test`'s two workers on two cores, TensorFlow's default of one thread per core
    # oversubscribes the CPU, and its spinning threads slow both workers.
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")

from gan_tf import distribute  # noqa: E402

distribute.split_cpu(2)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def classifier_dir(tmp_path_factory):
    """One eval.classifier_dir for the whole run, shared by the xdist workers: every evaluate on digits
    would otherwise train the digits classifier again (~15 s each)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return str(shared / "digits_classifier_cache")
