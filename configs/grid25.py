"""The 25-Gaussian grid (PacGAN's grid-25): a 4x400 MLP generator and a 3x400 MLP discriminator that
judges pairs of samples (PacGAN2, gan.pack=2), non-saturating loss, batch 512, 12 000 steps with a
linearly decaying learning rate, and latent refinement (export.refine=latent) in the exported model.
The `make run` default.

Measured results: BENCHMARKS.md (`python -m bench.quality`, rows grid25_*): 25 of 25 modes on every
seed run, but one seed of three left most samples between modes. Capacity moved grid-25 most in this
project's runs (the former 256-wide 3/2 pair left most samples between modes); packing then took it
from 22 to 25 modes.

    python -m pipeline.run --config=configs/grid25.py --workdir=runs/grid25
"""

from configs.common import base


def get_config():
    c = base()
    c.data.name = "grid25"
    c.model.latent_dim = 2
    c.model.hidden = 400
    c.model.g_depth = 4
    c.model.d_depth = 3
    c.gan.loss = "non_saturating"
    c.train.steps = 12_000
    c.train.batch_size = 512
    c.train.d_lr = 2e-4
    c.train.g_lr = 2e-4
    c.train.lr_schedule = "linear"
    c.train.steps_per_execution = 50
    c.train.log_every = 500
    c.train.checkpoint_every = 3000
    c.train.sample_every = 3000
    c.gan.pack = 2  # PacGAN2: D judges pairs of samples
    c.export.refine = "latent"  # z <- z + 0.01 grad[D(G(z)) - |z|^2/2], 20 steps, inside serving_default
    c.eval.thresholds = {"modes": 20, "high_quality": 0.5}
    return c
