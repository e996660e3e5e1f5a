"""PacGAN's ring-8: 8 Gaussians on the unit circle (sigma 0.01), MLP pair, least-squares loss.

python -m pipeline.run --config=configs/ring8.py --workdir=runs/ring8
"""

from configs import grid25


def get_config():
    c = grid25.get_config()
    c.data.name = "ring8"
    c.eval.thresholds = {"modes": 7, "high_quality": 0.5}
    return c
