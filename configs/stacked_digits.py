"""Stacked digits: three random 8x8 digits as RGB channels (1000 modes), the offline analogue of
PacGAN's Stacked MNIST, at 16 px with a 32-filter DCGAN whose D judges pairs (PacDCGAN2,
gan.pack=2), R1 1.0 on D (Mescheder et al. 2018) and a learning rate decaying linearly to 0 over
15 000 steps. Modes are counted by the digits classifier per channel.

Measured (BENCHMARKS.md, rows stacked_digits_*, 26 000 samples, 3 seeds): 1000.0 +- 0.0 modes, class
KL 0.154 +- 0.042 and FID 16.69 +- 1.12 in 554 s per run (goal KL 0.10; real digits score 0.034 at
this count). Training longer moved it most: 10 000 steps (row steps10k_r1) 999.3 / 0.204 +- 0.058,
FID 21.02, in 395 s; the KL is lower on every seed at 15 000 (0.111, 0.211, 0.139 against 0.136,
0.277, 0.199). 20 000 steps in bfloat16 (row steps20k_bf16): 0.139 +- 0.036, FID 14.30, lower
again on every seed (0.103, 0.188, 0.127), but 584 s on seed 0 (which ran alone), too near the 10
minutes. Options on the 10 000-step recipe, seed 0 (KL 0.136, FID 20.7, 370 s): bfloat16 (row
bfloat16) 0.143 / 21.7 in 319 s, EMA 0.135 / 20.9, top-k G updates 0.131 / 21.3, R1 5.0 (3 seeds)
0.190 against 0.204; DiffAugment (per sample of a pair) hurt, 0.296 / 43.6, translation alone 0.279 / 26.8.
Before R1 (row steps5k: 5 000 steps, as 10 000 let D overfit the 1797 digits, 967 / 0.546 on seed
0): 995.3 +- 3.3 / 0.271 +- 0.070, FID 34.15. The older recipe (no packing, constant rate) reached
927.0 +- 27.6 modes and KL 0.719; packing alone 983.3 / 0.460. On the 5 000-step recipe: R1 0.1
lowered FID (30.4) but not KL; EMA with DRS, 3 seeds: 0.270; on seed 0 (KL 0.205) nothing else
reached 0.18: DRS, latent refinement, batch 128, pack 4, 3 000 steps, width 64, a 64-filter G or D
alone (model.d_width), resize-convolution G (model.g_upsample=nearest), a 128-d latent, 200 000
triples, label smoothing, the hinge loss, SN, EMA and D's rate halved gave 0.19-0.28; two D steps
per G step 0.44, the digits' own 8 px 0.37.
The KL is a skew (bench/stacked_classes.md): every run makes some digits too rarely (0 and 7 most
often) and others too often (3 and 9), while the real triples hold each digit 10 %. metrics.json
splits it into the channels' digit KLs and their total correlation (real digits: 0.018 + 0.019).

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
    c.train.steps = 15_000  # KL 0.154 against 0.204 at 10 000 (seeds 0-2); R1 lets D train this long
    c.gan.r1_weight = 1.0  # 10 000 steps: KL 0.204 against 0.271 (5 000 steps, no R1), FID 21.0 against 34.2
    c.train.lr_schedule = "linear"  # as digits_dcgan.py's
    c.train.d_lr = 2e-4  # G's (digits_dcgan.py halves D's; at 5 000 steps, row d_lr1e-4: 996 / 0.225)
    c.gan.pack = 2
    c.model.width = 32  # as measured; digits_dcgan.py now has 64
    c.train.shuffle_buffer = 10_000
    c.eval.num_samples = 5000
    c.eval.thresholds = {"modes": 500}
    return c
