"""scikit-learn's bundled 8x8 digits (1797 images) upsampled to 16 px, DCGAN, non-saturating loss.

python -m pipeline.run --config=configs/digits_dcgan.py --workdir=runs/digits
# native 8 px: --config.data.image_size=8; 32 px: --config.data.image_size=32
"""

from configs.common import base


def get_config():
    c = base()
    c.data.source = "digits"
    c.data.image_size = 16
    c.data.shards = 2
    c.model.arch = "dcgan"
    c.model.latent_dim = 32
    c.model.width = 32
    c.gan.loss = "non_saturating"
    c.train.steps = 3000
    c.train.batch_size = 64
    c.train.d_lr = 2e-4
    c.train.g_lr = 2e-4
    c.train.checkpoint_every = 500
    c.train.sample_every = 500
    c.train.shuffle_buffer = 2000
    c.eval.num_samples = 2000
    c.eval.features = "digits_classifier"
    c.eval.thresholds = {"modes": 10}
    return c
