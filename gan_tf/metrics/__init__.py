"""Evaluation metrics for generative models."""

from gan_tf.metrics.mixture import mode_coverage

__all__ = ["mode_coverage"]
