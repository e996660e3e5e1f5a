"""The sliced Wasserstein distance against scipy, closed forms and a direct convolution."""

import numpy as np
import pytest
from scipy import signal, special, stats

from gan_tf import data
from gan_tf.metrics import swd


def test_projected_distance_is_scipy_wasserstein_averaged_over_directions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(300, 6)), rng.gamma(2.0, size=(300, 6))
    directions = rng.normal(size=(5, 6))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    want = np.mean([stats.wasserstein_distance(a @ d, b @ d) for d in directions])
    assert swd.sliced_wasserstein(a, b, directions) == pytest.approx(want, rel=1e-12)


def test_sliced_distance_of_shifted_gaussians_has_its_closed_form():
    # Along a unit d, N(0, I) and N(delta, I) project to N(0, 1) and N(d.delta, 1): W1 = |d.delta|.
    # Over uniform directions on the sphere in k dimensions, E|d_1| = Gamma(k/2) / (sqrt(pi) Gamma((k+1)/2)).
    k, n = 5, 40_000
    rng = np.random.default_rng(1)
    delta = np.array([3.0, 0.0, 4.0, 0.0, 0.0])
    a, b = rng.normal(size=(n, k)), rng.normal(size=(n, k)) + delta
    directions = rng.normal(size=(2000, k))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    expected = 5.0 * special.gamma(k / 2) / (np.sqrt(np.pi) * special.gamma((k + 1) / 2))
    assert swd.sliced_wasserstein(a, b, directions) == pytest.approx(expected, rel=0.03)


def test_downsampling_is_the_binomial_filter_then_every_second_pixel():
    images = np.random.default_rng(2).normal(size=(2, 12, 10, 1))
    taps = np.array([1, 4, 6, 4, 1]) / 16.0
    kernel = np.outer(taps, taps)
    for image, got in zip(images, swd.downsample(images), strict=True):
        padded = np.pad(image[..., 0], 2, mode="symmetric")  # scipy.ndimage's "reflect" edges
        want = signal.convolve2d(padded, kernel, mode="valid")[::2, ::2]
        np.testing.assert_allclose(got[..., 0], want, atol=1e-12)


def test_pyramid_levels():
    images = np.random.default_rng(3).normal(size=(3, 32, 32, 2))
    levels = swd.laplacian_pyramid(images, min_resolution=8)
    assert [level.shape[1] for level in levels] == [32, 16, 8]
    assert [level.shape[1] for level in swd.laplacian_pyramid(images[:, :28, :28], 8)] == [28, 14]
    np.testing.assert_allclose(levels[-1], swd.downsample(swd.downsample(images)), atol=1e-12)
    # A band-pass level of a constant image is zero away from the edges.
    flat = swd.laplacian_pyramid(np.full((1, 32, 32, 1), 0.7), 8)
    assert np.abs(flat[0][:, 4:-4, 4:-4]).max() < 1e-12


def test_patches_are_windows_of_the_images():
    images = np.arange(2 * 9 * 9 * 1, dtype=float).reshape(2, 9, 9, 1)
    got = swd.patches(images, 5, 7, np.random.default_rng(4))
    assert got.shape == (10, 7, 7, 1)
    for i, patch in enumerate(got):
        image = images[i // 5, ..., 0]
        row, col = np.argwhere(image == patch[0, 0, 0])[0]
        np.testing.assert_array_equal(patch[..., 0], image[row : row + 7, col : col + 7])
    with pytest.raises(ValueError, match="smaller than the 7x7 patches"):
        swd.patches(images[:, :5, :5], 1, 7, np.random.default_rng(0))


def test_swd_is_zero_for_a_set_and_itself_and_orders_real_halves_before_noise():
    images, _ = data.load_digits(16)  # [-1, 1], 16 px: levels 16 and 8
    half = len(images) // 2
    real, other = images[:half], images[half : 2 * half]
    same = swd.sliced_wasserstein_distance(real, real, num_directions=64)
    assert set(same) == {"16px", "8px", "mean"} and max(same.values()) == 0.0
    noise = np.random.default_rng(5).uniform(-1, 1, real.shape)
    halves = swd.sliced_wasserstein_distance(real, other, num_directions=64)
    versus_noise = swd.sliced_wasserstein_distance(real, noise, num_directions=64)
    for level in ("16px", "8px", "mean"):
        assert 0 < halves[level] < versus_noise[level] / 3
    with pytest.raises(ValueError, match="one shape"):
        swd.sliced_wasserstein_distance(real, other[:-1])


def test_swd_of_whole_image_patches_equals_a_direct_computation():
    # 7x7 images and 7x7 patches: one patch per image, the image itself; one pyramid level (7 < 2 x 8).
    rng = np.random.default_rng(6)
    real, fake = rng.normal(size=(50, 7, 7, 2)), rng.normal(1.0, 2.0, size=(50, 7, 7, 2))
    got = swd.sliced_wasserstein_distance(real, fake, patches_per_image=1, num_directions=300, seed=4)
    assert set(got) == {"7px", "mean"}
    # Directly: normalise each set per channel, then the mean over the same random directions (drawn
    # after the level's patch-position seed, as the function draws them) of scipy's W1 of projections.
    normalise = lambda x: (x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))  # noqa: E731
    a, b = normalise(real).reshape(50, -1), normalise(fake).reshape(50, -1)
    draws = np.random.default_rng(4)
    draws.integers(2**32)  # the patch positions' seed
    directions = draws.standard_normal((300, a.shape[1]))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    want = 1e3 * np.mean([stats.wasserstein_distance(a @ d, b @ d) for d in directions])
    assert got["7px"] == pytest.approx(want, rel=1e-9) and got["mean"] == got["7px"]
