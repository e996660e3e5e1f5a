"""The 25-Gaussian grid (PacGAN's grid-25): a 4x400 MLP generator and PacGAN's discriminator (3 maxout
layers of 200 units x 5 pieces) that judges pairs of samples (PacGAN2, gan.pack=2), non-saturating
loss, batch 512, 12 000 steps with a linearly decaying learning rate, D's three times G's (two
time-scale, Heusel et al. 2017), and latent refinement (export.refine=latent) in the exported model.
The `make run` default.

Measured results: BENCHMARKS.md (`python -m bench.quality`, rows grid25_*). The discriminator moved
grid-25 last: with the former 3 x 400 LeakyReLU D (row grid25_leakyrelu_d) seeds 6, 7 and 9 of 10
dropped modes (11, 22, 24): in their TensorBoard curves D sat at chance early in training while G
left modes behind, then won. PacGAN's maxout D keeps learning through those steps and settles near
chance as G matches the data. Before that, D's rate: equal to G's (row grid25_former_default), two
of six seeds failed with D at chance for thousands of steps. 8 000 steps instead of 12 000 (row
grid25_steps8k, LeakyReLU D) dropped modes on 2 of 3 seeds. Half the batch with a 128 x 5 maxout D
(row grid25_fast) took 0.39 of `make run`'s time (bench/run_time.md, one round) but left HQ below
97 % on 3 of 10 seeds; a third more steps on it (row grid25_fast_16k) dropped modes on 2 of 10
seeds. Capacity and packing moved grid-25 first (the former 256-wide 3/2 pair left
most samples between modes; packing took it from 22 to 25 modes).

    python -m pipeline.run --config=configs/grid25.py --workdir=runs/grid25
"""

from configs.common import base


def get_config():
    c = base()
    c.data.name = "grid25"
    c.model.latent_dim = 2
    c.model.hidden = 400
    c.model.g_depth = 4
    c.model.d_depth = 3
    c.model.d_maxout = 5  # PacGAN's D: maxout, 5 pieces (3 x 400 LeakyReLU dropped modes on 3 of 10 seeds)
    c.model.d_hidden = 200
    c.gan.loss = "non_saturating"
    c.train.steps = 12_000
    c.train.batch_size = 512
    c.train.d_lr = 6e-4  # two time-scale: D learns 3x faster than G (with 2e-4, D sat at chance)
    c.train.g_lr = 2e-4
    c.train.lr_schedule = "linear"
    c.train.steps_per_execution = 50
    c.train.log_every = 500
    c.train.checkpoint_every = 3000
    c.train.sample_every = 3000
    c.gan.pack = 2  # PacGAN2: D judges pairs of samples
    c.export.refine = "latent"  # z <- z + 0.003 grad[D(G(z)) - |z|^2/2], 30 steps, inside serving_default
    c.eval.thresholds = {"modes": 20, "high_quality": 0.5}
    return c
