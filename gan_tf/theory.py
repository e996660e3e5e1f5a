"""The closed forms of Goodfellow et al. (2014), section 4, for discrete distributions.

For a fixed G the discriminator that maximises V(D, G) is
    D*(x) = p_data(x) / (p_data(x) + p_g(x)),
and with it the generator's criterion becomes
    C(G) = max_D V(D, G) = -log 4 + 2 JSD(p_data || p_g),
minimised (C = -log 4) exactly when p_g = p_data, where D* = 1/2 everywhere.
"""

import numpy as np


def _distribution(p):
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError("expected a 1-D probability vector (non-negative, summing to 1)")
    return p


def _xlogy(x, y):
    """x log y with 0 log 0 = 0."""
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def kl_divergence(p, q):
    """KL(p || q) = sum p log(p / q) (inf where q = 0 < p)."""
    p, q = _distribution(p), _distribution(q)
    with np.errstate(divide="ignore"):
        return float(np.sum(_xlogy(p, p) - _xlogy(p, q)))


def jensen_shannon(p, q):
    """JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2; at most log 2."""
    p, q = _distribution(p), _distribution(q)
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)


def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g); nan where both are 0 (D is free there)."""
    p_data, p_g = _distribution(p_data), _distribution(p_g)
    with np.errstate(invalid="ignore"):
        return p_data / (p_data + p_g)


def value(d, p_data, p_g):
    """V(D, G) = E_{p_data}[log D] + E_{p_g}[log(1 - D)] for a discriminator given as a vector."""
    p_data, p_g, d = _distribution(p_data), _distribution(p_g), np.asarray(d, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return float(np.sum(_xlogy(p_data, d)) + np.sum(_xlogy(p_g, 1.0 - d)))


def virtual_training_criterion(p_data, p_g):
    """C(G) = V(D*, G) = -log 4 + 2 JSD(p_data || p_g)."""
    return -np.log(4.0) + 2.0 * jensen_shannon(p_data, p_g)
