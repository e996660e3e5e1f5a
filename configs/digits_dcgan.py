"""scikit-learn's bundled 8x8 digits (1797 images) upsampled to 16 px, DCGAN, non-saturating loss,
scored with the digits classifier (FID/KID/precision-recall in its feature space, IS, modes, class KL).
The learning rate decays linearly to 0 (rows digits_default / digits_constant in BENCHMARKS.md).

    python -m pipeline.run --config=configs/digits_dcgan.py --workdir=runs/digits
    # native 8 px: --config.data.image_size=8; 32 px: --config.data.image_size=32
"""

from configs.common import images


def get_config():
    c = images()
    c.data.source = "digits"
    c.data.image_size = 16
    c.data.shards = 2
    c.model.latent_dim = 32
    c.train.steps = 3000
    c.train.lr_schedule = "linear"  # FID 4.91 against the constant rate's 6.38 (5 seeds, BENCHMARKS.md)
    c.train.checkpoint_every = 500
    c.train.sample_every = 500
    c.train.shuffle_buffer = 2000
    c.eval.num_samples = 2000
    c.eval.features = "digits_classifier"
    c.eval.thresholds = {"modes": 10}
    return c
