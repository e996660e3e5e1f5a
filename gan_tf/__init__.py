"""gan-tf: GAN training for Keras 3 / TensorFlow (losses, penalties, spectral norm, models, metrics)."""

from gan_tf import data, distribute, layers, losses, metrics, models, networks, penalties, theory

__all__ = ["data", "distribute", "layers", "losses", "metrics", "models", "networks", "penalties", "theory"]
__version__ = "0.3.1"
