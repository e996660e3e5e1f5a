"""PacGAN's ring-8: 8 Gaussians on the unit circle (sigma 0.01), MLP pair, hinge loss + spectral norm.

Measured results: BENCHMARKS.md (rows ring8_*). This recipe is seed-sensitive: with gan-tf 0.1's
training noise seed 0 reached 8 / 76 % / 0.010 (modes / high-quality % / reverse KL); with 0.2's
(each noise stream keyed apart) the same seed collapses onto one point between two modes.

    python -m pipeline.run --config=configs/ring8.py --workdir=runs/ring8
"""

from configs.common import base


def get_config():
    c = base()
    c.data.name = "ring8"
    c.model.latent_dim = 2
    c.model.spectral_norm = True
    c.gan.loss = "hinge"
    c.train.steps = 6000
    c.train.batch_size = 256
    c.train.d_lr = 1e-4
    c.train.g_lr = 1e-4
    c.train.steps_per_execution = 50
    c.train.checkpoint_every = 1000
    c.train.sample_every = 2000
    c.eval.thresholds = {"modes": 7, "high_quality": 0.5}
    return c
