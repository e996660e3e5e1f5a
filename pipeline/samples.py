"""Pictures: samples (a scatter over the mode centres for 2D data, an upscaled image grid otherwise),
real beside generated, and the training curves read back from TensorBoard."""

import glob
import io
import os

import numpy as np


def save_png(samples, meta, path):
    """Write samples as a PNG at path; returns the PNG bytes (for TensorBoard)."""
    png = scatter_png(samples, meta) if len(meta["shape"]) == 1 else grid_png(samples)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(png)
    return png


def scatter_png(points, meta, real=None):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=2, c="tab:gray", alpha=0.3, label="real")
    ax.scatter(points[:, 0], points[:, 1], s=3, c="tab:blue", alpha=0.6, label="generated")
    if meta.get("centers"):
        centers = np.asarray(meta["centers"])
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", c="tab:red", s=30, label="mode centres")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=6)
    return _png(fig)


def grid_png(images, columns=8):
    """Images in [-1, 1] ([N, H, W, C]) tiled into one uint8 PNG, upscaled by nearest neighbour."""
    from PIL import Image

    picture = Image.fromarray(grid(images, columns))
    scale = -(-256 // picture.width)  # nearest-neighbour upscaling to at least 256 px wide
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def grid(images, columns=8):
    """Images in [-1, 1] ([N, H, W, C]) tiled with 1 px borders: a uint8 array [rows, cols(, C)]."""
    images = np.clip((np.asarray(images) + 1.0) * 127.5, 0, 255).astype(np.uint8)
    n, h, w, c = images.shape
    rows = -(-n // columns)
    tiled = np.zeros((rows * (h + 1) + 1, columns * (w + 1) + 1, c), np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        tiled[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + col * (w + 1) : 1 + col * (w + 1) + w] = image
    return tiled[..., 0] if c == 1 else tiled


def side_by_side_png(real, fake, meta):
    """Real beside generated: two image grids, or two scatter plots on shared axes (2D)."""
    plt = _pyplot()
    two_d = len(meta["shape"]) == 1
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.3), dpi=100, sharex=two_d, sharey=two_d)
    for ax, points, title in zip(axes, (real, fake), ("real", "generated"), strict=True):
        if two_d:
            ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5)
            if meta.get("centers"):
                centers = np.asarray(meta["centers"])
                ax.scatter(centers[:, 0], centers[:, 1], marker="x", c="tab:red", s=30)
            ax.set_aspect("equal")
        else:
            ax.imshow(grid(points), cmap="gray", interpolation="nearest", vmin=0, vmax=255)
            ax.axis("off")
        ax.set_title(f"{title} ({len(points)})")
    return _png(fig)


def read_scalars(logdir):
    """{tag: [(step, value), ...]} of the TensorBoard scalars under logdir (a resumed run's rewrite of
    a step replaces the earlier value)."""
    import tensorflow as tf

    series = {}
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "scalars":
                    series.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return {tag: sorted(points.items()) for tag, points in sorted(series.items())}


def curves_png(series, columns=3):
    """One small plot per scalar over training steps."""
    plt = _pyplot()
    rows = max(1, -(-len(series) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.4 * rows), dpi=100, squeeze=False)
    for ax, (tag, points) in zip(axes.flat, series.items(), strict=False):  # more axes than tags
        steps, values = zip(*points, strict=True)
        ax.plot(steps, values, lw=1.2)
        ax.set_title(tag, fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(series) :]:
        ax.axis("off")
    fig.tight_layout()
    return _png(fig)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()
