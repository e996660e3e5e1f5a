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


def recombined_classes(classes, channels, n, seed=0):
    """n classes of `channels` digits (base-10 codes, as `classes`) whose every digit is drawn from
    its own channel of an independent random row of `classes`.

    Stacked digits draw their channels independently, so recombining real rows this way samples the
    same class distribution at any n: the real reference's modes and KL can be counted at the
    generator's sample count (both depend on n; KL to uniform has a floor of about (K - 1) / 2n)."""
    classes = np.asarray(classes, np.int64)
    place = 10 ** np.arange(channels - 1, -1, -1)
    digits = channel_digits(classes, channels)
    rng = np.random.default_rng(seed)
    rows = rng.integers(len(classes), size=(n, channels))
    return digits[rows, np.arange(channels)] @ place


def class_kl_parts(classes, channels):
    """KL(class histogram || uniform) of `channels`-digit classes split into its two parts:

        KL(p || U_{10^C}) = sum_c KL(p_c || U_10) + KL(p || p_1 x ... x p_C),

    p_c the histogram of channel c's digit. Returns (the C channel KLs: digits made too often or too
    rarely in each channel, the total correlation: channels that are not independent)."""
    classes = np.asarray(classes, np.int64)
    digits = channel_digits(classes, channels)
    channel_kls = [class_coverage(digits[:, c], 10)[1] for c in range(channels)]
    marginals = [np.bincount(digits[:, c], minlength=10) / len(classes) for c in range(channels)]
    joint = np.bincount(classes, minlength=10**channels) / len(classes)
    independent = marginals[0]
    for m in marginals[1:]:
        independent = np.outer(independent, m).ravel()
    hit = joint > 0
    return channel_kls, float(np.sum(joint[hit] * np.log(joint[hit] / independent[hit])))


def channel_digits(classes, channels):
    """[N, channels] digits of base-10 class codes, the first channel's the most significant."""
    return np.asarray(classes, np.int64)[:, None] // 10 ** np.arange(channels - 1, -1, -1) % 10
