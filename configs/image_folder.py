"""A folder of your own images (.png/.jpg/.bmp/.gif, searched recursively), resized to 32 px RGB,
DCGAN with spectral norm and the hinge loss.

    python -m pipeline.run --config=configs/image_folder.py --workdir=runs/faces \
        --config.data.path=/data/faces [--config.data.image_size=64]
"""

from configs.common import images


def get_config():
    c = images()
    c.data.source = "image_folder"
    c.data.image_size = 32
    c.data.channels = 3
    c.model.latent_dim = 128
    c.model.spectral_norm = True
    c.gan.loss = "hinge"
    c.train.steps = 20_000
    return c
