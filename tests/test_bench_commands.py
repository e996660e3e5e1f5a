"""The bench's commands from the command line: bad flags answered in one line, without TensorFlow."""

import os
import subprocess
import sys

import pytest

from bench import quality


@pytest.mark.parametrize(
    "module,flag,message",
    [
        ("bench.refine_scan", "--settings=10xnan", "refine_scan: --settings: '10xnan' needs steps >= 1"),
        ("bench.quality", "--rows=no_such_row", "bench: unknown rows ['no_such_row']"),
        ("bench.quality", "--run_seeds=1,x", "bench: --run_seeds must be integers, got 1,x"),
        ("bench.quality", "--run_seeds=-1", "bench: --run_seeds must lie in 0.."),
        ("bench.run_time", "--recipes=no_such_recipe", "run_time: unknown recipes ['no_such_recipe']"),
        ("bench.stacked_classes", "--rows=grid25_default", "stacked_classes: not stacked_digits rows"),
        ("bench.stacked_classes", "--seeds=0,x", "stacked_classes: --seeds must be integers"),
        ("bench.stacked_classifiers", "--classifiers=0,x", "stacked_classifiers: --classifiers must be"),
    ],
)
def test_bench_commands_refuse_bad_flags_in_one_line(module, flag, message, tmp_path):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": quality.ROOT}
    out = subprocess.run(
        [sys.executable, "-m", module, flag, f"--runs_dir={tmp_path}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode != 0
    lines = [
        line
        for line in out.stderr.splitlines()
        if line and not line.startswith(("I0000", "W0000", "E0000", "WARNING: All"))
    ]
    assert lines == [lines[-1]] and lines[-1].startswith(message), out.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_bench_commands_start_without_tensorflow():
    """The commands that read bench runs answer a bad flag at once: TensorFlow loads only when they
    read or train a model."""
    modules = "quality", "run_time", "refine_scan", "stacked_classes", "stacked_classifiers"
    code = f"import sys, {', '.join('bench.' + m for m in modules)}; print('tensorflow' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=quality.ROOT
    )
    assert out.stdout.split() == ["False"]


def test_every_bench_module_imports_beside_the_others():
    """Their absl flags share one namespace: a flag name defined twice fails at import."""
    import importlib
    import pathlib

    for path in sorted(pathlib.Path(quality.ROOT, "bench").glob("*.py")):
        importlib.import_module(f"bench.{path.stem}")
