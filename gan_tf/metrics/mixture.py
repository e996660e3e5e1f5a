"""Mode collapse on Gaussian mixtures: the VEEGAN / PacGAN protocol (see REFERENCES.md)."""

import numpy as np


def mode_coverage(samples, centers, std):
    """{"modes", "high_quality", "reverse_kl"} of generated 2D samples against a mixture.

    A sample is high quality if ||(x - mu_k) / std|| < 3 for its nearest centre mu_k; a mode is
    captured if at least one high-quality sample is nearest to it; reverse_kl is
    KL(p_modes || uniform) over the histogram of the high-quality samples' nearest modes
    (inf when there is no high-quality sample).
    """
    samples = np.asarray(samples, np.float64)
    centers = np.asarray(centers, np.float64)
    if samples.ndim != 2 or centers.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples {samples.shape} and centers {centers.shape} must be [N, d] and [K, d]")
    distances = np.linalg.norm((samples[:, None, :] - centers[None, :, :]) / std, axis=-1)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] < 3.0
    counts = np.bincount(nearest[good], minlength=len(centers))
    if counts.sum() == 0:
        reverse_kl = float("inf")
    else:
        p = counts[counts > 0] / counts.sum()
        reverse_kl = float(np.sum(p * np.log(p * len(centers))))
    return {
        "modes": int(np.count_nonzero(counts)),
        "high_quality": float(good.mean()),
        "reverse_kl": reverse_kl,
    }
