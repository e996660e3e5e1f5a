"""PacGAN's ring-8: 8 Gaussians on the unit circle (sigma 0.01). A 4x400 MLP generator and PacGAN's
discriminator (3 maxout layers of 200 units x 5 pieces) that judges pairs of samples
(PacGAN2, gan.pack=2), non-saturating loss, batch 512, 6 000 steps with a linearly decaying learning
rate, and latent refinement (export.refine=latent) in the exported model.

Measured results: BENCHMARKS.md (`python -m bench.quality`, rows ring8_*). Packing is what moved
ring-8 most in this project's runs: the same recipe without it (with the LeakyReLU D) collapsed (0 of
8 modes on seed 0), and the former hinge + SN 256-wide pair covered all 8 modes on 2 of 10 seeds.
With a 3 x 400 LeakyReLU D instead of maxout (row ring8_leakyrelu_d) one seed of 10 covered 7 modes.

    python -m pipeline.run --config=configs/ring8.py --workdir=runs/ring8
"""

from configs.common import base


def get_config():
    c = base()
    c.data.name = "ring8"
    c.model.latent_dim = 2
    c.model.hidden = 400
    c.model.g_depth = 4
    c.model.d_depth = 3
    c.model.d_maxout = 5  # PacGAN's D (3 x 400 LeakyReLU: 7 modes on 1 of 10 seeds)
    c.model.d_hidden = 200
    c.gan.loss = "non_saturating"
    c.gan.pack = 2
    c.train.steps = 6000
    c.train.batch_size = 512
    c.train.d_lr = 2e-4
    c.train.g_lr = 2e-4
    c.train.lr_schedule = "linear"
    c.train.steps_per_execution = 50
    c.train.log_every = 500
    c.train.checkpoint_every = 1000
    c.train.sample_every = 2000
    c.export.refine = "latent"  # z <- z + 0.003 grad[D(G(z)) - |z|^2/2], 30 steps, inside serving_default
    c.eval.thresholds = {"modes": 7, "high_quality": 0.5}
    return c
