"""The pipeline end to end on tiny configs: artifacts, caching, blessing, export, CLI errors."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from pipeline import cli
from pipeline.artifacts import read_json
from tests.pipeline_helpers import LATENT, tiny
from tests.pipeline_helpers import cli as run_cli

STAGES = list(cli.STAGES)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One full tiny run shared by the read-only tests."""
    workdir = str(tmp_path_factory.mktemp("run"))
    cli.run_stages(STAGES, tiny(), workdir)
    return workdir


def test_every_stage_leaves_its_artifacts(finished):
    for stage in STAGES:
        manifest = read_json(os.path.join(finished, stage, "manifest.json"))
        assert manifest["stage"] == stage and manifest["status"] == "done" and manifest["fingerprint"]
    meta = read_json(os.path.join(finished, "ingest", "dataset.json"))
    assert meta["count"] == 2000 and meta["shape"] == [2] and len(meta["mean"]) == 2
    assert len([f for f in os.listdir(os.path.join(finished, "ingest")) if f.endswith(".tfrecord")]) == 4
    train = os.path.join(finished, "train")
    assert os.path.exists(os.path.join(train, "generator.keras"))
    assert tf.train.latest_checkpoint(os.path.join(train, "checkpoints")).endswith("-40")
    assert sorted(os.listdir(os.path.join(train, "samples"))) == ["step_0000020.png", "step_0000040.png"]
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(os.path.join(train, "tensorboard")))
    report = read_json(os.path.join(finished, "evaluate", "metrics.json"))
    assert report["blessed"] and os.path.exists(os.path.join(finished, "evaluate", "BLESSED"))
    modes = report["metrics"]["modes"]
    assert modes["num_samples"] == 500 and modes["reference"] == 8  # real data covers the ring
    assert meta["mode_std"] == 0.01 and meta["std"][0] > 0.5  # the modes' sigma, not the data's spread
    # True samples are high quality with probability 1 - exp(-4.5) = 0.989 (3 sd over 500 samples).
    assert abs(report["metrics"]["high_quality"]["reference"] - 0.9889) < 0.015
    assert not [d for d in os.listdir(finished) if d.startswith(".")]  # no temp dirs left behind
    for picture in ("samples.png", "real_vs_generated.png", "training_curves.png"):
        with open(os.path.join(finished, "evaluate", picture), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_training_curves_read_back_what_tensorboard_holds(tmp_path):
    from pipeline import samples

    for run, points in enumerate(([(1, 0.5), (2, 0.25), (3, 2.0)], [(3, 0.125), (4, 1.5)])):
        writer = tf.summary.create_file_writer(str(tmp_path / f"run{run}"))  # a resumed run: 2 files
        with writer.as_default():
            for step, value in points:
                tf.summary.scalar("d_loss", value, step=step)
                tf.summary.image("samples", tf.zeros([1, 2, 2, 1]), step=step)  # not a scalar
        writer.close()
    for path in (tmp_path / "run1").iterdir():
        path.rename(tmp_path / "run0" / (path.name + ".later"))
    series = samples.read_scalars(str(tmp_path / "run0"))
    assert series == {"d_loss": [(1, 0.5), (2, 0.25), (3, 0.125), (4, 1.5)]}  # step 3 rewritten
    assert samples.curves_png(series)[:4] == b"\x89PNG"


def test_export_serves_samples(finished):
    loaded = tf.saved_model.load(os.path.join(finished, "export", "1"))
    out = loaded.signatures["serving_default"](z=tf.random.normal([5, LATENT]))
    assert list(out) == ["samples"] and out["samples"].shape == (5, 2) and out["samples"].dtype == tf.float32
    spec = loaded.signatures["serving_default"].structured_input_signature[1]["z"]
    assert spec.shape.as_list() == [None, LATENT]


def test_saved_model_cli(finished, tmp_path):
    cli_path = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    if not os.path.exists(cli_path):
        cli_path = shutil.which("saved_model_cli")
    export = os.path.join(finished, "export", "1")
    show = subprocess.run(
        [cli_path, "show", "--dir", export, "--all"], capture_output=True, text=True, check=True
    )
    assert "serving_default" in show.stdout and "samples" in show.stdout and "(-1, 2)" in show.stdout
    # TF 2.21's saved_model_cli reads --input_exprs as Python literals only (no np.random calls):
    # feed a literal list, or an .npy file with --inputs.
    z = np.random.default_rng(0).standard_normal((4, LATENT)).astype("float32")
    np.save(tmp_path / "z.npy", z)
    base = [cli_path, "run", "--dir", export, "--tag_set", "serve", "--signature_def", "serving_default"]
    for feed in (["--input_exprs", f"z={z.tolist()}"], ["--inputs", f"z={tmp_path / 'z.npy'}"]):
        run = subprocess.run(base + feed, capture_output=True, text=True, check=True)
        assert "Result for output key samples" in run.stdout
        assert run.stdout.count("[") >= 5  # four rows of samples printed


def test_two_ingests_of_one_config_write_the_same_shards(tmp_path):
    # What lets tests (and users) copy an ingest artifact instead of running it again.
    config = tiny()
    manifests = []
    for name in ("a", "b"):
        cli.run_stages(["ingest"], config, str(tmp_path / name))
        manifests.append(read_json(os.path.join(tmp_path, name, "ingest", "manifest.json")))
    files = [m["files"] for m in manifests]
    assert files[0] == files[1] and any(f.endswith(".tfrecord") for f in files[0])
    for name in files[0]:
        assert (
            open(tmp_path / "a" / "ingest" / name, "rb").read()
            == open(tmp_path / "b" / "ingest" / name, "rb").read()
        )


def test_rerun_is_a_no_op_and_a_change_reruns_what_follows(tmp_path, capsys):
    workdir = str(tmp_path)
    cli.run_stages(STAGES, tiny(steps=20), workdir)
    before = {s: read_json(os.path.join(workdir, s, "manifest.json")) for s in STAGES}
    capsys.readouterr()
    cli.run_stages(STAGES, tiny(steps=20), workdir)
    out = capsys.readouterr().out
    assert out.count("up to date") == 4
    assert read_json(os.path.join(workdir, "train", "manifest.json")) == before["train"]

    cli.run_stages(STAGES, tiny(steps=20, eval__num_samples=400), workdir)  # only evaluate's config
    after = {s: read_json(os.path.join(workdir, s, "manifest.json")) for s in STAGES}
    assert after["ingest"] == before["ingest"] and after["train"] == before["train"]
    assert after["evaluate"]["fingerprint"] != before["evaluate"]["fingerprint"]
    assert after["export"]["latest"] == 2 and sorted(after["export"]["versions"]) == ["1", "2"]

    cli.run_stages(STAGES, tiny(steps=20, data__num_examples=1000), workdir)  # ingest and everything after
    final = {s: read_json(os.path.join(workdir, s, "manifest.json")) for s in STAGES}
    assert all(final[s]["fingerprint"] != after[s]["fingerprint"] for s in STAGES)


def test_unblessed_model_is_not_exported_without_force(tmp_path):
    workdir = str(tmp_path)
    config = tiny(steps=20)
    config.eval.thresholds = {"modes": 9}  # the ring has 8
    cli.run_stages(STAGES[:3], config, workdir)
    assert os.path.exists(os.path.join(workdir, "evaluate", "NOT_BLESSED"))
    with pytest.raises(cli.PipelineError, match="did not bless"):
        cli.run_stages(["export"], config, workdir)
    assert not os.path.exists(os.path.join(workdir, "export", "1"))
    cli.run_stages(["export"], config, workdir, force=True)
    assert read_json(os.path.join(workdir, "export", "manifest.json"))["versions"]["1"]["blessed"] is False


def test_a_failing_stage_leaves_no_scratch_directory(tmp_path):
    workdir = str(tmp_path)
    config = tiny(steps=20)
    config.eval.thresholds = {"fid": 1.0}  # not computed for a mixture: fails after the scratch dir exists
    with pytest.raises(cli.PipelineError, match="'fid', which is not computed"):
        cli.run_stages(STAGES, config, workdir)
    assert sorted(os.listdir(workdir)) == ["ingest", "train"]


def test_mirrored_training_in_the_pipeline(tmp_path):
    workdir = str(tmp_path)
    config = tiny(steps=20)
    config.distribution.strategy, config.distribution.num_devices = "mirrored", 2
    cli.run_stages(["ingest", "train"], config, workdir)
    assert read_json(os.path.join(workdir, "train", "manifest.json"))["outputs"]["steps"] == 20


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("gan__loss", "vanilla", "valid variants"),
        ("train__checkpoint_every", 30, "multiple of train.log_every"),
        ("train__steps_per_execution", 7, "multiple of train.steps_per_execution"),
        ("train__lr_schedule", "cosine", "valid: constant, linear"),
        ("model__arch", "dcgan", "needs images"),
        ("data__name", "spiral", "ring8, grid25"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, field, value, message):
    with pytest.raises(cli.PipelineError, match=message):
        cli.run_stages(["ingest", "train"], tiny(**{field: value}), str(tmp_path))
    assert not os.path.exists(os.path.join(tmp_path, "train"))


def test_stages_alone_from_the_command_line(tmp_path):
    workdir = str(tmp_path)
    # A stage whose input is missing, and one-line errors from the command line: tests/test_bad_input.py.
    # Two replicas from a fresh process: the CPU must be split before TensorFlow initialises.
    mirrored = ["--config.distribution.strategy=mirrored", "--config.distribution.num_devices=2"]
    for stage in STAGES:
        out = run_cli(f"pipeline.{stage}", workdir, *mirrored, steps=20, check=True)
        assert stage != "train" or "2 replica(s)" in out.stdout
        if stage == "train":  # progress in steps, one line per log_every (20) when not a terminal
            assert "train: step 20/20 (100 %)" in out.stdout and "Epoch" not in out.stdout
    assert os.path.isdir(os.path.join(workdir, "export", "1"))
    again = run_cli("pipeline.run", workdir, *mirrored, steps=20, check=True)
    assert again.stdout.count("up to date") == 4


def test_progress_line_speaks_in_steps():
    from pipeline import progress

    bar = progress.StepProgress(3000, interactive=False)
    bar.start_step = 300
    line = bar.line(2300, 50.0, {"d_loss": 1.3125, "g_loss": 0.5})
    # (2300 - 300) steps in 50 s = 40 steps/s; 700 steps left = 17.5 s, rounded to 18.
    assert line == "train: step 2300/3000 (77 %)  40.0 steps/s  ETA 0:00:18  d_loss 1.312  g_loss 0.5"


def test_cli_help_and_usage_errors(tmp_path):
    helptext = run_cli("pipeline.run", tmp_path, "--help").stdout
    for flag in ("--config", "--workdir", "--stages", "--[no]force", "--[no]traceback"):
        assert flag in helptext
    stage_help = run_cli("pipeline.train", tmp_path, "--help").stdout  # a stage alone lists them too
    for flag in ("--config", "--workdir", "--[no]force", "--[no]traceback"):
        assert flag in stage_help
    # Bad flags, configs and stages: tests/test_bad_input.py.


def test_console_scripts_start_without_tensorflow():
    """The console scripts' modules load TensorFlow (and gan_tf) only when a stage runs, so --help and
    usage errors answer at once; `import gan_tf` itself registers its Keras layers, so it loads TF."""
    code = (
        "import sys, pipeline.run, pipeline.sample, pipeline.theory; print('tensorflow' in sys.modules); "
        "import gan_tf; print('tensorflow' in sys.modules, 'gan_tf>Maxout' in __import__('keras').saving"
        ".get_custom_objects())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True"]


def test_resume_after_a_stopped_train_equals_an_uninterrupted_one(tmp_path):
    flags = ["--stages=ingest,train", "--config.train.checkpoint_every=20", "--config.train.log_every=20"]
    straight = str(tmp_path / "straight")
    run_cli("pipeline.run", straight, *flags, steps=400, check=True)

    stopped = str(tmp_path / "stopped")
    shutil.copytree(os.path.join(straight, "ingest"), os.path.join(stopped, "ingest"))  # artifacts move
    ckpt_dir = os.path.join(stopped, "train.partial", "checkpoints")
    proc = _popen_train(stopped, flags, steps=400)
    try:
        _wait_for(
            lambda: os.path.exists(ckpt_dir) and tf.train.latest_checkpoint(ckpt_dir), proc, timeout=120
        )
    finally:
        proc.kill()
        proc.wait()
    assert not os.path.exists(os.path.join(stopped, "train"))  # nothing published by the stopped run
    resumed = run_cli("pipeline.run", stopped, *flags, steps=400, check=True)
    assert "resuming from step" in resumed.stdout

    def weights(workdir):
        import keras

        model = keras.models.load_model(os.path.join(workdir, "train", "generator.keras"), compile=False)
        return [w.numpy() for w in model.weights]

    for a, b in zip(weights(straight), weights(stopped), strict=True):
        np.testing.assert_array_equal(a, b)


def _popen_train(workdir, flags, steps):
    from tests.pipeline_helpers import ENV, ROOT, command

    cmd = command("pipeline.run", workdir, *flags, steps=steps)
    return subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(condition, proc, timeout):
    import time

    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            raise AssertionError("train finished before it could be stopped; raise train.steps")
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared")


def test_manifest_is_json_with_timings(finished):
    manifest = json.load(open(os.path.join(finished, "train", "manifest.json")))
    assert manifest["timings"]["seconds"] > 0 and manifest["inputs"] == {
        "ingest": read_json(os.path.join(finished, "ingest", "manifest.json"))["fingerprint"]
    }


def test_linear_learning_rate_schedule_reaches_zero_at_the_last_step():
    from pipeline import train

    t = tiny().train
    t.lr_schedule = "linear"
    opt = train._adam(t, 1e-3, 100)
    opt.build([])
    for step, want in ((0, 1e-3), (50, 5e-4), (100, 0.0)):
        opt.iterations.assign(step)
        assert float(opt.learning_rate) == pytest.approx(want, abs=1e-9)
    t.lr_schedule = "cosine"
    with pytest.raises(cli.PipelineError, match="valid: constant, linear"):
        train._adam(t, 1e-3, 100)


def test_threshold_directions_follow_the_metric_family():
    from configs.common import base
    from pipeline.evaluate import bless

    lower = base().eval.lower_is_better
    values = {name: {"value": 5.0} for name in ("swd", "swd_16px", "raw/fid", "intra_fid", "modes")}
    ok, checks = bless(values, {"swd_16px": 10, "raw/fid": 10, "intra_fid": 10, "modes": 4}, lower)
    assert ok and checks == [
        "intra_fid 5 <= 10: pass",
        "modes 5 >= 4: pass",
        "raw/fid 5 <= 10: pass",
        "swd_16px 5 <= 10: pass",
    ]
