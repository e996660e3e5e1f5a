"""Reliability: exact step counts, divergence, data integrity, noise streams, device checks, export."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import distribute, models, networks, noise
from pipeline import cli, evaluators, export, ingest
from pipeline.artifacts import read_json
from tests.pipeline_helpers import LATENT, tiny
from tests.pipeline_helpers import cli as run_cli


def load_generator(workdir):
    model = keras.models.load_model(os.path.join(workdir, "train", "generator.keras"), compile=False)
    return [w.numpy() for w in model.weights]


@pytest.mark.parametrize("steps_per_execution", [1, 20])
def test_training_runs_exactly_train_steps(tmp_path, steps_per_execution):
    # 30 steps with log_every 20: one whole epoch, then exactly 10 more (not a second epoch of 20).
    config = tiny(steps=30, train__steps_per_execution=steps_per_execution)
    cli.run_stages(["ingest", "train"], config, str(tmp_path))
    manifest = read_json(os.path.join(tmp_path, "train", "manifest.json"))
    assert manifest["outputs"]["steps"] == 30
    latest = tf.train.latest_checkpoint(os.path.join(tmp_path, "train", "checkpoints"))
    assert latest.endswith("-30")
    reader = tf.train.load_checkpoint(latest)
    counters = [  # the generator optimizer's step counter: its one int64 scalar
        k
        for k, dtype in reader.get_variable_to_dtype_map().items()
        if k.startswith("g_optimizer/") and dtype == tf.int64 and reader.get_tensor(k).shape == ()
    ]
    assert [int(reader.get_tensor(k)) for k in counters] == [30]


def poison_generator_loss(monkeypatch, from_step):
    """Make the generator loss NaN from step `from_step` on (a stand-in for a diverging run)."""
    original = models.NonSaturatingGAN.generator_loss

    def poisoned(self, fake_logits):
        # NaN added as a constant: the weights' gradients stay finite until the loss itself is NaN.
        return original(self, fake_logits) + tf.where(self.g_optimizer.iterations >= from_step, np.nan, 0.0)

    monkeypatch.setattr(models.NonSaturatingGAN, "generator_loss", poisoned)


def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    poison_generator_loss(monkeypatch, from_step=25)
    workdir = str(tmp_path)
    with pytest.raises(
        cli.PipelineError, match=r"diverged: g_loss = nan by step 26; .*checkpoint \(step 20\)"
    ):
        cli.run_stages(["ingest", "train"], tiny(steps=60), workdir)
    assert not os.path.exists(os.path.join(workdir, "train"))  # nothing published
    partial = os.path.join(workdir, "train.partial", "checkpoints")
    assert tf.train.latest_checkpoint(partial).endswith("-20")  # no checkpoint of diverged weights


def test_on_nan_restore_publishes_the_last_good_checkpoint(tmp_path, monkeypatch):
    straight = str(tmp_path / "straight")
    cli.run_stages(["ingest", "train"], tiny(steps=20, train__lr_schedule="constant"), straight)
    poison_generator_loss(monkeypatch, from_step=25)
    restored = str(tmp_path / "restored")
    config = tiny(steps=60, train__on_nan="restore", train__lr_schedule="constant")
    cli.run_stages(["ingest", "train"], config, restored)
    assert read_json(os.path.join(restored, "train", "manifest.json"))["outputs"]["steps"] == 20
    for a, b in zip(load_generator(straight), load_generator(restored), strict=True):
        np.testing.assert_array_equal(a, b)  # exactly the weights of step 20


def test_a_truncated_shard_is_one_clear_error_and_a_rerun_reingests(tmp_path):
    workdir = str(tmp_path)
    cli.run_stages(["ingest"], tiny(), workdir)
    shard = os.path.join(workdir, "ingest", "data-00001-of-00004.tfrecord")
    with open(shard, "r+b") as f:
        f.truncate(300)
    out = run_cli("pipeline.train", workdir)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    (line,) = [line for line in out.stderr.splitlines() if line.startswith("gan-pipeline")]
    assert "data-00001-of-00004.tfrecord is truncated or altered (300 bytes" in line
    assert "python -m pipeline.ingest --force" in line
    assert not os.path.exists(os.path.join(workdir, "train"))
    with pytest.raises(cli.PipelineError, match="data-00001-of-00004.tfrecord is truncated"):
        ingest.read_records(os.path.join(workdir, "ingest"))  # every reader checks, not only the CLI
    # The pipeline sees the damaged stage is not done, ingests again, then trains on all the data.
    cli.run_stages(["ingest", "train"], tiny(steps=20), workdir)
    assert os.path.getsize(shard) > 300
    assert sum(1 for _ in ingest.read_records(os.path.join(workdir, "ingest"))) == 2000


def test_read_records_yields_every_record_in_file_order(tmp_path):
    # Reference: each serialized tf.train.Example decoded in Python, shard after shard. read_records
    # parses a batch at a time; a partial last batch and the shard boundaries must not drop or reorder.
    workdir = str(tmp_path)
    cli.run_stages(["ingest"], tiny(), workdir)
    meta = ingest.dataset_info(os.path.join(workdir, "ingest"))
    want = []
    for shard in meta["shards"]:
        path = os.path.join(workdir, "ingest", shard["file"])
        for raw in tf.data.TFRecordDataset(path).as_numpy_iterator():
            example = tf.train.Example.FromString(raw)
            want.append(np.frombuffer(example.features.feature["x"].bytes_list.value[0], np.float32))
    got = np.stack(list(ingest.read_records(os.path.join(workdir, "ingest")).as_numpy_iterator()))
    assert len(want) == meta["count"] == 2000 and meta["count"] % ingest._PARSE_BATCH
    assert got.shape == (2000, *meta["shape"])
    np.testing.assert_array_equal(got, np.stack(want).reshape(got.shape))


def test_an_altered_or_missing_output_reruns_its_stage(tmp_path, capsys):
    workdir = str(tmp_path)
    cli.run_stages(["ingest", "train"], tiny(steps=20), workdir)
    generator = os.path.join(workdir, "train", "generator.keras")
    os.remove(generator)
    capsys.readouterr()
    cli.run_stages(["ingest", "train"], tiny(steps=20), workdir)
    out = capsys.readouterr().out
    assert "ingest: up to date" in out and "generator.keras is missing; running the stage again" in out
    assert os.path.exists(generator)
    with open(os.path.join(workdir, "ingest", "dataset.json"), "a") as f:
        f.write(" ")  # same JSON, different bytes: still detected
    with pytest.raises(cli.PipelineError, match="ingest output is damaged: .*dataset.json"):
        cli.run_stages(["evaluate"], tiny(steps=20), workdir)


def test_evaluation_never_draws_training_noise():
    seed, batch = 0, 500
    gan = models.NonSaturatingGAN(*networks.mlp_pair(latent_dim=LATENT), seed=seed)
    gan.compile(keras.optimizers.SGD(), keras.optimizers.SGD())
    identity = keras.Sequential([keras.Input((LATENT,)), keras.layers.Identity()])
    config = tiny()
    config.seed, config.eval.batch_size = seed, batch
    meta = {"shape": [LATENT], "count": 10}
    evaluated = evaluators.Context(config, meta, None, identity, None).generate(2 * batch)
    # Training draws (step, stream) with stream 0..n_critic; try the steps whose counters cover the
    # evaluator's old keys, (seed, 10_000 + start), and more.
    for step in (0, 1, 2500, 2625, 5000):
        gan.g_optimizer.iterations.assign(step)
        for stream in (0, 1):
            z = gan._noise(batch, stream).numpy()
            for start in (0, batch):
                assert not np.allclose(z, evaluated[start : start + batch])
    keys = {noise.stream_key(s, name) for s in range(50) for name in noise.STREAMS}
    assert len(keys) == 50 * len(noise.STREAMS)


def test_mirrored_with_more_devices_than_gpus_is_an_error(monkeypatch):
    real = tf.config.list_physical_devices
    fake_gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
    monkeypatch.setattr(
        tf.config, "list_physical_devices", lambda kind=None: [fake_gpu] if kind == "GPU" else real(kind)
    )
    with pytest.raises(ValueError, match=r"mirrored over 2 devices, but this machine has 1 GPU"):
        distribute.get_strategy("mirrored", 2)
    config = tiny()
    config.distribution.strategy, config.distribution.num_devices = "mirrored", 2
    with pytest.raises(cli.PipelineError, match="has 1 GPU"):
        cli.run_stages(["ingest"], config, "/nonexistent")


def image_generator(latent_dim=4):
    """A generator whose outputs reach past [-1, 1] (no tanh), so clipping is visible."""
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(16, kernel_initializer=keras.initializers.RandomNormal(stddev=1.0)),
            keras.layers.Reshape((4, 4, 1)),
        ]
    )


@pytest.mark.parametrize("clip", [False, True])
def test_export_serves_the_generator_mapped_to_the_source_range(tmp_path, clip):
    generator = image_generator()
    meta = {"shape": [4, 4, 1], "value_range": [-1.0, 1.0], "source_range": [0.0, 16.0]}
    export.write_saved_model(generator, meta, str(tmp_path / "m"), clip=clip)
    z = np.random.default_rng(1).standard_normal((32, 4)).astype("float32")
    x = generator(z).numpy().astype(np.float64)
    want = (x + 1.0) * 8.0  # [-1, 1] -> [0, 16]
    if clip:
        want = np.clip(want, 0.0, 16.0)
    assert np.mean((x < -1) | (x > 1)) > 0.1  # the clipping matters for this generator
    served = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"](z=tf.constant(z))
    np.testing.assert_allclose(served["samples"].numpy(), want, rtol=1e-5, atol=1e-5)
    export.check_saved_model(generator, meta, str(tmp_path / "m"), seed=0, clip=clip)
    wrong = {**meta, "source_range": [0.0, 255.0]}  # the check catches an export that maps wrongly
    with pytest.raises(cli.PipelineError, match="export check failed"):
        export.check_saved_model(generator, wrong, str(tmp_path / "m"), seed=0, clip=clip)


def test_export_of_mixtures_serves_raw_coordinates(tmp_path):
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    meta = {"shape": [2], "value_range": [-1.2, 1.3], "source_range": [-1.2, 1.3]}
    export.write_saved_model(generator, meta, str(tmp_path / "m"))
    z = np.random.default_rng(2).standard_normal((8, 3)).astype("float32") * 10
    served = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"](z=tf.constant(z))
    np.testing.assert_allclose(served["samples"].numpy(), generator(z).numpy(), rtol=1e-6, atol=1e-6)


def test_a_corrupt_shard_of_the_same_size_is_caught_by_its_checksum(tmp_path):
    workdir = str(tmp_path)
    cli.run_stages(["ingest"], tiny(), workdir)
    shard = os.path.join(workdir, "ingest", "data-00002-of-00004.tfrecord")
    size = os.path.getsize(shard)
    with open(shard, "r+b") as f:  # flip one byte in the middle: same size, other content
        f.seek(size // 2)
        byte = f.read(1)
        f.seek(size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert os.path.getsize(shard) == size
    with pytest.raises(cli.PipelineError, match="data-00002-of-00004.tfrecord is altered .*sha256"):
        ingest.read_records(os.path.join(workdir, "ingest"))


def test_nan_weights_behind_a_finite_loss_are_never_checkpointed(tmp_path, monkeypatch):
    original = models.GAN._generator_step

    def poisoned(self, batch, labels=None):  # after update 20 a weight turns NaN; the logged loss is older
        original(self, batch, labels)
        variable = self.generator.trainable_variables[0]
        nan = tf.fill(tf.shape(variable), np.nan)
        variable.assign(tf.where(tf.equal(self.g_optimizer.iterations, 20), nan, variable))

    monkeypatch.setattr(models.GAN, "_generator_step", poisoned)
    with pytest.raises(cli.PipelineError, match="diverged: weights = nan by step 20; no checkpoint"):
        cli.run_stages(["ingest", "train"], tiny(steps=40), str(tmp_path))
    checkpoints = os.path.join(tmp_path, "train.partial", "checkpoints")
    assert tf.train.latest_checkpoint(checkpoints) is None


def test_a_resumed_train_starts_its_data_at_the_step_without_replay(tmp_path, monkeypatch):
    from gan_tf import data

    config = tiny(steps=40, train__lr_schedule="constant")
    straight = str(tmp_path / "straight")
    cli.run_stages(["ingest", "train"], config, straight)
    stopped = str(tmp_path / "stopped")
    with monkeypatch.context() as patch:
        poison_generator_loss(patch, from_step=25)  # stops after the checkpoint of step 20
        with pytest.raises(cli.PipelineError, match="diverged"):
            cli.run_stages(["ingest", "train"], config, stopped)
    starts, for_gan = [], data.for_gan

    def spy(*args, **kwargs):
        starts.append(kwargs.get("start_step", 0))
        return for_gan(*args, **kwargs)

    monkeypatch.setattr(data, "for_gan", spy)
    cli.run_stages(["ingest", "train"], config, stopped)
    assert starts[0] == 20  # the stream starts at step 20 itself (no skip over 20 steps of batches)
    for a, b in zip(load_generator(straight), load_generator(stopped), strict=True):
        np.testing.assert_array_equal(a, b)
