"""Metrics against direct computations, closed forms and hand-worked cases."""

import numpy as np
import pytest
from scipy import linalg

from gan_tf import data, metrics

RNG = np.random.default_rng(0)


def direct_fid(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s1 @ s2).real
    return np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * covmean)


def random_spd(d):
    m = RNG.normal(size=(d, d))
    return m @ m.T / d + 0.1 * np.eye(d)


def test_fid_matches_a_direct_scipy_computation():
    a, b = RNG.normal(size=(300, 16)), RNG.normal(0.3, 1.2, size=(250, 16)) @ RNG.normal(size=(16, 16))
    assert metrics.frechet_distance(a, b) == pytest.approx(direct_fid(a, b), rel=1e-6)


def test_fid_of_a_set_with_itself_is_zero():
    a = RNG.normal(size=(200, 8)) @ RNG.normal(size=(8, 8))
    assert abs(metrics.frechet_distance(a, a)) < 1e-6 * np.trace(np.cov(a, rowvar=False))


def test_fid_between_gaussians_matches_the_closed_form():
    # Tr((S1 S2)^1/2) = Tr((S1^1/2 S2 S1^1/2)^1/2): computed here through eigendecompositions.
    d = 6
    mu1, mu2, s1, s2 = RNG.normal(size=d), RNG.normal(size=d), random_spd(d), random_spd(d)

    def psd_sqrt(m):
        w, v = np.linalg.eigh(m)
        return (v * np.sqrt(np.clip(w, 0, None))) @ v.T

    r = psd_sqrt(s1)
    want = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(psd_sqrt(r @ s2 @ r))
    assert metrics.frechet_distance_from_moments(mu1, s1, mu2, s2) == pytest.approx(want, rel=1e-8)
    # 1-D: (mu1 - mu2)^2 + (sigma1 - sigma2)^2
    assert metrics.frechet_distance_from_moments(1.0, [[4.0]], 3.0, [[9.0]]) == pytest.approx(4 + 1)
    # ...and sampled Gaussians approach it.
    x = RNG.multivariate_normal(mu1, s1, size=200_000)
    y = RNG.multivariate_normal(mu2, s2, size=200_000)
    assert metrics.frechet_distance(x, y) == pytest.approx(want, rel=0.02)


def singular_disjoint_moments():
    """Rank-1 covariances on orthogonal axes: S1 S2 = 0, so Tr((S1 S2)^1/2) = 0 and
    FID = |mu1 - mu2|^2 + Tr S1 + Tr S2 exactly."""
    mu1, mu2 = np.array([1.0, 0.0, 2.0, 0.0]), np.array([0.0, 3.0, 0.0, 0.0])
    s1, s2 = np.diag([4.0, 0.0, 0.0, 0.0]), np.diag([0.0, 9.0, 0.0, 0.0])
    return mu1, s1, mu2, s2, np.sum((mu1 - mu2) ** 2) + 4.0 + 9.0


def test_fid_on_singular_covariances_is_the_exact_value():
    mu1, s1, mu2, s2, exact = singular_disjoint_moments()
    assert metrics.frechet_distance_from_moments(mu1, s1, mu2, s2) == pytest.approx(exact, rel=1e-12)


def test_fid_eps_retry_path(monkeypatch):
    # Older scipy returns a non-finite sqrtm on such singular products: make the first call do so.
    from gan_tf.metrics import frechet

    calls, real_sqrtm = [], linalg.sqrtm

    def sqrtm(m):
        calls.append(np.array(m))
        return np.full_like(m, np.nan) if len(calls) == 1 else real_sqrtm(m)

    monkeypatch.setattr(frechet.linalg, "sqrtm", sqrtm)
    mu1, s1, mu2, s2, exact = singular_disjoint_moments()
    eps = 1e-6
    got = frechet.frechet_distance_from_moments(mu1, s1, mu2, s2, eps=eps)
    assert len(calls) == 2  # retried once, on (S1 + eps I)(S2 + eps I)
    np.testing.assert_allclose(calls[1], (s1 + eps * np.eye(4)) @ (s2 + eps * np.eye(4)), rtol=1e-12)
    # Only the square root sees the offset: (S1 + eps I)(S2 + eps I) = diag((4 + eps) eps, eps (9 + eps),
    # eps^2, eps^2), so the value is the exact one less twice the trace of its square root.
    want = exact - 2 * (np.sqrt((4 + eps) * eps) + np.sqrt(eps * (9 + eps)) + 2 * eps)
    assert got == pytest.approx(want, abs=1e-9)
    assert got == pytest.approx(exact, abs=20 * np.sqrt(eps))  # within O(sqrt(eps)) of the exact value


def test_feature_stats_stream_equals_batch():
    a = RNG.normal(size=(1000, 5))
    stats = metrics.FeatureStats(5)
    for chunk in np.array_split(a, 7):
        stats.update(chunk)
    np.testing.assert_allclose(stats.mean, a.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.cov, np.cov(a, rowvar=False), rtol=1e-9, atol=1e-12)


def test_feature_stats_with_a_large_mean_do_not_cancel():
    # sum(x x^T) - n mu mu^T loses every digit here (1e16 - 1e16 in float64); np.cov centres first.
    a = 1e8 + RNG.normal(size=(3000, 4)) @ np.diag([1.0, 2.0, 0.5, 3.0])
    stats = metrics.FeatureStats(4)
    for chunk in np.array_split(a, 9):
        stats.update(chunk)
    np.testing.assert_allclose(stats.cov, np.cov(a, rowvar=False), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(stats.mean, a.mean(0), rtol=1e-14)


def test_kid_mmd_matches_a_double_loop():
    x, y = RNG.normal(size=(6, 3)), RNG.normal(1.0, size=(5, 3))
    k = lambda u, v: (u @ v / 3 + 1) ** 3
    xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / (6 * 5)
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    xy = sum(k(x[i], y[j]) for i in range(6) for j in range(5)) / (6 * 5)
    assert metrics.polynomial_mmd2(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)
    # A subset as large as both sets is the whole sets (in some order): the same estimate every time.
    y6 = np.vstack([y, RNG.normal(size=(1, 3))])
    mean, std = metrics.kernel_inception_distance(x, y6, subsets=3, subset_size=100)
    assert mean == pytest.approx(metrics.polynomial_mmd2(x, y6), rel=1e-10) and std < 1e-12


def test_kid_is_unbiased_on_identical_distributions():
    values = [
        metrics.polynomial_mmd2(RNG.normal(size=(100, 8)), RNG.normal(size=(100, 8))) for _ in range(40)
    ]
    assert min(values) < 0 < max(values)  # unbiased: scatters around 0, negative values included
    assert abs(np.mean(values)) < 3 * np.std(values) / np.sqrt(len(values))
    far_mean, far_std = metrics.kernel_inception_distance(
        RNG.normal(size=(300, 8)), RNG.normal(2.0, size=(300, 8)), subsets=10, subset_size=100
    )
    assert far_mean > 10 * far_std > 0


def test_inception_score_by_hand():
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    marginal = [0.55, 0.45]
    kl0 = 0.9 * np.log(0.9 / marginal[0]) + 0.1 * np.log(0.1 / marginal[1])
    kl1 = 0.2 * np.log(0.2 / marginal[0]) + 0.8 * np.log(0.8 / marginal[1])
    assert metrics.inception_score(p, splits=1)[0] == pytest.approx(np.exp((kl0 + kl1) / 2), rel=1e-9)
    one_hot = np.eye(10)[np.arange(1000) % 10]
    assert metrics.inception_score(one_hot, splits=10) == pytest.approx((10.0, 0.0), abs=1e-6)
    assert metrics.inception_score(np.full((100, 10), 0.1), splits=10)[0] == pytest.approx(1.0)


def test_precision_recall_hand_worked_1d():
    real, fake = np.array([[0.0], [1.0], [2.0], [10.0]]), np.array([[0.5], [5.0], [20.0]])
    # k=1 radii: real 1, 1, 1, 8; fake 4.5, 4.5, 15.
    got = metrics.precision_recall(real, fake, k=1)
    assert got == pytest.approx({"precision": 2 / 3, "recall": 1.0, "density": 1.0, "coverage": 3 / 4})


def test_precision_recall_identical_and_far_sets():
    a = RNG.normal(size=(400, 5))
    same = metrics.precision_recall(a, a.copy())
    assert same["precision"] == same["recall"] == same["coverage"] == 1.0
    far = metrics.precision_recall(a, a + 100.0)
    assert far == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_mode_coverage_hand_placed_points():
    centers, std = data.mixture_centers("ring8"), 0.01
    points = np.array(
        [
            centers[0],
            centers[0],
            centers[0],
            centers[1] + [2 * std, 0],  # within 3 sigma: high quality
            centers[2] + [4 * std, 0],  # outside 3 sigma
            [0.0, 0.0],  # far from every mode
        ]
    )
    got = metrics.mode_coverage(points, centers, std)
    want_kl = 0.75 * np.log(0.75 * 8) + 0.25 * np.log(0.25 * 8)
    assert got == pytest.approx({"modes": 2, "high_quality": 4 / 6, "reverse_kl": want_kl})
    assert metrics.mode_coverage(np.array([[9.0, 9.0]]), centers, std)["reverse_kl"] == np.inf


@pytest.mark.parametrize("name", data.MIXTURES)
def test_mode_coverage_of_the_true_mixture(name):
    n = 2500
    samples = data.sample_mixture(name, n, seed=5)
    got = metrics.mode_coverage(samples, data.mixture_centers(name), data.mixture_std(name))
    # ||(x - mu)/sigma||^2 of a true 2D sample is chi-square(2): P(< 3^2) = 1 - exp(-4.5) = 0.9889.
    expected_hq = 1 - np.exp(-4.5)
    assert got["modes"] == len(data.mixture_centers(name))
    assert abs(got["high_quality"] - expected_hq) < 3 * np.sqrt(expected_hq * (1 - expected_hq) / n)
    assert got["reverse_kl"] < 0.02  # multinomial noise alone: about (K - 1) / (2n)


def test_class_coverage():
    assert metrics.class_coverage([0, 1, 2, 3] * 5, 4) == (4, pytest.approx(0.0))
    modes, kl = metrics.class_coverage([7] * 10, 1000)
    assert modes == 1 and kl == pytest.approx(np.log(1000))


def test_recombined_classes_draw_each_channel_from_its_own_column():
    diagonal = np.arange(10) * 111  # 000, 111, ..., 999: the channels fully dependent
    out = metrics.recombined_classes(diagonal, 3, 50_000, seed=1)
    assert out.shape == (50_000,) and metrics.class_coverage(diagonal, 1000)[0] == 10
    assert metrics.class_coverage(out, 1000)[0] == 1000  # recombined: every combination appears
    d0, d1 = out // 100, out // 10 % 10
    joint = np.histogram2d(d0, d1, bins=10, range=[[0, 10], [0, 10]])[0] / len(out)
    np.testing.assert_allclose(joint, 0.01, atol=0.003)  # independent channels: p(a, b) = p(a) p(b)
    # Each channel keeps its own column's digits.
    columns = np.array([125, 159, 229, 155])  # channel 0 in {1, 2}, channel 1 in {2, 5}, channel 2 in {5, 9}
    out = metrics.recombined_classes(columns, 3, 1000, seed=2)
    assert set(out // 100) == {1, 2} and set(out // 10 % 10) == {2, 5} and set(out % 10) == {5, 9}
    assert np.array_equal(out, metrics.recombined_classes(columns, 3, 1000, seed=2))


def test_recombined_uniform_classes_reach_the_multinomial_kl_floor():
    """KL(histogram of n uniform draws || uniform) is about (K - 1) / 2n (the chi-square expansion)."""
    every_class = np.arange(1000)
    kls = [
        metrics.class_coverage(metrics.recombined_classes(every_class, 3, 26_000, seed=s), 1000)[1]
        for s in range(5)
    ]
    assert np.mean(kls) == pytest.approx(999 / (2 * 26_000), rel=0.1)


def test_class_kl_parts_by_hand():
    # Channels that always show the same digit, each digit equally often: every channel is uniform
    # (KL 0), and the 10 classes hit of 1000 put all of KL = log(1000 / 10) in the total correlation.
    same = np.repeat(np.arange(10) * 111, 7)
    channel_kls, total_correlation = metrics.class_kl_parts(same, 3)
    assert channel_kls == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    assert total_correlation == pytest.approx(np.log(100.0))
    # Independent channels, each class repeated (its product of per-channel counts) times: the joint
    # is exactly the product of the marginals, so the total correlation is 0 and channel c's KL is
    # sum p log(10 p) of its counts.
    counts = [np.arange(1, 11), np.full(10, 3), np.array([5, 1, 1, 1, 1, 1, 1, 1, 1, 7])]
    classes = np.repeat(np.arange(1000), np.einsum("i,j,k->ijk", *counts).ravel())
    channel_kls, total_correlation = metrics.class_kl_parts(classes, 3)
    for kl, c in zip(channel_kls, counts, strict=True):
        p = c / c.sum()
        assert kl == pytest.approx(np.sum(p * np.log(10 * p)))
    assert total_correlation == pytest.approx(0.0, abs=1e-12)
    # Any histogram: the parts add up to class_coverage's KL to the uniform.
    skewed = np.random.default_rng(0).choice(
        1000, size=5000, p=np.random.default_rng(1).dirichlet(np.ones(1000))
    )
    channel_kls, total_correlation = metrics.class_kl_parts(skewed, 3)
    assert sum(channel_kls) + total_correlation == pytest.approx(metrics.class_coverage(skewed, 1000)[1])
