"""Fréchet distance between Gaussians fitted to features (FID, Heusel et al. 2017).

    FID = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^{1/2})

float64 throughout, unbiased covariances (n - 1), scipy's `linalg.sqrtm`; as pytorch-fid and
clean-fid: if the square root is not finite, retry with eps*I added to both covariances; drop a
negligible imaginary part, raise if it is not negligible.
"""

import numpy as np
from scipy import linalg


class FeatureStats:
    """Running mean and covariance of feature vectors in constant memory (float64).

    Batches are merged with Chan et al.'s pairwise update (1979): each batch's mean and centred
    scatter, then  M2 <- M2 + M2_b + delta delta^T n n_b / (n + n_b),  delta = mean_b - mean.
    Unlike sum(x x^T) - n mu mu^T, nothing cancels when the features share a large mean.
    """

    def __init__(self, dim):
        self.n, self.mean, self.m2 = 0, np.zeros(dim), np.zeros((dim, dim))

    def update(self, features):
        features = np.asarray(features, np.float64)
        n_b = len(features)
        if n_b == 0:
            return self
        mean_b = features.mean(axis=0)
        centred = features - mean_b
        delta = mean_b - self.mean
        total = self.n + n_b
        self.m2 += centred.T @ centred + np.outer(delta, delta) * (self.n * n_b / total)
        self.mean = self.mean + delta * (n_b / total)
        self.n = total
        return self

    @property
    def cov(self):
        """Unbiased: M2 / (n - 1)."""
        if self.n < 2:
            raise ValueError("a covariance needs at least 2 feature vectors")
        return self.m2 / (self.n - 1)


def frechet_distance_from_moments(mu1, sigma1, mu2, sigma2, eps=1e-6):
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(f"feature dimensions differ: {mu1.shape} vs {mu2.shape}")
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(sigma1)) * eps
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"FID: imaginary component {np.max(np.abs(covmean.imag)):.3g} is not negligible")
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def frechet_distance(features_a, features_b, eps=1e-6):
    """FID between two feature matrices [N, d] and [M, d]."""
    a = FeatureStats(np.shape(features_a)[1]).update(features_a)
    b = FeatureStats(np.shape(features_b)[1]).update(features_b)
    return frechet_distance_from_moments(a.mean, a.cov, b.mean, b.cov, eps)
