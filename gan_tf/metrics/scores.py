"""Inception Score (Salimans et al. 2016) and class-histogram statistics."""

import numpy as np


def inception_score(class_probs, splits=10):
    """(mean, std) over splits of exp(E_x KL(p(y|x) || p(y))), p(y) the split's marginal."""
    p = np.asarray(class_probs, np.float64)
    if p.ndim != 2 or len(p) < splits:
        raise ValueError(f"need class probabilities [N >= splits, classes], got {p.shape}")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = np.sum(part * (np.log(part + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_coverage(labels, num_classes):
    """(classes hit, KL(class histogram || uniform)) — PacGAN's mode count and KL."""
    counts = np.bincount(np.asarray(labels, np.int64), minlength=num_classes)
    p = counts[counts > 0] / counts.sum()
    return int(np.count_nonzero(counts)), float(np.sum(p * np.log(p * num_classes)))
