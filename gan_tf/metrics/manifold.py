"""k-NN manifold metrics: precision / recall (Kynkäänniemi et al. 2019) and density / coverage
(Naeem et al. 2020). Each sample's ball has radius = distance to its k-th nearest neighbour in its own set.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors


def _radii(features, k):
    """Distance of each row to its k-th nearest other row."""
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(features).kneighbors(features)
    return distances[:, k]


def _inside_counts(queries, centers, radii, chunk=2048):
    """For each query, how many balls (centers, radii) contain it."""
    counts = np.zeros(len(queries), np.int64)
    for start in range(0, len(queries), chunk):
        q = queries[start : start + chunk]
        d2 = (q**2).sum(1)[:, None] - 2 * q @ centers.T + (centers**2).sum(1)[None, :]
        counts[start : start + chunk] = (np.sqrt(np.maximum(d2, 0)) <= radii[None, :]).sum(axis=1)
    return counts


def precision_recall(real_features, fake_features, k=3):
    """{precision, recall, density, coverage} of fake samples against real ones."""
    real = np.asarray(real_features, np.float64)
    fake = np.asarray(fake_features, np.float64)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"need more than k={k} samples in each set")
    real_radii, fake_radii = _radii(real, k), _radii(fake, k)
    fake_in_real = _inside_counts(fake, real, real_radii)
    real_in_fake = _inside_counts(real, fake, fake_radii)
    nearest_fake = NearestNeighbors(n_neighbors=1).fit(fake).kneighbors(real)[0][:, 0]
    return {
        "precision": float(np.mean(fake_in_real > 0)),
        "recall": float(np.mean(real_in_fake > 0)),
        "density": float(fake_in_real.sum() / (k * len(fake))),
        "coverage": float(np.mean(nearest_fake <= real_radii)),
    }
