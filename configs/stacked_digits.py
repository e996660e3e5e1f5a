"""Stacked digits: three random 8x8 digits as RGB channels (1000 modes), the offline analogue of
PacGAN's Stacked MNIST, at 16 px with a DCGAN whose D judges pairs (PacDCGAN2, gan.pack=2) and a
learning rate decaying linearly to 0. Modes are counted by the digits classifier per channel.

Measured (BENCHMARKS.md, rows stacked_digits_*, 26 000 samples): the decay moved it most, packing next.
The former recipe (no packing, constant rate) reached 907-966 modes with class KL 0.59-0.81; packing
alone 980-985 and 0.38-0.56; the decay alone 995 / 0.33 (seed 0); both 991-999 modes and KL
0.21-0.37, still above PacGAN's 0.06 (goal 0.10; real digits score 0.04 at this count). More steps
let D overfit the 1797 digits (10 000 steps: 967 / 0.55); EMA, SN, R1 0.1, pack 4, latent refinement
and DRS each moved seed 0 by less than the seeds differ.

    python -m pipeline.run --config=configs/stacked_digits.py --workdir=runs/stacked
    # conditional on the 1000 classes (G(z, label), projection D; conditional_accuracy, intra_fid),
    # which does not combine with packing:
    python -m pipeline.run --config=configs/stacked_digits.py --workdir=runs/stacked_conditional \
        --config.gan.conditional=projection --config.gan.pack=1
"""

from configs import digits_dcgan


def get_config():
    c = digits_dcgan.get_config()
    c.data.source = "stacked_digits"
    c.data.num_examples = 50_000
    c.data.shards = 4
    c.model.latent_dim = 64
    c.train.steps = 5000
    c.train.lr_schedule = "linear"  # as digits_dcgan.py's
    c.gan.pack = 2
    c.train.shuffle_buffer = 10_000
    c.eval.num_samples = 5000
    c.eval.thresholds = {"modes": 500}
    return c
