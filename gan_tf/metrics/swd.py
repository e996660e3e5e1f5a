"""Multi-scale sliced Wasserstein distance (Karras et al. 2018, ProGAN, appendix D; TF-GAN's
`sliced_wasserstein_distance`): an image metric that needs no pretrained network.

Each image becomes a Laplacian pyramid (a 5-tap binomial filter, halving the size per level down to
`min_resolution`); from every level `patches_per_image` random 7x7 patches are taken, each channel of
a set's patches normalised by that set's mean and std at that level (ProGAN's code). At each
level, SWD = the mean over random unit directions d of W1(<d, real patches>, <d, fake patches>), the
1D Wasserstein-1 distance between the projected sets, which for equal counts is the mean absolute
difference of the sorted projections. Reported x 1e3 as ProGAN does; lower is better.
"""

import numpy as np
from scipy import ndimage

_TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0  # the binomial approximation of a Gaussian


def _blur(images, gain=1.0):
    """Separable 5x5 binomial filter over H and W of [N, H, W, C] (edges reflected)."""
    out = ndimage.correlate1d(images, _TAPS * gain, axis=1, mode="reflect")
    return ndimage.correlate1d(out, _TAPS * gain, axis=2, mode="reflect")


def downsample(images):
    """Blur, then keep every second row and column: [N, H, W, C] -> [N, H/2, W/2, C]."""
    return _blur(images)[:, ::2, ::2]


def upsample(images, shape):
    """Zeros between the pixels, then the blur with gain 2 per axis: [N, h, w, C] -> `shape`."""
    out = np.zeros(shape, images.dtype)
    out[:, ::2, ::2] = images
    return _blur(out, gain=2.0)


def laplacian_pyramid(images, min_resolution=8):
    """[N, H, W, C] -> levels, finest first: each level minus its blurred, upsampled half; the last
    level is the low-pass residual. Halves while the result is >= min_resolution and the size is even.
    Summing the levels back (upsample and add, coarsest first) restores the images exactly."""
    levels = [np.asarray(images, np.float64)]
    while all(s % 2 == 0 and s // 2 >= min_resolution for s in levels[-1].shape[1:3]):
        levels.append(downsample(levels[-1]))
        levels[-2] = levels[-2] - upsample(levels[-1], levels[-2].shape)
    return levels


def patches(level, count, size, rng):
    """`count` random size x size patches of each image of [N, H, W, C]: [N * count, size, size, C]."""
    n, h, w, _ = level.shape
    if h < size or w < size:
        raise ValueError(f"images of {h}x{w} px are smaller than the {size}x{size} patches")
    rows = rng.integers(0, h - size + 1, (n, count))
    cols = rng.integers(0, w - size + 1, (n, count))
    offsets = np.arange(size)
    index_n = np.arange(n)[:, None, None, None]
    index_h = rows[:, :, None, None] + offsets[None, None, :, None]
    index_w = cols[:, :, None, None] + offsets[None, None, None, :]
    return level[index_n, index_h, index_w].reshape(n * count, size, size, level.shape[-1])


def _normalise(patches_):
    """Each channel to mean 0, std 1 over all patches and pixels of one set (ProGAN's descriptors)."""
    std = patches_.std(axis=(0, 1, 2))
    return (patches_ - patches_.mean(axis=(0, 1, 2))) / np.where(std > 0, std, 1.0)


def sliced_wasserstein(a, b, directions):
    """Mean over unit `directions` [D, d] of W1 between the projections of a [n, d] and b [n, d]."""
    if len(a) != len(b):
        raise ValueError(f"the sliced distance compares sets of equal size, got {len(a)} and {len(b)}")
    total = 0.0
    for chunk in range(0, len(directions), 128):  # 128 directions at a time bounds the memory
        d = directions[chunk : chunk + 128]
        total += np.sum(np.abs(np.sort(a @ d.T, axis=0) - np.sort(b @ d.T, axis=0)))
    return float(total / (len(a) * len(directions)))


def sliced_wasserstein_distance(
    real,
    fake,
    min_resolution=8,
    patches_per_image=64,
    patch_size=7,
    num_directions=512,
    max_patches=65_536,
    seed=0,
):
    """{f"{resolution}px": SWD x 1e3 of that pyramid level, ..., "mean": their mean} between two sets
    of images [N, H, W, C] (the same N; any value range, both the same)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if real.shape != fake.shape or real.ndim != 4:
        raise ValueError(f"expected two image sets of one shape [N, H, W, C], got {real.shape}, {fake.shape}")
    rng = np.random.default_rng(seed)
    per_image = max(1, min(patches_per_image, max_patches // len(real)))
    out = {}
    for level_real, level_fake in zip(
        laplacian_pyramid(real, min_resolution), laplacian_pyramid(fake, min_resolution), strict=True
    ):
        where = rng.integers(2**32)  # the same patch positions in both sets: SWD(x, x) = 0
        a = patches(level_real, per_image, patch_size, np.random.default_rng(where))
        b = patches(level_fake, per_image, patch_size, np.random.default_rng(where))
        a, b = _normalise(a), _normalise(b)
        directions = rng.standard_normal((num_directions, a[0].size))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        distance = sliced_wasserstein(a.reshape(len(a), -1), b.reshape(len(b), -1), directions)
        out[f"{level_real.shape[1]}px"] = 1e3 * distance
    out["mean"] = float(np.mean(list(out.values())))
    return out
