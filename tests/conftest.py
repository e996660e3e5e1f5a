"""Test setup: two logical CPU devices (for MirroredStrategy tests) before TensorFlow initialises."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from gan_tf import distribute  # noqa: E402

distribute.split_cpu(2)


def pytest_collection_modifyitems(items):
    """Tests that share a module-scoped fixture (a finished pipeline run, a trained classifier) form one
    xdist group, so `make test`'s `--dist loadgroup` builds each such fixture on one worker, once."""
    import pytest

    for item in items:
        defs = item._fixtureinfo.name2fixturedefs
        shared = [name for name in item.fixturenames if name in defs and defs[name][-1].scope == "module"]
        if shared:
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}.{shared[0]}"))
