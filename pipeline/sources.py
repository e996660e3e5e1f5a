"""Where ingest gets its examples: embedded data (mixtures, digits) or the user's (TFDS, image folder).

Each loader returns (examples float32 [N, ...], labels int64 [N] or None, info dict). Images come back
in [-1, 1], channels last; `info["source_range"]` is the range the export maps samples back to.
scikit-learn digit sources also return `info["digit_ids"]` ([N, k] indices of the digits each example
is made of), which ingest stores so that evaluation can leave out the digits its classifier saw.
"""

import glob
import os

import numpy as np
import tensorflow as tf

from gan_tf import data
from pipeline.artifacts import PipelineError

IMAGE_PATTERNS = ("*.png", "*.jpg", "*.jpeg", "*.bmp", "*.gif")


def load(config):
    """Dispatch on config.data.source."""
    loaders = {
        "mixture": _mixture,
        "digits": _digits,
        "stacked_digits": _stacked,
        "tfds": _tfds,
        "image_folder": _image_folder,
    }
    if config.data.source not in loaders:
        raise PipelineError(f"unknown data.source {config.data.source!r}; valid: {', '.join(loaders)}")
    return loaders[config.data.source](config.data, config.seed)


def _mixture(cfg, seed):
    try:
        centers, std = data.mixture_centers(cfg.name), data.mixture_std(cfg.name)
    except ValueError as err:
        raise PipelineError(str(err)) from None
    x = data.sample_mixture(cfg.name, cfg.num_examples, seed=seed)
    info = {
        "source": f"mixture:{cfg.name}",
        "centers": centers.tolist(),
        "mode_std": std,
        "source_range": None,
    }
    return x, None, info


def _resize(images, cfg):
    """Resize / change channels of [-1, 1] images as config.data asks."""
    if cfg.channels and images.shape[-1] != cfg.channels:
        if cfg.channels == 3:
            images = np.repeat(images, 3, axis=-1)
        elif cfg.channels == 1:
            images = images.mean(axis=-1, keepdims=True)
        else:
            raise PipelineError(f"data.channels must be 1 or 3, got {cfg.channels}")
    if cfg.image_size and images.shape[1] != cfg.image_size:
        images = tf.image.resize(images, (cfg.image_size, cfg.image_size), method="bilinear").numpy()
    return np.clip(images, -1.0, 1.0).astype(np.float32)


def _digits(cfg, seed):
    images, labels = data.load_digits()
    info = {"source": "sklearn:digits", "num_classes": 10, "source_range": [0.0, 16.0]}
    info["digit_ids"] = np.arange(len(images))[:, None]
    return _resize(images, cfg), labels, info


def _stacked(cfg, seed):
    images, classes, ids = data.stacked_digits(cfg.num_examples, seed=seed, return_ids=True)
    info = {"source": "sklearn:stacked_digits", "num_classes": 1000, "source_range": [0.0, 16.0]}
    info["digit_ids"] = ids
    return _resize(images, cfg), classes, info


def _tfds(cfg, seed):
    import tensorflow_datasets as tfds

    if not cfg.tfds_name:
        raise PipelineError("data.source=tfds needs --config.data.tfds_name (e.g. mnist)")
    try:
        ds = tfds.load(cfg.tfds_name, split=cfg.split, data_dir=cfg.data_dir or None, download=False)
    except Exception as err:  # DatasetNotFoundError, AssertionError, ... depending on the TFDS version
        where = cfg.data_dir or "~/tensorflow_datasets"
        raise PipelineError(
            f"TFDS dataset {cfg.tfds_name!r} (split {cfg.split!r}) is not prepared in {where}: "
            f"prepare it where there is network (`tfds build {cfg.tfds_name} --data_dir=DIR`) and pass "
            f"--config.data.data_dir=DIR ({type(err).__name__})"
        ) from None
    images, labels = [], []
    for example in tfds.as_numpy(ds):
        images.append(example["image"])
        labels.append(example.get("label", -1))
    if not images:
        raise PipelineError(f"TFDS dataset {cfg.tfds_name!r} split {cfg.split!r} is empty")
    images = np.stack(images).astype(np.float32) / 127.5 - 1.0
    labels = np.asarray(labels, np.int64)
    info = {"source": f"tfds:{cfg.tfds_name}/{cfg.split}", "source_range": [0.0, 255.0]}
    return _resize(images, cfg), (labels if labels.min() >= 0 else None), info


def _image_folder(cfg, seed):
    from PIL import Image, UnidentifiedImageError

    if not cfg.path or not os.path.isdir(cfg.path):
        raise PipelineError(f"data.path {cfg.path!r} is not a folder of images (--config.data.path=DIR)")
    files = sorted(
        f for p in IMAGE_PATTERNS for f in glob.glob(os.path.join(cfg.path, "**", p), recursive=True)
    )
    if not files:
        raise PipelineError(f"no images ({', '.join(IMAGE_PATTERNS)}) under {cfg.path}")
    mode = "L" if cfg.channels == 1 else "RGB"
    images, sizes = [], {}
    for name in files:
        try:
            with Image.open(name) as im:
                im = im.convert(mode)
                sizes.setdefault(im.size, name)
                if cfg.image_size:
                    im = im.resize((cfg.image_size, cfg.image_size), Image.Resampling.BICUBIC)
                images.append(np.asarray(im, np.float32).reshape(im.size[1], im.size[0], -1))
        except (UnidentifiedImageError, OSError) as err:
            raise PipelineError(f"cannot read image {name}: {err}") from None
    if not cfg.image_size and len(sizes) > 1:
        (a, first), (b, second) = list(sizes.items())[:2]
        raise PipelineError(
            f"images have different sizes ({first} is {a[0]}x{a[1]}, {second} is {b[0]}x{b[1]}); "
            "set --config.data.image_size to resize them all"
        )
    images = np.stack(images) / 127.5 - 1.0
    info = {
        "source": f"image_folder:{os.path.abspath(cfg.path)}",
        "files": len(files),
        "source_range": [0.0, 255.0],
    }
    return np.clip(images, -1, 1).astype(np.float32), None, info
