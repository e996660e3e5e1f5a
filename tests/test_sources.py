"""Real-data loaders on data the tests make: TFDS via mock_data, folders of generated images."""

import os

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

from configs import digits_dcgan, image_folder, stacked_digits, tfds_mnist
from pipeline import cli, ingest
from pipeline.artifacts import read_json


def shrink(c, steps=2):
    """Train a 4-filter DCGAN for a couple of steps; evaluate on a few samples."""
    c.model.width, c.model.latent_dim = 4, 4
    c.train.steps = c.train.log_every = c.train.checkpoint_every = c.train.sample_every = steps
    c.train.steps_per_execution = 1
    c.train.batch_size = 8
    c.eval.num_samples, c.eval.batch_size, c.eval.thresholds = 16, 8, {}
    c.eval.features = "none"
    return c


def serve(workdir, latent_dim=4, n=3):
    loaded = tf.saved_model.load(os.path.join(workdir, "export", "1"))
    return loaded.signatures["serving_default"](z=tf.random.normal([n, latent_dim]))["samples"].numpy()


def test_a_generator_drawing_8_px_is_trained_exported_and_served_at_16(tmp_path):
    """stacked_digits.py's G draws 8 px and resizes them (model.g_native_size): the whole pipeline runs
    with it and the SavedModel serves the data's 16 px."""
    config = shrink(stacked_digits.get_config())
    config.data.num_examples = 300
    assert config.model.g_native_size == 8 and config.data.image_size == 16
    cli.run_stages(list(cli.STAGES), config, str(tmp_path))
    assert serve(tmp_path).shape == (3, 16, 16, 3)


def test_tfds_dataset_through_the_whole_pipeline(tmp_path):
    config = shrink(tfds_mnist.get_config())
    with tfds.testing.mock_data(num_examples=40):
        cli.run_stages(list(cli.STAGES), config, str(tmp_path))
    meta = read_json(tmp_path / "ingest" / "dataset.json")
    assert meta["shape"] == [28, 28, 1] and meta["count"] == 40 and meta["source"] == "tfds:mnist/train"
    assert meta["has_labels"] and -1.0 <= meta["value_range"][0] <= meta["value_range"][1] <= 1.0
    samples = serve(tmp_path)
    assert samples.shape == (3, 28, 28, 1) and samples.min() >= 0.0 and samples.max() <= 255.0


def test_tfds_not_prepared_is_one_clear_error(tmp_path):
    config = shrink(tfds_mnist.get_config())
    config.data.data_dir = str(tmp_path / "empty")
    with pytest.raises(
        cli.PipelineError, match=r"'mnist' \(split 'train'\) is not prepared in .*tfds build mnist"
    ):
        cli.run_stages(["ingest"], config, str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run" / "ingest")


def make_images(folder, n=12, size=(10, 12)):
    rng = np.random.default_rng(0)
    for i in range(n):
        sub = folder / ("a" if i % 2 else "b")
        sub.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, size=(*size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(sub / f"im{i}.{'png' if i % 3 else 'jpg'}")
    return folder


def test_image_folder_through_the_whole_pipeline(tmp_path):
    config = shrink(image_folder.get_config())
    config.data.path, config.data.image_size = str(make_images(tmp_path / "images")), 8
    cli.run_stages(list(cli.STAGES), config, str(tmp_path / "run"))
    meta = read_json(tmp_path / "run" / "ingest" / "dataset.json")
    assert meta["shape"] == [8, 8, 3] and meta["count"] == 12 and meta["files"]
    x = np.stack(list(ingest.read_records(str(tmp_path / "run" / "ingest")).as_numpy_iterator()))
    assert x.shape == (12, 8, 8, 3) and x.min() >= -1 and x.max() <= 1
    # The first record is the first file (sorted), resized the same way.
    first = sorted((tmp_path / "images").rglob("*.jpg"))[0]
    want = np.asarray(Image.open(first).convert("RGB").resize((8, 8), Image.Resampling.BICUBIC), np.float32)
    assert np.abs(x - (want / 127.5 - 1)).reshape(12, -1).max(axis=1).min() < 1e-5
    samples = serve(tmp_path / "run")
    assert samples.shape == (3, 8, 8, 3) and 0.0 <= samples.min() and samples.max() <= 255.0


@pytest.mark.parametrize(
    "setup,message",
    [
        (lambda p: str(p / "missing"), "is not a folder of images"),
        (lambda p: str(p), "no images"),
        (lambda p: (p.joinpath("bad.png").write_text("not a png"), str(p))[1], "cannot read image"),
    ],
)
def test_image_folder_errors(tmp_path, setup, message):
    config = shrink(image_folder.get_config())
    config.data.path, config.data.image_size = setup(tmp_path), 8
    with pytest.raises(cli.PipelineError, match=message):
        cli.run_stages(["ingest"], config, str(tmp_path / "run"))


def test_embedded_digit_sources(tmp_path):
    config = shrink(digits_dcgan.get_config())
    cli.run_stages(["ingest"], config, str(tmp_path / "digits"))
    meta = read_json(tmp_path / "digits" / "ingest" / "dataset.json")
    assert meta["shape"] == [16, 16, 1] and meta["count"] == 1797 and meta["source_range"] == [0.0, 16.0]
    config = shrink(stacked_digits.get_config())
    config.data.num_examples = 300
    cli.run_stages(["ingest"], config, str(tmp_path / "stacked"))
    x, y = next(iter(ingest.read_records(str(tmp_path / "stacked" / "ingest"), with_labels=True).batch(300)))
    assert x.shape == (300, 16, 16, 3) and int(tf.reduce_max(y)) < 1000
