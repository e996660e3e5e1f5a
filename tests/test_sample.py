"""The sampling command (`python -m pipeline.sample`, `gan-sample`) on exports the tests make."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from configs import digits_dcgan
from pipeline import cli, sample
from pipeline.artifacts import read_json
from tests.pipeline_helpers import ENV, ROOT, tiny
from tests.test_sources import shrink


@pytest.fixture(scope="module")
def digits_export(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("digits"))
    config = shrink(digits_dcgan.get_config())
    config.data.image_size = 8
    cli.run_stages(list(cli.STAGES), config, workdir)
    return os.path.join(workdir, "export")


@pytest.fixture(scope="module")
def ring_export(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("ring"))
    cli.run_stages(list(cli.STAGES), tiny(steps=20), workdir)
    return os.path.join(workdir, "export")


def run(*args):
    cmd = [sys.executable, "-m", "pipeline.sample", *args]
    return subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True)


def served(export_version, z, signature="serving_default"):
    loaded = tf.saved_model.load(export_version)
    return loaded.signatures[signature](z=tf.constant(z))["samples"].numpy()


def test_npy_holds_what_the_export_serves_for_the_documented_z(digits_export, tmp_path):
    out = str(tmp_path / "nested" / "samples.npy")
    done = run(f"--export={digits_export}", "--num=10", "--seed=5", f"--out={out}")
    assert done.returncode == 0, done.stderr
    assert "wrote 10 samples of shape [8, 8, 1]" in done.stdout
    z = np.random.default_rng(5).standard_normal((10, 4)).astype(np.float32)  # latent_dim 4 (shrink)
    want = served(os.path.join(digits_export, "1"), z)
    np.testing.assert_array_equal(np.load(out), want)
    assert [f for f in os.listdir(tmp_path / "nested")] == ["samples.npy"]  # no temp file left


def test_png_grid_is_upscaled_by_nearest_neighbour(digits_export, tmp_path):
    out = str(tmp_path / "grid.png")
    samples, description = sample.draw(os.path.join(digits_export, "1"), 64, seed=1)
    assert description["shape"] == [8, 8, 1] and description["latent_dim"] == 4
    sample.write(samples, description, out)
    image = np.asarray(Image.open(out))
    # 8 columns and 8 rows of 8 px with 1 px borders: 73 px, times the smallest factor reaching 256 (4).
    assert image.shape == (292, 292)
    blocks = image.reshape(73, 4, 73, 4)
    assert (blocks == blocks[:, :1, :, :1]).all()  # every 4 x 4 block is one source pixel
    # The first sample, back in [0, 255] from the served pixel range, sits after the 1 px border.
    low, high = description["source_range"]
    first = np.clip((samples[0, ..., 0] - low) / (high - low) * 255.0, 0, 255)
    np.testing.assert_allclose(blocks[1:9, 0, 1:9, 0], first, atol=1.0)


def test_mixture_scatter_and_the_latest_version(ring_export, tmp_path):
    latest, description = sample.draw(ring_export, 300, seed=2)
    first, _ = sample.draw(os.path.join(ring_export, "1"), 300, seed=2)
    np.testing.assert_array_equal(latest, first)  # DIR/export resolves to its latest version (1)
    assert len(description["centers"]) == 8
    out = str(tmp_path / "ring.png")
    sample.write(latest, description, out)
    width, height = Image.open(out).size
    assert width >= 256 and height >= 256


@pytest.mark.parametrize(
    "args, message",
    [
        (["--export={tmp}/missing", "--out={tmp}/x.png"], "does not exist"),
        (["--export={export}", "--label=3", "--out={tmp}/x.png"], "this export is unconditional"),
        (["--export={export}", "--num=many", "--out={tmp}/x.png"], "bad flag"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(ring_export, tmp_path, args, message):
    tmp = tmp_path / "scratch"
    tmp.mkdir()
    done = run(*(a.format(tmp=tmp, export=ring_export) for a in args))
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("gan-sample: error:")]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert "Traceback" not in done.stderr and os.listdir(tmp) == []


def test_bad_values_are_named(ring_export, tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no SavedModel"):
        sample.draw(str(tmp_path), 4)
    with pytest.raises(ValueError, match="--num must be between 1 and"):
        sample.draw(ring_export, 0)
    with pytest.raises(ValueError, match="no 'sample' signature"):
        sample.draw(ring_export, 4, signature="sample")
    with pytest.raises(ValueError, match="must end in .png"):
        sample.write(np.zeros((2, 2)), None, str(tmp_path / "x.txt"))
    assert os.listdir(tmp_path) == []


def test_an_image_export_describes_its_data(digits_export):
    description = read_json(os.path.join(digits_export, "1", "assets.extra", "gan_tf.json"))
    assert description["refine"] == "none" and len(description["source_range"]) == 2
    with pytest.raises(ValueError, match="cannot draw samples of shape"):
        sample.picture(np.zeros((3, 5)), None)
    assert io.BytesIO(sample.picture(np.zeros((3, 2)), None)).read(4) == b"\x89PNG"
