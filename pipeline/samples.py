"""Sample pictures: a scatter over the mode centres for 2D data, an image grid otherwise."""

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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=2, c="tab:gray", alpha=0.3, label="real")
    ax.scatter(points[:, 0], points[:, 1], s=3, c="tab:blue", alpha=0.6, label="generated")
    if meta.get("centers"):
        centers = np.asarray(meta["centers"])
        ax.scatter(centers[:, 0], centers[:, 1], marker="x", c="tab:red", s=30, label="mode centres")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=6)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def grid_png(images, columns=8):
    """Images in [-1, 1] ([N, H, W, C]) tiled into one uint8 PNG."""
    from PIL import Image

    images = np.clip((np.asarray(images) + 1.0) * 127.5, 0, 255).astype(np.uint8)
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.zeros((rows * (h + 1) + 1, columns * (w + 1) + 1, c), np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + col * (w + 1) : 1 + col * (w + 1) + w] = image
    picture = Image.fromarray(grid[..., 0] if c == 1 else grid)
    scale = -(-256 // picture.width)  # nearest-neighbour upscaling to at least 256 px wide
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
