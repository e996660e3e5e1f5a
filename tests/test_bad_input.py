"""The bad-input catalog: each case is one line naming the problem and the fix, a non-zero exit, no
traceback and nothing half-published."""

import os
import subprocess

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from configs import image_folder
from pipeline import cli
from tests.pipeline_helpers import ENV, LATENT, ROOT, command, tiny
from tests.pipeline_helpers import cli as run_cli
from tests.test_sources import shrink


def images_of_two_sizes(path):
    path.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path / "a.png")
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(path / "b.png")
    return str(path)


def folder_config(path, image_size=8):
    config = shrink(image_folder.get_config())
    config.data.path, config.data.image_size = str(path), image_size
    return config


def with_maxout(config, pieces=5):
    config.model.d_maxout = pieces
    return config


def with_model(config, **fields):
    config.model.update(fields)
    return config


# (stages, config maker (tmp_path -> config), message)
CASES = {
    "steps not positive": (["ingest", "train"], lambda p: tiny(steps=0), "train.steps must be a positive"),
    "batch not positive": (
        ["ingest", "train"],
        lambda p: tiny(train__batch_size=0),
        "batch_size must be a pos",
    ),
    "learning rate not positive": (
        ["ingest", "train"],
        lambda p: tiny(train__d_lr=-1.0),
        "d_lr must be positive",
    ),
    "unknown loss": (["ingest", "train"], lambda p: tiny(gan__loss="vanilla"), "valid variants: minimax"),
    "unknown arch": (["ingest", "train"], lambda p: tiny(model__arch="resnet"), "valid: mlp, dcgan"),
    "unknown strategy": (["ingest"], lambda p: tiny(distribution__strategy="tpu9"), "valid: one_device"),
    "unknown mixture": (["ingest"], lambda p: tiny(data__name="spiral"), "valid: ring8, grid25"),
    "unknown source": (["ingest"], lambda p: tiny(data__source="s3"), "valid: mixture, digits"),
    "unknown precision": (
        ["ingest", "train"],
        lambda p: tiny(train__precision="float8"),
        "valid: float32, mixed_bfloat16, mixed_float16",
    ),
    "XLA on CPU replicas": (
        ["ingest", "train"],
        lambda p: tiny(
            train__jit_compile=True, distribution__strategy="mirrored", distribution__num_devices=2
        ),
        "jit_compile .XLA. does not run under mirrored over 2 CPU replicas",
    ),
    "unknown on_nan": (["ingest", "train"], lambda p: tiny(train__on_nan="retry"), "valid: stop, restore"),
    "batch not divisible by replicas": (
        ["ingest", "train"],
        lambda p: tiny(train__batch_size=63, distribution__strategy="mirrored", distribution__num_devices=2),
        "63 is not divisible by 2 replicas",
    ),
    "empty dataset": (["ingest"], lambda p: tiny(data__num_examples=0), "gave no examples"),
    "too little data for a batch": (
        ["ingest", "train"],
        lambda p: tiny(data__num_examples=10),
        "cannot fill",
    ),
    "pack not dividing the batch": (
        ["ingest", "train"],
        lambda p: tiny(gan__pack=3),
        r"gan.pack \(3\) must be >= 1 and divide each replica's batch \(",
    ),
    "zero filters": (
        ["ingest", "train"],
        lambda p: with_model(folder_config(images_of_two_sizes(p / "im"), image_size=8), width=0),
        r"model.width must be an integer >= 1",
    ),
    "negative D filters": (
        ["ingest", "train"],
        lambda p: with_model(folder_config(images_of_two_sizes(p / "im"), image_size=8), d_width=-8),
        r"model.d_width must be .* got -8",
    ),
    "unknown upsampling": (
        ["ingest", "train"],
        lambda p: with_model(
            folder_config(images_of_two_sizes(p / "im"), image_size=8), g_upsample="bilinear"
        ),
        "valid: transpose, nearest",
    ),
    "G's native size not a DCGAN size": (
        ["ingest", "train"],
        lambda p: with_model(folder_config(images_of_two_sizes(p / "im"), image_size=16), g_native_size=12),
        r"model.g_native_size must be 0 or a DCGAN size up to the data's 16 px \(8, 16\); got 12",
    ),
    "G's native size above the data's": (
        ["ingest", "train"],
        lambda p: with_model(folder_config(images_of_two_sizes(p / "im"), image_size=8), g_native_size=16),
        r"model.g_native_size must be 0 or a DCGAN size up to the data's 8 px \(8\); got 16",
    ),
    "DCGAN options for an MLP": (
        ["ingest", "train"],
        lambda p: tiny(model__d_width=64),
        "apply to model.arch=dcgan",
    ),
    "a native size for an MLP": (
        ["ingest", "train"],
        lambda p: tiny(model__g_native_size=8),
        "model.g_native_size apply to model.arch=dcgan",
    ),
    "negative maxout": (["ingest", "train"], lambda p: tiny(model__d_maxout=-2), "model.d_maxout must be 0"),
    "maxout of one piece (a linear D)": (
        ["ingest", "train"],
        lambda p: tiny(model__d_maxout=1),
        "integer >= 2",
    ),
    "maxout for a DCGAN": (
        ["ingest", "train"],
        lambda p: with_maxout(folder_config(images_of_two_sizes(p / "im"), image_size=8)),
        "with model.arch=mlp",
    ),
    "vector data for a DCGAN": (["ingest", "train"], lambda p: tiny(model__arch="dcgan"), "needs images"),
    "image size a DCGAN cannot make": (
        ["ingest", "train"],
        lambda p: folder_config(images_of_two_sizes(p / "im"), image_size=20),
        "the data is 20x20x3",
    ),
    "missing TFDS data": (
        ["ingest"],
        lambda p: tiny(data__source="tfds", data__tfds_name="mnist", data__data_dir=str(p / "none")),
        "is not prepared in",
    ),
    "image folder missing": (["ingest"], lambda p: folder_config(p / "nope"), "is not a folder of images"),
    "image folder empty": (["ingest"], lambda p: folder_config((p / "e").mkdir() or p / "e"), "no images"),
    "image folder of mixed sizes": (
        ["ingest"],
        lambda p: folder_config(images_of_two_sizes(p / "im"), image_size=0),
        "different sizes .*set --config.data.image_size",
    ),
    "image folder holding a non-image": (
        ["ingest"],
        lambda p: folder_config(p.joinpath("x.png").write_text("text") and p),
        "cannot read image",
    ),
    "unknown refinement": (["ingest", "train"], lambda p: tiny(export__refine="best"), "valid: none, latent"),
    "unknown DRS gamma": (
        ["ingest", "train"],
        lambda p: tiny(export__refine="drs", export__drs_gamma="half"),
        "unknown export.drs_gamma 'half'; valid: percentile, zero",
    ),
    "train without its data": (["train"], lambda p: tiny(), "train needs the ingest stage's output"),
    "export of a missing model": (["export"], lambda p: tiny(), "export needs the train stage's output"),
    "unknown stage": (["ingest", "deploy"], lambda p: tiny(), r"unknown stage\(s\) deploy"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_clear_error(tmp_path, case):
    stages, make_config, message = CASES[case]
    workdir = tmp_path / "run"
    with pytest.raises(cli.PipelineError, match=message) as err:
        cli.run_stages(stages, make_config(tmp_path), str(workdir))
    assert "\n" not in str(err.value)
    left = sorted(os.listdir(workdir)) if workdir.exists() else []
    assert not [d for d in left if d.startswith(".")]  # no scratch directory left behind
    published_before_the_error = {"ingest", "train.partial"} if stages[:2] == ["ingest", "train"] else set()
    assert set(left) <= published_before_the_error  # the stage the error hit published nothing
    assert not (workdir / "train.partial" / "checkpoints").exists()  # refused before it trained


def test_unwritable_workdir_and_workdir_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(cli.PipelineError, match="is a file, not a directory"):
        cli.run_stages(["ingest"], tiny(), str(tmp_path / "file"))
    with pytest.raises(cli.PipelineError, match="cannot write to --workdir"):
        cli.run_stages(["ingest"], tiny(), str(tmp_path / "file" / "below"))  # root can write anywhere else
    with pytest.raises(cli.PipelineError, match="cannot write to --workdir"):
        cli.run_stages(["ingest"], tiny(), "/proc/gan-tf-run")


def test_unblessed_export_is_refused(tmp_path):
    config = tiny(steps=20, eval__thresholds={"modes": 9})  # the ring has 8 modes
    cli.run_stages(["ingest", "train", "evaluate"], config, str(tmp_path))
    with pytest.raises(cli.PipelineError, match="did not bless .* pass --force"):
        cli.run_stages(["export"], config, str(tmp_path))
    assert not os.path.exists(tmp_path / "export" / "1")


CLI_CASES = {
    "override of the wrong type": (
        None,
        "--config.train.steps=abc",
        "bad flag: flag --config.train.steps=abc",
    ),
    "unknown override": (None, "--config.train.stepz=3", "stepz"),
    "config file without get_config": ("tests/__init__.py", None, "has no get_config()"),
    "missing config file": ("configs/nope.py", None, "nope.py"),
}


def our_lines(stderr):
    """gan-tf's own lines on stderr (TensorFlow prints start-up chatter there before any of ours)."""
    return [line for line in stderr.splitlines() if line.startswith("gan-pipeline")]


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_bad_flags_on_the_command_line(tmp_path, case):
    config, flag, message = CLI_CASES[case]
    out = run_cli(
        "pipeline.run", tmp_path / "run", *([flag] if flag else []), config=config or "configs/grid25.py"
    )
    assert out.returncode != 0 and "Traceback" not in out.stderr
    (line,) = our_lines(out.stderr)
    assert line.startswith("gan-pipeline: error: ") and message in line
    assert not (tmp_path / "run").exists()


def test_workdir_that_is_a_file_from_the_command_line(tmp_path):
    (tmp_path / "file").write_text("x")
    out = run_cli("pipeline.run", tmp_path / "file")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    want = f"gan-pipeline: error: --workdir {tmp_path / 'file'} is a file, not a directory; pass a directory"
    assert our_lines(out.stderr) == [want]
    traced = run_cli("pipeline.run", tmp_path / "file", "--traceback")
    assert "Traceback" in traced.stderr  # --traceback shows where it came from
    # ... and answered before TensorFlow loads (seconds earlier than any stage could start).
    env = {**ENV, "PYTHONPROFILEIMPORTTIME": "1"}  # every module the command imports, on stderr
    probe = subprocess.run(
        command("pipeline.run", tmp_path / "file"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in probe.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert probe.returncode == 1 and "absl" in imported, probe.stderr[-2000:]  # the probe saw the imports ...
    assert "tensorflow" not in imported  # ... and TensorFlow was not one of them


def test_workdir_in_use_by_another_pipeline_process(tmp_path):
    workdir = tmp_path / "run"
    workdir.mkdir()
    with cli._workdir_lock(str(workdir)):  # what a running pipeline holds
        with pytest.raises(cli.PipelineError, match="is in use by another gan-pipeline process"):
            cli.run_stages(["ingest"], tiny(), str(workdir))
        out = run_cli("pipeline.run", workdir)  # another process
        assert out.returncode == 1 and "Traceback" not in out.stderr
        want = f"gan-pipeline: error: --workdir {workdir} is in use by another gan-pipeline process; "
        assert our_lines(out.stderr) == [want + "wait for it to finish or pass another --workdir"]
        assert os.listdir(workdir) == []
    cli.run_stages(["ingest"], tiny(), str(workdir))  # released: the next process runs
    assert os.listdir(workdir) == ["ingest"]


def test_a_workdir_that_cannot_be_locked_runs_unlocked_with_a_warning(tmp_path, monkeypatch, capsys):
    import errno
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    cli.run_stages(["ingest"], tiny(), str(tmp_path))
    assert (
        f"cannot lock --workdir {tmp_path} (No locks available); running unlocked" in capsys.readouterr().err
    )
    assert os.listdir(tmp_path) == ["ingest"]


def test_serving_input_of_the_wrong_shape_or_dtype(tmp_path):
    config = tiny(steps=20)
    cli.run_stages(list(cli.STAGES), config, str(tmp_path))
    serve = tf.saved_model.load(str(tmp_path / "export" / "1")).signatures["serving_default"]
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=rf"is not compatible with expected shape \[\?,{LATENT}\]"
    ):
        serve(z=tf.zeros([2, LATENT + 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor but is a int32"):
        serve(z=tf.zeros([2, LATENT], tf.int32))


def test_remote_workdir_url_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(cli.PipelineError, match="remote URLs are not supported"):
        cli.run_stages(["ingest"], tiny(), "gs://bucket/runs/x")
    assert os.listdir(tmp_path) == []  # no local "gs:" directory made
