"""Feature extractors and the image evaluator of the pipeline."""

import concurrent.futures
import json
import os
import re
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from configs import digits_dcgan
from gan_tf import data, distribute
from gan_tf.metrics import features
from pipeline import cli, evaluators
from pipeline.artifacts import PipelineError, read_json
from tests.test_sources import shrink


@pytest.fixture(scope="module")
def classifier(classifier_dir):
    """(model, reported held-out accuracy): the pipeline's cached classifier, which
    features.train_digits_classifier trained."""
    extractor = evaluators.digits_classifier("unused", 0, cache_dir=classifier_dir)
    return extractor.model, extractor.held_out_accuracy


def test_every_run_is_read_by_the_classifier_of_eval_classifier_seed(classifier_dir, tmp_path, monkeypatch):
    """PacGAN reads every run with one classifier: a run of seed 5 is read by the cached classifier of
    eval.classifier_seed (0), trained on digits_split(0)'s half; none is trained for seed 5. Another
    eval.classifier_seed picks that classifier."""
    config = digits_dcgan.get_config()
    config.seed, config.eval.classifier_dir, config.eval.features = 5, classifier_dir, "digits_classifier"
    assert config.eval.classifier_seed == 0
    metrics_, *_ = evaluators.for_data(config, {"shape": [8, 8, 1]}, str(tmp_path))
    np.testing.assert_array_equal(metrics_.extractor.trained_on, features.digits_split(0)[0])
    assert not os.path.exists(os.path.join(classifier_dir, "classifier_8_seed5"))
    assert not os.path.exists(os.path.join(tmp_path, "classifier_8_seed5"))
    asked = []
    monkeypatch.setattr(evaluators, "digits_classifier", lambda workdir, seed, **_: asked.append(seed))
    config.eval.classifier_seed = 2
    evaluators.for_data(config, {"shape": [8, 8, 1]}, str(tmp_path))
    assert asked == [2]
    config.eval.classifier_seed = -1
    with pytest.raises(PipelineError, match=r"eval.classifier_seed must be an integer >= 0, got -1"):
        evaluators.for_data(config, {"shape": [8, 8, 1]}, str(tmp_path))
    assert asked == [2]  # refused before any classifier


def test_digits_split_is_a_partition():
    train, held_out = features.digits_split(seed=0)
    assert len(train) + len(held_out) == 1797 and not set(train) & set(held_out)
    assert abs(len(train) - len(held_out)) <= 1
    assert not np.array_equal(features.digits_split(seed=1)[0], train)  # seeded


def test_digits_classifier_reaches_97_percent_on_digits_it_never_saw(classifier):
    model, accuracy = classifier
    images, labels = data.load_digits(8)
    _, held_out = features.digits_split(seed=0)
    predicted = model.predict(images[held_out], verbose=0).argmax(-1)
    assert accuracy == pytest.approx(np.mean(predicted == labels[held_out]))  # what it reports
    assert accuracy >= 0.97


def test_digits_classifier_labels_plain_and_stacked_digits(classifier):
    extractor = features.DigitsClassifier(classifier[0])
    images, labels = data.load_digits(8)
    _, held_out = features.digits_split(seed=0)
    out = extractor(images[held_out[:300]])
    assert out["features"].shape == (300, 64) and out["num_classes"] == 10
    assert np.mean(out["classes"] == labels[held_out[:300]]) > 0.97
    np.testing.assert_allclose(out["probs"].sum(-1), 1.0, rtol=1e-5)
    stacked, classes, ids = data.stacked_digits(3000, seed=1, return_ids=True)
    unseen = np.isin(ids, held_out).all(axis=1)
    out = extractor(stacked[unseen])
    assert out["features"].shape == (unseen.sum(), 192) and out["num_classes"] == 1000
    assert np.mean(out["classes"] == classes[unseen]) > 0.9  # three digits right at once


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


def test_image_metrics_in_the_evaluate_stage(tmp_path, classifier_dir, capsys):
    config = shrink(digits_dcgan.get_config(), steps=4)
    config.data.image_size, config.data.channels = 8, 3  # grey repeated: 3 labels, always equal
    config.eval.classifier_dir = classifier_dir
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
    # The channels are one digit, so real data has 10 of the 1000 classes (not recombined as stacks).
    assert report["modes"]["reference"] == 10 and report["recall"]["reference"] > 0.5
    assert report["modes"]["reference_num_samples"] == 400
    assert report["fid"]["extractor_held_out_accuracy"] >= 0.97
    # The classifier came from eval.classifier_dir's cache; the workdir holds no copy.
    assert not any(name.startswith("classifier_") for name in os.listdir(workdir))
    cached = read_json(os.path.join(classifier_dir, "classifier_8_seed0", "manifest.json"))
    assert cached["held_out_accuracy"] == report["fid"]["extractor_held_out_accuracy"]
    # Where the cache lives is not part of evaluate's key: another classifier_dir is up to date.
    config.eval.classifier_dir = str(tmp_path / "elsewhere")
    capsys.readouterr()
    cli.run_stages(["evaluate"], config, workdir)
    assert "evaluate: up to date" in capsys.readouterr().out


def quick_training(calls, accuracy=0.99):
    """A stand-in for features.train_digits_classifier: an untrained CNN, counted, a little slow;
    `accuracy` a number, or a list of one per attempt."""

    def train(size, seed, attempt=0):
        calls.append(seed)
        time.sleep(0.3)
        model = features.build_digits_classifier(size)
        model.layers[-1].bias.assign(np.full(model.layers[-1].bias.shape, attempt, "float32"))  # which one
        return model, accuracy[attempt] if isinstance(accuracy, list) else accuracy

    return train


def test_classifier_cache_is_shared_trained_once_by_concurrent_runs_and_kept_per_seed(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(evaluators.extractors, "train_digits_classifier", quick_training(calls))
    cache = str(tmp_path / "cache")
    # Two runs at once on an empty cache: one trains, the other waits and loads its classifier.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(evaluators.digits_classifier, str(tmp_path / f"w{i}"), 0, cache_dir=cache)
            for i in (0, 1)
        ]
        extractors = [run.result() for run in runs]
    assert calls == [0] and all(e.held_out_accuracy == 0.99 for e in extractors)
    evaluators.digits_classifier(str(tmp_path / "w2"), 1, cache_dir=cache)  # another seed: its own
    evaluators.digits_classifier(str(tmp_path / "w3"), 0, cache_dir=cache)  # seed 0 again: cached
    assert calls == [0, 1]
    assert sorted(n for n in os.listdir(cache) if not n.endswith(".lock")) == [
        "classifier_8_seed0",
        "classifier_8_seed1",
    ]  # and no scratch directory left
    # Without eval.classifier_dir the cache is the workdir's own.
    evaluators.digits_classifier(str(tmp_path / "w4"), 0)
    assert os.path.exists(tmp_path / "w4" / "classifier_8_seed0" / "manifest.json") and calls == [0, 1, 0]


def test_classifier_cache_errors_leave_nothing(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(PipelineError, match=re.escape(f"{blocker} is not a writable directory")):
        evaluators.digits_classifier(str(tmp_path), 0, cache_dir=str(blocker))
    calls = []
    monkeypatch.setattr(evaluators.extractors, "train_digits_classifier", quick_training(calls, accuracy=0.5))
    with pytest.raises(PipelineError, match=r"reached only 0\.500 held-out accuracy \(< 0\.97\) in 3 init"):
        evaluators.digits_classifier(str(tmp_path / "w"), 0)
    assert [n for n in os.listdir(tmp_path / "w") if not n.endswith(".lock")] == [] and calls == [0, 0, 0]


def test_a_classifier_below_the_gate_is_trained_again_from_another_initialisation(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        evaluators.extractors, "train_digits_classifier", quick_training(calls, accuracy=[0.965, 0.97, 0.99])
    )
    extractor = evaluators.digits_classifier(str(tmp_path), 9)  # the gate itself passes
    manifest = json.loads((tmp_path / "classifier_8_seed9" / "manifest.json").read_text())
    assert calls == [9, 9] and extractor.held_out_accuracy == manifest["held_out_accuracy"] == 0.97
    assert manifest["attempt"] == 1 and np.all(extractor.model.layers[-1].bias.numpy() == 1)  # attempt 1's


def test_a_classifier_attempt_is_another_initialisation():
    first, again = (features.train_digits_classifier(8, 9, epochs=0, attempt=a)[0] for a in (0, 1))
    distribute.set_seed(9)  # how the classifier was seeded before attempts: its caches stay valid
    before = features.build_digits_classifier(8)
    pairs = list(zip(first.get_weights(), before.get_weights(), again.get_weights(), strict=True))
    assert all(np.array_equal(w, b) for w, b, _ in pairs)
    assert not any(np.array_equal(w, a) for w, _, a in pairs if w.ndim > 1)  # kernels: all redrawn


def test_inception_in_the_pipeline_without_weights_is_one_clear_error(tmp_path):
    config = shrink(digits_dcgan.get_config())
    config.data.image_size, config.eval.features = 8, "inception_v3"
    with pytest.raises(cli.PipelineError, match="InceptionV3 weights file '' not found"):
        cli.run_stages(["ingest", "train", "evaluate"], config, str(tmp_path))


def test_digits_classifier_reads_upsampled_digits(classifier):
    extractor = features.DigitsClassifier(classifier[0])
    images, labels = data.load_digits(32)
    _, held_out = features.digits_split(seed=0)
    assert np.mean(extractor(images[held_out])["classes"] == labels[held_out]) > 0.95


@pytest.mark.parametrize("source", ["digits", "stacked_digits"])
def test_real_references_leave_out_the_digits_the_classifier_saw(tmp_path, source):
    from pipeline import evaluators, ingest

    config = shrink(digits_dcgan.get_config())
    config.data.source, config.data.image_size, config.data.num_examples = source, 8, 4000
    config.data.channels = 1 if source == "digits" else 3
    cli.run_stages(["ingest"], config, str(tmp_path))
    trained_on, held_out = features.digits_split(seed=config.seed)
    ingest_dir = str(tmp_path / "ingest")
    no_generator = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    ctx = evaluators.Context(config, ingest.dataset_info(ingest_dir), ingest_dir, no_generator, None)
    ctx.leave_out_digits(trained_on)
    half = ctx.real_count // 2
    real = np.concatenate([ctx.real(half), ctx.real(half, offset=half)])
    assert len(real) == 2 * half > 100
    # Every channel of every real example is a held-out digit, pixel for pixel.
    digits = data.load_digits(8)[0][..., 0].reshape(1797, -1)
    channels = np.moveaxis(real, -1, 1).reshape(-1, 64)
    distance = ((channels[:, None, :] - digits[None, held_out]) ** 2).sum(-1)
    assert distance.min(axis=1).max() < 1e-10
    nearest = held_out[distance.argmin(axis=1)]
    assert len(np.unique(np.asarray(nearest))) > 100  # many distinct digits, not a handful


def test_real_halves_do_not_depend_on_the_global_seed(tmp_path):
    """The train stage sets TF's global seed to config.seed only when it trains; evaluate reads the
    same real examples either way: those of a shuffle seeded (config.seed, config.seed)."""
    from pipeline import evaluators, ingest

    config = shrink(digits_dcgan.get_config())
    config.seed, config.data.image_size = 3, 8
    cli.run_stages(["ingest"], config, str(tmp_path))
    ingest_dir = str(tmp_path / "ingest")
    count = ingest.dataset_info(ingest_dir)["count"]
    tf.random.set_seed(config.seed)  # what a run that trained has set
    stream = ingest.read_records(ingest_dir).shuffle(count, seed=config.seed, reshuffle_each_iteration=False)
    expected = np.stack(list(stream.as_numpy_iterator()))
    no_generator = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    ctx = evaluators.Context(config, ingest.dataset_info(ingest_dir), ingest_dir, no_generator, None)
    for global_seed in (None, 12345, config.seed):
        tf.random.set_seed(global_seed)
        np.testing.assert_array_equal(ctx.real(count), expected)
    np.testing.assert_array_equal(ctx.real(50, offset=100), expected[100:150])
    tf.random.set_seed(None)


def test_images_without_a_feature_extractor_get_the_sliced_wasserstein_distance(tmp_path, capsys):
    config = shrink(digits_dcgan.get_config())  # eval.features = none, no thresholds
    config.data.image_size, config.eval.num_samples = 16, 200
    workdir = str(tmp_path)
    cli.run_stages(["ingest", "train", "evaluate"], config, workdir)
    report = read_json(os.path.join(workdir, "evaluate", "metrics.json"))
    assert set(report["metrics"]) == {"swd", "swd_16px", "swd_8px"}
    swd = report["metrics"]["swd"]
    assert swd["num_samples"] == 200 and 0 < swd["reference"] < swd["value"]  # 2 steps: far from real
    levels = [report["metrics"][f"swd_{n}px"]["value"] for n in (16, 8)]
    assert swd["value"] == pytest.approx(np.mean(levels))
    line = "no thresholds configured: blessed (measured: swd_16px, swd_8px, swd)"
    assert report["blessed"] and report["checks"] == [line]
    assert f"evaluate: BLESSED: {line}" in capsys.readouterr().out


def test_the_classifier_trains_the_same_whether_or_not_the_process_had_deterministic_ops():
    """The evaluate stage trains it in processes that did (after a train stage) or did not (training
    up to date) turn on TF's deterministic ops; deterministic kernels round differently."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, tensorflow as tf; from gan_tf.metrics import features\n"
        "if sys.argv[1] == 'on': tf.config.experimental.enable_op_determinism()\n"
        "from tensorflow.python.framework import config\n"
        "model, _ = features.train_digits_classifier(8, seed=3, epochs=2)\n"
        "print(repr(float(sum(np.abs(w).astype(np.float64).sum() for w in model.get_weights()))))\n"
        "print(config.is_op_determinism_enabled())"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    sums = [
        subprocess.run(
            [sys.executable, "-c", code, state], capture_output=True, text=True, check=True, env=env
        ).stdout.split()[-2:]
        for state in ("on", "off")
    ]
    assert sums[0][0] == sums[1][0]  # the same weights
    assert [out[1] for out in sums] == ["True", "False"]  # and the process's setting left as it was
