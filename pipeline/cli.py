"""Flags shared by every stage; errors become one line and exit status 1 (`pipeline.errors`)."""

import contextlib
import fcntl
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402
from ml_collections import config_flags  # noqa: E402

from pipeline.artifacts import PipelineError, discard_temp_dirs  # noqa: E402
from pipeline.errors import flag_error, guarded  # noqa: E402, F401 (guarded: the stages' entry points)

STAGES = ("ingest", "train", "evaluate", "export")

CONFIG = config_flags.DEFINE_config_file(
    "config",
    None,
    "A configs/<name>.py file whose get_config() holds every hyper-parameter. Override any field "
    "with --config.<section>.<field>=value, e.g. --config.train.steps=500 --config.gan.loss=wgan_gp.",
    lock_config=True,
)
WORKDIR = flags.DEFINE_string(
    "workdir", None, "Artifact root: stage S reads its inputs from and writes its outputs to DIR/S/."
)
FORCE = flags.DEFINE_bool(
    "force", False, "Re-run the stage(s) even when up to date; for export, also export an unblessed model."
)
flags.mark_flags_as_required(["config", "workdir"])


def run_stages(names, config, workdir, force=False):
    """Run the named stages in pipeline order."""
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise PipelineError(f"unknown stage(s) {', '.join(unknown)}; valid: {', '.join(STAGES)}")
    _check_workdir(workdir)  # before TensorFlow loads: a bad --workdir is answered at once
    from pipeline import evaluate, export, ingest, train

    runners = {"ingest": ingest.run, "train": train.run, "evaluate": evaluate.run, "export": export.run}
    chief = _is_chief(config)
    with _workdir_lock(workdir) if chief else contextlib.nullcontext():  # before any worker connects
        _prepare_devices(config, "train" in names)
        for name in STAGES:
            if name in names:
                if not chief and name != "train":  # the chief alone ingests, evaluates and exports
                    if name == "ingest":
                        _wait_for_ingest(config, workdir)
                    continue
                try:
                    runners[name](config, workdir, force=force)
                except BaseException:
                    discard_temp_dirs(workdir, name)
                    raise
    _summary(workdir)


def _check_workdir(workdir):
    """The artifact root must be a directory this process can write to (created if missing)."""
    if not workdir:
        raise PipelineError("--workdir is empty; pass the directory for the artifacts")
    if "://" in workdir:
        raise PipelineError(
            f"--workdir {workdir}: remote URLs are not supported; use a local or mounted shared path (NFS)"
        )
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise PipelineError(f"--workdir {workdir} is a file, not a directory; pass a directory")
    try:
        os.makedirs(workdir, exist_ok=True)
        tempfile.TemporaryFile(dir=workdir).close()
    except OSError as err:
        raise PipelineError(
            f"cannot write to --workdir {workdir} ({err.strerror or err}); pass a writable directory"
        ) from None


@contextlib.contextmanager
def _workdir_lock(workdir):
    """One pipeline process at a time per artifact root on this host (a multi-worker run's chief holds
    it for all workers). An flock on the directory itself: it leaves no file behind and is released
    when its process exits, even by kill -9. Linux's NFS client keeps a directory's flock on the host
    that took it, so it does not keep apart processes on different hosts; on a file system without
    locks the run goes on unlocked, with a warning."""
    fd = os.open(workdir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PipelineError(
                f"--workdir {workdir} is in use by another gan-pipeline process; "
                "wait for it to finish or pass another --workdir"
            ) from None
        except OSError as err:
            print(
                f"warning: cannot lock --workdir {workdir} ({err.strerror or err}); running unlocked",
                file=sys.stderr,
            )
        yield
    finally:
        os.close(fd)


def _summary(workdir):
    """Where to look, for the stages that have output."""
    places = [
        ("metrics", os.path.join(workdir, "evaluate", "metrics.json")),
        ("samples", os.path.join(workdir, "train", "samples")),
        ("tensorboard", os.path.join(workdir, "train", "tensorboard")),
        ("exported model", os.path.join(workdir, "export")),
    ]
    found = [f"  {name:<15} {path}" for name, path in places if os.path.exists(path)]
    if found:
        print("results:\n" + "\n".join(found))


def _is_chief(config):
    """Whether this process writes the artifacts (from TF_CONFIG; TF is not initialised)."""
    from gan_tf import distribute

    try:
        return distribute.is_chief(config.distribution.strategy)
    except ValueError as err:
        raise PipelineError(f"distribution: {err}") from None


def _prepare_devices(config, training):
    """Devices are fixed before TF initialises: a mirrored strategy on a CPU-only machine needs its
    logical devices, a multi-worker strategy its collectives."""
    from gan_tf import distribute

    dist = config.distribution
    try:
        gpus = distribute.check_devices(dist.strategy, dist.num_devices)
        if dist.strategy == "mirrored" and not gpus:
            distribute.split_cpu(dist.num_devices)
        if dist.strategy == "multi_worker_mirrored" and training:
            from pipeline import train_checks

            train_checks.check_distribution(config)  # before the strategy exists: it cannot be rebuilt
            distribute.get_strategy(dist.strategy, dist.num_devices)
    except ValueError as err:
        raise PipelineError(f"distribution: {err}") from None


def _wait_for_ingest(config, workdir, timeout=600):
    """A multi-worker non-chief waits (up to `timeout` s) for the chief's ingest of this config."""
    from pipeline.artifacts import Stage, read_manifest

    want = Stage("ingest", config, workdir).fingerprint
    deadline = time.time() + timeout
    print(f"ingest: waiting for the chief's output in {workdir}/ingest")
    while (read_manifest(os.path.join(workdir, "ingest")) or {}).get("fingerprint") != want:
        if time.time() > deadline:
            raise PipelineError(f"the chief did not ingest into {workdir}/ingest within {timeout} s")
        time.sleep(1)


def parse_flags(argv):
    """absl's flag parsing, with any failure (bad --config.x.y override included) as one line."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as err:
        message = str(err)
    except Exception as err:  # ml_collections raises AttributeError/TypeError for bad overrides
        text = str(err).replace("\\n", " ").replace("\\'", "").strip("'\"")
        message = " ".join(text.split())
        if "has no attribute 'get_config" in text:
            message = "the --config file has no get_config(); it must define get_config() -> ConfigDict"
    flag_error(message)


def main_for(*stage_names):
    """Entry point of `python -m pipeline.<stage>`."""
    from pipeline import errors

    errors.list_in_help(sys.modules[__name__], errors)

    def main(argv):
        if len(argv) > 1:
            raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
        guarded(lambda: run_stages(stage_names, CONFIG.value, WORKDIR.value, FORCE.value))

    app.run(main, flags_parser=parse_flags)
