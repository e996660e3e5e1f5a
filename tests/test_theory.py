"""Goodfellow et al.'s section 4 on discrete distributions, checked numerically."""

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from gan_tf import theory

RNG = np.random.default_rng(0)


def random_distribution(n):
    p = RNG.uniform(size=n)
    return p / p.sum()


def test_optimal_discriminator_is_one_half_at_the_optimum():
    p = random_distribution(7)
    np.testing.assert_allclose(theory.optimal_discriminator(p, p), 0.5)
    assert theory.virtual_training_criterion(p, p) == pytest.approx(-np.log(4.0))


def test_criterion_is_value_at_optimal_discriminator():
    p, q = random_distribution(9), random_distribution(9)
    d_star = theory.optimal_discriminator(p, q)
    assert theory.value(d_star, p, q) == pytest.approx(theory.virtual_training_criterion(p, q))
    for _ in range(20):  # D* maximises V(., G)
        assert theory.value(RNG.uniform(0.01, 0.99, size=9), p, q) <= theory.value(d_star, p, q)


def test_jensen_shannon_against_scipy():
    p, q = random_distribution(12), random_distribution(12)
    assert theory.jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q) ** 2)


def test_disjoint_supports_saturate_at_log_2():
    # JS is constant (log 2) however far apart disjoint supports are: no gradient for G.
    p, q = np.array([0.5, 0.5, 0, 0]), np.array([0, 0, 0.3, 0.7])
    assert theory.jensen_shannon(p, q) == pytest.approx(np.log(2.0))
    assert theory.virtual_training_criterion(p, q) == pytest.approx(0.0)
    assert theory.kl_divergence(p, q) == np.inf


def test_rejects_non_distributions():
    with pytest.raises(ValueError, match="probability vector"):
        theory.jensen_shannon([0.5, 0.6], [0.5, 0.5])
