"""multi_worker_mirrored for real: worker processes on 127.0.0.1 (one TF_CONFIG each), collective
all-reduce, compared with one process on the same global batch and seed. Ports are picked free at
test time; every process is reaped, whatever happens."""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import distribute
from pipeline import cli
from pipeline.artifacts import PipelineError
from tests.pipeline_helpers import ENV, ROOT, command, tiny

SCRIPT = os.path.join(ROOT, "tests", "multi_worker_script.py")


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def tf_configs(n):
    workers = [f"127.0.0.1:{port}" for port in free_ports(n)]
    return [
        json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}) for i in range(n)
    ]


@contextlib.contextmanager
def processes(commands, env, tmp_path):
    """Start (argv, extra env) pairs; yield the Popen list; always kill and reap them."""
    procs = []
    try:
        for i, (argv, extra) in enumerate(commands):
            log = open(tmp_path / f"proc{len(procs)}-{i}-{time.monotonic_ns()}.log", "w+")
            procs.append(
                subprocess.Popen(argv, cwd=ROOT, env={**env, **extra}, stdout=log, stderr=subprocess.STDOUT)
            )
            procs[-1].log = log
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()


def finish(procs, timeout=240):
    """Wait for every process; the list of (returncode, output)."""
    deadline = time.time() + timeout
    for p in procs:
        p.wait(timeout=max(1, deadline - time.time()))
    out = []
    for p in procs:
        p.log.seek(0)
        out.append((p.returncode, p.log.read()))
    return out


def assert_far(a, b):
    assert max(np.abs(x - y).max() for x, y in zip(a, b, strict=True)) > 1e-3


def assert_close(a, b, rtol=1e-5):
    """Every weight within rtol of the largest weight of all (a bias that stays ~0 has no scale)."""
    assert [x.shape for x in a] == [y.shape for y in b]
    scale = max(np.abs(y).max() for y in b)
    assert max(np.abs(x - y).max() for x, y in zip(a, b, strict=True)) < rtol * scale


VARIANTS = ("non_saturating", "wgan", "hinge")


def test_two_workers_equal_one_process(tmp_path):
    """Sync BN, EMA, packing, WGAN's clip (merge_call) and n_critic batches, SN's power iteration:
    identical on both workers and equal to one process."""
    env = {**ENV, "TF_CONFIG": ""}
    jobs = [
        (
            [sys.executable, SCRIPT, "multi_worker_mirrored", str(tmp_path / f"w{i}"), *VARIANTS],
            {"TF_CONFIG": c},
        )
        for i, c in enumerate(tf_configs(2))
    ]
    jobs.append(([sys.executable, SCRIPT, "one_device", str(tmp_path / "single"), *VARIANTS], {}))
    with processes(jobs, env, tmp_path) as procs:
        for code, out in finish(procs):
            assert code == 0, out[-2000:]
    for variant in VARIANTS:
        w0, w1, single = (
            list(np.load(tmp_path / f"{name}-{variant}.npz").values()) for name in ("w0", "w1", "single")
        )
        initial = list(np.load(tmp_path / f"single-{variant}-initial.npz").values())
        assert_close(w0, w1, rtol=1e-7)
        assert_close(w0, single)
        assert_far(w0, initial)  # training moved the weights, so the agreement is not vacuous


def pipeline_train(workdir, steps, extra=()):
    return command("pipeline.train", workdir, *extra, steps=steps)


def generator_weights(workdir):
    return [
        w.numpy() for w in keras.models.load_model(os.path.join(workdir, "train", "generator.keras")).weights
    ]


def ingest_into(first, *others):
    """One ingest, in this process (the workers only train); its artifact directory copied to the other
    workdirs (artifacts are relocatable)."""
    cli.run_stages(["ingest"], tiny(), str(first))
    for w in others:
        shutil.copytree(first / "ingest", w / "ingest")


WORKERS = ["--config.distribution.strategy=multi_worker_mirrored"]


def test_killed_worker_resumes_from_the_chiefs_checkpoint_and_the_chief_publishes_once(tmp_path):
    """SIGKILL worker 1 after the first checkpoint; restarted, both resume from the chief's checkpoint
    and end where an uninterrupted single process does. The chief alone publishes the train artifact;
    the other worker's scratch directory is removed, the killed run's included."""
    single, multi, scratch = tmp_path / "single", tmp_path / "multi", tmp_path / "tmp"
    scratch.mkdir()
    ingest_into(single, multi)
    steps = 200
    configs = tf_configs(2)
    checkpoints = multi / "train.partial" / "checkpoints"
    with processes(
        [(pipeline_train(multi, steps, WORKERS), {"TF_CONFIG": c}) for c in configs],
        {**ENV, "TMPDIR": str(scratch)},
        tmp_path,
    ) as procs:
        deadline = time.time() + 120
        while not (checkpoints.exists() and any(f.startswith("ckpt-") for f in os.listdir(checkpoints))):
            assert time.time() < deadline and all(p.poll() is None for p in procs), "no checkpoint appeared"
            time.sleep(0.05)
        procs[1].send_signal(signal.SIGKILL)
        time.sleep(1)
        assert procs[0].poll() is None or procs[0].returncode != 0  # the chief cannot finish alone
    assert not (multi / "train").exists()

    def worker_dirs():  # (a killed process also leaves TF's autograph files in TMPDIR: not ours)
        return [name for name in os.listdir(scratch) if name.startswith("gan-tf-worker-")]

    assert worker_dirs()  # the killed worker's scratch directory is left behind, for now
    with processes(
        [(pipeline_train(multi, steps, WORKERS), {"TF_CONFIG": c}) for c in tf_configs(2)]
        + [(pipeline_train(single, steps), {})],
        {**ENV, "TMPDIR": str(scratch)},
        tmp_path,
    ) as procs:
        results = finish(procs)
    for code, out in results:
        assert code == 0, out[-2000:]
    assert "2 replica(s)" in results[0][1] and "the chief publishes" in results[1][1]
    assert sorted(os.listdir(multi)) == ["ingest", "train"]  # one set, no partial or scratch left
    assert worker_dirs() == []  # the non-chief's scratch directory, the killed run's too, was removed
    assert json.load(open(multi / "train" / "manifest.json"))["outputs"]["steps"] == steps
    for _, out in results[:2]:  # both workers resumed from the chief's checkpoint, mid-run
        resumed = re.search(r"resuming from step (\d+)", out)
        assert resumed and 0 < int(resumed.group(1)) < steps, out[-2000:]
    assert re.search(r"resuming from step (\d+)", results[0][1]).group(1) == re.search(
        r"resuming from step (\d+)", results[1][1]
    ).group(1)
    assert_close(generator_weights(multi), generator_weights(single))


BAD_CLUSTERS = {
    "no TF_CONFIG": ("", {}, "needs TF_CONFIG"),
    "not JSON": ("{cluster:", {}, "TF_CONFIG is not valid JSON"),
    "task outside the cluster": (
        json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 3}}),
        {},
        "is not a member of the cluster",
    ),
    "bad address": (
        json.dumps({"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}),
        {},
        "list of 'host:port' strings",
    ),
    "batch not divisible by the workers": (
        json.dumps({"cluster": {"worker": ["127.0.0.1:1"] * 3}, "task": {"type": "worker", "index": 0}}),
        {},
        "64 is not divisible by 3 replicas",
    ),
    "an evaluator task": (
        json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "evaluator", "index": 0}}),
        {},
        "task type must be 'chief' or 'worker'",
    ),
    "several CPU devices per worker": (
        json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 0}}),
        {"distribution__num_devices": 2},
        "one CPU per worker",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CLUSTERS))
def test_bad_cluster_is_one_clear_error(tmp_path, monkeypatch, case):
    tf_config, overrides, message = BAD_CLUSTERS[case]
    monkeypatch.setenv("TF_CONFIG", tf_config)
    config = tiny(distribution__strategy="multi_worker_mirrored", **overrides)
    with pytest.raises(PipelineError, match=message):
        cli.run_stages(["ingest", "train"], config, str(tmp_path))
    assert not os.path.exists(tmp_path / "ingest")


def test_tpu_without_a_tpu_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("TPU_NAME", raising=False)
    with pytest.raises(PipelineError, match="has no TPU and TPU_NAME is not set"):
        cli.run_stages(["ingest"], tiny(distribution__strategy="tpu"), str(tmp_path))


def test_agree_is_exact_and_names_the_disagreement():
    """The collective behind the barrier and the same-step check: equal values pass, unequal ones
    (each replica its own id) are an error, however close."""
    strategy = distribute.get_strategy("mirrored", 2)
    assert distribute.agree(strategy, 100_000) == 100_000
    with pytest.raises(ValueError, match=r"disagree: \[0.0, 1.0\]"):
        distribute.agree(strategy, lambda: tf.distribute.get_replica_context().replica_id_in_sync_group)
    with pytest.raises(ValueError, match="disagree"):
        big = 100_000
        distribute.agree(strategy, lambda: big + tf.distribute.get_replica_context().replica_id_in_sync_group)
