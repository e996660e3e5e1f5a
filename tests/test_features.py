"""Feature extractors and the image evaluator of the pipeline."""

import os

import keras
import numpy as np
import pytest

from configs import digits_dcgan
from gan_tf import data
from gan_tf.metrics import features
from pipeline import cli
from pipeline.artifacts import read_json
from tests.test_sources import shrink


@pytest.fixture(scope="module")
def classifier():
    model, accuracy = features.train_digits_classifier(size=8, seed=0)
    return model, accuracy


def test_digits_classifier_reaches_97_percent_held_out(classifier):
    assert classifier[1] >= 0.97


def test_digits_classifier_labels_plain_and_stacked_digits(classifier):
    extractor = features.DigitsClassifier(classifier[0])
    images, labels = data.load_digits(8)
    out = extractor(images[:300])
    assert out["features"].shape == (300, 64) and out["num_classes"] == 10
    assert np.mean(out["classes"] == labels[:300]) > 0.97
    np.testing.assert_allclose(out["probs"].sum(-1), 1.0, rtol=1e-5)
    stacked, classes = data.stacked_digits(300, seed=1)
    out = extractor(stacked)
    assert out["features"].shape == (300, 192) and out["num_classes"] == 1000
    assert np.mean(out["classes"] == classes) > 0.9  # three digits right at once


def test_inception_needs_its_weights_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        features.InceptionFeatures(str(tmp_path / "missing.h5"))


def test_inception_plumbing_with_random_weights(tmp_path):
    keras.utils.set_random_seed(0)
    random = features.InceptionFeatures(random_weights=True, batch_size=2)
    path = str(tmp_path / "inception.weights.h5")
    random.model.save_weights(path)
    loaded = features.InceptionFeatures(path, batch_size=2)
    images = np.random.default_rng(0).uniform(-1, 1, size=(3, 8, 8, 1)).astype("float32")
    out = loaded(images)["features"]
    assert out.shape == (3, 2048) and np.all(np.isfinite(out))
    np.testing.assert_allclose(out, random(images)["features"], rtol=1e-5, atol=1e-6)


def test_image_metrics_in_the_evaluate_stage(tmp_path):
    config = shrink(digits_dcgan.get_config(), steps=4)
    config.data.image_size = 8
    config.eval.features, config.eval.num_samples, config.eval.batch_size = "digits_classifier", 400, 200
    config.eval.kid_subsets, config.eval.kid_subset_size = 10, 200
    config.eval.thresholds = {"modes": 1}
    workdir = str(tmp_path)
    cli.run_stages(["ingest", "train", "evaluate"], config, workdir)
    report = read_json(os.path.join(workdir, "evaluate", "metrics.json"))["metrics"]
    for name in (
        "fid",
        "kid",
        "kid_std",
        "precision",
        "recall",
        "density",
        "coverage",
        "inception_score",
        "modes",
        "class_kl",
    ):
        assert name in report and report[name]["features"] == "digits_classifier"
    assert report["fid"]["num_samples"] == 400 and report["fid"]["reference_num_samples"] == 400
    # Real vs real is far closer than a 4-step generator vs real.
    assert report["fid"]["reference"] < report["fid"]["value"]
    assert report["modes"]["reference"] == 10 and report["recall"]["reference"] > 0.5
    assert read_json(os.path.join(workdir, "classifier_8", "manifest.json"))["held_out_accuracy"] >= 0.97


def test_inception_in_the_pipeline_without_weights_is_one_clear_error(tmp_path):
    config = shrink(digits_dcgan.get_config())
    config.data.image_size, config.eval.features = 8, "inception_v3"
    with pytest.raises(cli.PipelineError, match="InceptionV3 weights file '' not found"):
        cli.run_stages(["ingest", "train", "evaluate"], config, str(tmp_path))


def test_digits_classifier_reads_upsampled_digits(classifier):
    extractor = features.DigitsClassifier(classifier[0])
    images, labels = data.load_digits(32)
    assert np.mean(extractor(images[:300])["classes"] == labels[:300]) > 0.95
