"""The 25-Gaussian grid (PacGAN's grid-25), MLP pair, least-squares loss. `make run` default.

Measured on 2 cores (6000 steps, about 100 s): LSGAN covers 25/25 modes (reverse KL 0.10) where the
non-saturating and hinge+SN losses collapsed to 2-3 modes with the same networks and budget.

    python -m pipeline.run --config=configs/grid25.py --workdir=runs/grid25
"""

from configs.common import base


def get_config():
    c = base()
    c.data.name = "grid25"
    c.model.latent_dim = 8
    c.gan.loss = "least_squares"
    c.train.steps = 6000
    c.train.batch_size = 256
    c.train.d_lr = 1e-4
    c.train.g_lr = 1e-4
    c.train.checkpoint_every = 1000
    c.train.sample_every = 2000
    c.eval.thresholds = {"modes": 23, "high_quality": 0.5}
    return c
