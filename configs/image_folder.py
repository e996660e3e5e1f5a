"""A folder of your own images (.png/.jpg/.bmp/.gif, searched recursively), resized to 32 px RGB,
DCGAN with spectral norm and the hinge loss.

    python -m pipeline.run --config=configs/image_folder.py --workdir=runs/faces \
        --config.data.path=/data/faces [--config.data.image_size=64]
"""

from configs.common import base


def get_config():
    c = base()
    c.data.source = "image_folder"
    c.data.image_size = 32
    c.data.channels = 3
    c.model.arch = "dcgan"
    c.model.latent_dim = 128
    c.model.width = 32
    c.model.spectral_norm = True
    c.gan.loss = "hinge"
    c.train.steps = 20_000
    c.train.batch_size = 64
    c.train.checkpoint_every = 1000
    c.train.sample_every = 1000
    c.eval.num_samples = 5000
    c.eval.thresholds = {}
    return c
