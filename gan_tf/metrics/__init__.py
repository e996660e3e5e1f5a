"""Evaluation metrics for generative models (numpy/scipy/scikit-learn, float64)."""

from gan_tf.metrics.frechet import FeatureStats, frechet_distance, frechet_distance_from_moments
from gan_tf.metrics.kernel import kernel_inception_distance, polynomial_mmd2
from gan_tf.metrics.manifold import precision_recall
from gan_tf.metrics.mixture import mode_coverage
from gan_tf.metrics.scores import (
    channel_digits,
    class_coverage,
    class_kl_parts,
    inception_score,
    recombined_classes,
)
from gan_tf.metrics.swd import sliced_wasserstein_distance

__all__ = [
    "channel_digits",
    "FeatureStats",
    "class_coverage",
    "class_kl_parts",
    "frechet_distance",
    "frechet_distance_from_moments",
    "inception_score",
    "kernel_inception_distance",
    "mode_coverage",
    "polynomial_mmd2",
    "precision_recall",
    "recombined_classes",
    "sliced_wasserstein_distance",
]
