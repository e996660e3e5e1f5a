"""gan-tf: GAN training for Keras 3 / TensorFlow (losses, penalties, spectral norm, models, metrics).

Submodules load on first use (`gan_tf.losses`, `from gan_tf import metrics`), so importing the
package, e.g. for `__version__` or a CLI's --help, does not start TensorFlow."""

import importlib

__all__ = ["data", "distribute", "layers", "losses", "metrics", "models", "networks", "penalties", "theory"]
__version__ = "0.3.0"


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"gan_tf.{name}")
    raise AttributeError(f"module 'gan_tf' has no attribute {name!r}")
