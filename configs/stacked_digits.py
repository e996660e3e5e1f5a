"""Stacked digits: three random 8x8 digits as RGB channels (1000 modes), the offline analogue of
PacGAN's Stacked MNIST, at 16 px with a DCGAN. Modes are counted by the digits classifier per channel.

    python -m pipeline.run --config=configs/stacked_digits.py --workdir=runs/stacked
    # conditional on the 1000 classes (G(z, label), projection D; conditional_accuracy, intra_fid):
    python -m pipeline.run --config=configs/stacked_digits.py --workdir=runs/stacked_conditional \
        --config.gan.conditional=projection
"""

from configs import digits_dcgan


def get_config():
    c = digits_dcgan.get_config()
    c.data.source = "stacked_digits"
    c.data.num_examples = 50_000
    c.data.shards = 4
    c.model.latent_dim = 64
    c.train.steps = 5000
    c.train.shuffle_buffer = 10_000
    c.eval.num_samples = 5000
    c.eval.thresholds = {"modes": 500}
    return c
