"""scikit-learn's digits (16 px), conditional on the digit: G(z, label) with a label embedding, a
projection discriminator with spectral norm, hinge loss (Miyato & Koyama 2018). Scored by the digits
classifier, plus conditional_accuracy: how often it reads the requested digit in a sample.

    python -m pipeline.run --config=configs/digits_conditional.py --workdir=runs/digits_conditional
    python -m pipeline.sample --export=runs/digits_conditional/export --num=80 --out=digits_by_class.png
"""

from configs import digits_dcgan


def get_config():
    c = digits_dcgan.get_config()
    c.gan.conditional = "projection"
    c.gan.loss = "hinge"
    c.model.spectral_norm = True
    c.model.width = 32  # as measured; digits_dcgan.py now has 64
    c.train.lr_schedule = "constant"  # as measured (row digits_conditional); digits_dcgan.py now decays
    c.train.d_lr = 2e-4  # as measured; digits_dcgan.py's D now learns at half G's rate
    c.eval.thresholds = {"modes": 10, "conditional_accuracy": 0.9}
    return c
