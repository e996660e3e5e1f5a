"""Tiny configs and a CLI runner for the pipeline tests."""

import os
import subprocess
import sys

from configs import grid25

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


LATENT = 3  # differs from the data's 2 dimensions, so a mix-up cannot pass


def tiny(config=None, steps=40, **overrides):
    """A config that trains in seconds: small nets, few steps, small data."""
    c = config or grid25.get_config()
    c.data.name = "ring8"
    c.data.num_examples = 2000
    c.model.hidden = 32
    c.model.d_hidden = 0  # = hidden (grid25's D keeps its maxout pieces)
    c.model.g_depth, c.model.d_depth = 3, 2
    c.model.latent_dim = LATENT
    c.export.refine = "none"
    c.train.steps = steps
    c.train.batch_size = 64
    c.train.log_every = 20
    c.train.steps_per_execution = 1
    c.train.checkpoint_every = 20
    c.train.sample_every = 20
    c.eval.num_samples = 500
    c.eval.batch_size = 250
    c.eval.thresholds = {"modes": 0}
    for dotted, value in overrides.items():
        section, field = dotted.split("__")
        c[section][field] = value
    return c


TINY_FLAGS = [
    "--config.data.name=ring8",
    "--config.data.num_examples=2000",
    "--config.model.hidden=32",
    "--config.model.d_hidden=0",
    "--config.model.g_depth=3",
    "--config.model.d_depth=2",
    "--config.export.refine=none",
    f"--config.model.latent_dim={LATENT}",
    "--config.train.batch_size=64",
    "--config.train.log_every=20",
    "--config.train.steps_per_execution=1",
    "--config.train.checkpoint_every=20",
    "--config.train.sample_every=20",
    "--config.eval.num_samples=500",
    "--config.eval.batch_size=250",
    "--config.eval.thresholds.modes=0",
    "--config.eval.thresholds.high_quality=0",
]


ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ROOT}


def command(module, workdir, *args, steps=40, config="configs/grid25.py"):
    """`python -m <module>` on a tiny grid25-based config, as an argv list."""
    return [
        sys.executable,
        "-m",
        module,
        f"--config={config}",
        f"--workdir={workdir}",
        *TINY_FLAGS,
        f"--config.train.steps={steps}",
        *args,
    ]


def cli(module, workdir, *args, steps=40, config="configs/grid25.py", check=False, **kwargs):
    """Run `command(...)`; returns the CompletedProcess (raises on failure with check=True)."""
    cmd = command(module, workdir, *args, steps=steps, config=config)
    result = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, **kwargs)
    if check and result.returncode:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result
