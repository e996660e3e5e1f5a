"""The README's Python example runs as written (shortened), in a fresh process."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_readme_python_example_runs():
    readme = open(os.path.join(ROOT, "README.md")).read()
    block = re.search(r"## Train a GAN from Python\n\n```python\n(.*?)```", readme, re.S).group(1)
    assert "epochs=10, steps_per_epoch=500" in block
    block = block.replace("epochs=10, steps_per_epoch=500", "epochs=1, steps_per_epoch=10, verbose=0")
    block += "\nassert samples.shape == (1000, 2) and gan.distribute_strategy.num_replicas_in_sync == 2\n"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ROOT}
    result = subprocess.run([sys.executable, "-c", block], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_readme_quality_rows_are_copied_from_benchmarks():
    readme = open(os.path.join(ROOT, "README.md")).read().splitlines()
    bench = set(open(os.path.join(ROOT, "BENCHMARKS.md")).read().splitlines())
    rows = [
        line for line in readme if line.startswith(("| grid25", "| ring8", "| stacked_digits", "| digits_"))
    ]
    assert rows and all(row in bench for row in rows)
