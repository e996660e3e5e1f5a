"""The sample-quality benchmark's rows: name -> (BENCHMARKS.md group, config file, overrides, seeds).
bench/quality.py runs them; a record whose config differs from its row's current definition is stale."""

LOSSES = ("minimax", "non_saturating", "wgan", "wgan_gp", "hinge", "least_squares")
WGAN = ["--config.gan.n_critic=5", "--config.train.beta_2=0.9"]
# The 2D discriminator before PacGAN's maxout D (3 x 200 units x 5 pieces) became grid-25's (now
# narrowed to 128) and ring-8's: LeakyReLU(0.2) units, model.hidden wide. The rows that carry it were
# trained with it.
LEAKY_D = ["--config.model.d_maxout=0", "--config.model.d_hidden=0"]
# gan-tf 0.2's ring-8 recipe (hinge + SN, the 256-wide 3/2 pair, batch 256, Adam 1e-4, 6 000 steps),
# kept with its option rows: the evidence that moved ring-8 to the packed 400-wide recipe.
FORMER_RING8 = [
    *LEAKY_D,
    "--config.model.hidden=256",
    "--config.model.g_depth=3",
    "--config.model.d_depth=2",
    "--config.model.spectral_norm=true",
    "--config.gan.loss=hinge",
    "--config.gan.pack=1",
    "--config.train.batch_size=256",
    "--config.train.d_lr=1e-4",
    "--config.train.g_lr=1e-4",
    "--config.train.lr_schedule=constant",
    "--config.train.log_every=100",
    "--config.export.refine=none",
]

# Latent refinements the 2D rows were exported with: common.py's 30 x 0.003, and 20 x 0.01 before it.
REFINE30 = ["--config.export.latent_steps=30", "--config.export.latent_step_size=0.003"]
REFINE_COARSE = ["--config.export.latent_steps=20", "--config.export.latent_step_size=0.01"]
# grid-25's recipe before the default moved to batch 256 with a 128 x 5 maxout D, refined 10 x 0.005 (for
# make run's 5 minutes): batch 512, PacGAN's 200 x 5 maxout D, refined 30 x 0.003. The rows that carry it
# were trained (and refined) with it.
BATCH512 = ["--config.train.batch_size=512", "--config.model.d_hidden=200", *REFINE30]
# stacked_digits.py's generator before it drew 8 px (16 px, 32 filters; D as wide): the rows of the
# two loops below ran it, less the fields a row sets itself (the native8 rows draw 8 px)
G16 = ["--config.model.g_native_size=0", "--config.model.width=32", "--config.model.d_width=0"]
# ... and its learning rates before they doubled to 4e-4
LR2E4 = ["--config.train.g_lr=2e-4", "--config.train.d_lr=2e-4"]
# stacked_digits.py before R1 1.0 and longer training: the recipe the older stacked option rows ran
STEPS5K = ["--config.train.steps=5000", "--config.gan.r1_weight=0.0", *G16, *LR2E4]
# ... and with R1 1.0, before 15 000 steps: the recipe of the rows on R1 (r1_5, diffaugment, ...)
STEPS10K = ["--config.train.steps=10000", *G16, *LR2E4]
FORMER_GRID25 = [*LEAKY_D, "--config.train.d_lr=2e-4"]  # and D's rate equal to G's
STACKED = "configs/stacked_digits.py"


LOSS_GROUP = "loss variants on the shipped recipe (non-saturating: the shipped defaults above)"
OPTION_GROUP = (
    "options, each alone on the shipped recipe without them (packing + latent refinement together is "
    "the shipped default)"
)


def on_recipe(recipe, extra):
    """The overrides of `recipe` less the fields `extra` sets itself, then `extra`."""
    own = {e.split("=")[0] for e in extra}
    return [o for o in recipe if o.split("=")[0] not in own] + list(extra)


def rows():
    """name -> (group, config file, overrides, seeds)."""
    rows = {}
    for data in ("grid25", "ring8"):
        config = f"configs/{data}.py"
        rows[f"{data}_default"] = ("shipped defaults", config, [], 10)
        for loss in LOSSES:
            if loss == "non_saturating":  # the shipped recipe's own loss: that is {data}_default
                continue
            extra = WGAN if loss.startswith("wgan") else []
            rows[f"{data}_{loss}"] = (LOSS_GROUP, config, [f"--config.gan.loss={loss}", *extra], 3)
        rows[f"{data}_hinge_sn"] = (
            LOSS_GROUP,
            config,
            ["--config.gan.loss=hinge", "--config.model.spectral_norm=true"],
            3,
        )
        none = ["--config.train.ema_decay=0", "--config.export.refine=none", "--config.gan.pack=1"]
        options = {
            "plain": [],
            "ema": ["--config.train.ema_decay=0.999"],
            "pack2": ["--config.gan.pack=2"],
            "topk": ["--config.gan.top_k_nu=0.5", "--config.gan.top_k_every=200"],
            "latent": ["--config.export.refine=latent"],
            "drs": ["--config.export.refine=drs"],
            # gamma 0 (exp(D~ - D~_M)): the 95th percentile put most ring-8 samples in one mode
            "drs_zero": ["--config.export.refine=drs", "--config.export.drs_gamma=zero"],
        }
        for option, extra in options.items():
            rows[f"{data}_{option}"] = (OPTION_GROUP, config, on_recipe(none, extra), 3)
        # Packing + latent refinement together (no EMA, no top-k) is {data}_default.
    former = "ring8: the former default (hinge + SN, 256 wide) and options on it"
    rows["ring8_former_default"] = (former, "configs/ring8.py", FORMER_RING8, 10)
    for option in ("ema", "pack2", "topk", "latent", "pack2_latent"):
        extra = {"pack2_latent": options["pack2"] + options["latent"]}.get(option) or options[option]
        rows[f"ring8_former_{option}"] = (former, "configs/ring8.py", FORMER_RING8 + extra, 3)
    for data in ("grid25", "ring8"):
        pin = BATCH512 if data == "grid25" else []  # the recipe these grid-25 runs were trained on
        rows[f"{data}_leakyrelu_d"] = (
            f"{data}: the former LeakyReLU discriminator (3 x 400) instead of maxout",
            f"configs/{data}.py",
            [*pin, *LEAKY_D],
            10,
        )
        rows[f"{data}_refine_coarse"] = (  # the trained runs of {data}_leakyrelu_d, refined
            "latent refinement: the former step (20 x 0.01) on the LeakyReLU-D runs",
            f"configs/{data}.py",
            [*pin, *LEAKY_D, *REFINE_COARSE],
            10,
        )
    rows["grid25_batch512"] = (
        "grid25: the former default (batch 512, a 200 x 5 maxout D, refined 30 x 0.003)",
        "configs/grid25.py",
        BATCH512,
        10,
    )
    # make run's 5 minutes: the default's training (batch 256, a 128 x 5 maxout D) and changes to it
    fast = "grid25: the default's training (batch 256, a 128 x 5 maxout D) and changes to it"
    rows["grid25_refine30"] = (fast, "configs/grid25.py", REFINE30, 10)  # with the former step 30 x 0.003
    rows["grid25_refine30_ema"] = (  # stopped after seed 2 (96.4 % in grid25_refine30): EMA lowered its HQ
        fast,
        "configs/grid25.py",
        [*REFINE30, "--config.train.ema_decay=0.999"],
        3,
    )
    rows["grid25_steps16k"] = (fast, "configs/grid25.py", [*REFINE30, "--config.train.steps=16000"], 10)
    rows["grid25_d160"] = (fast, "configs/grid25.py", ["--config.model.d_hidden=160"], 10)  # stopped: seed 6
    rows["grid25_batch256"] = (  # stopped after seeds 2 and 6 (6: 11 modes); a full sweep runs the rest
        fast,
        "configs/grid25.py",
        ["--config.model.d_hidden=200", *REFINE30],
        10,
    )
    rows["grid25_steps8k"] = (  # make run's time: its goal is 5 min on 2 cores
        "grid25: a shorter schedule",
        "configs/grid25.py",
        [*BATCH512, *LEAKY_D, "--config.train.steps=8000"],
        3,
    )
    rows["grid25_former_latent"] = (  # the unpacked former default, refined with the former step
        "grid25: the former default (D's rate equal to G's)",
        "configs/grid25.py",
        [*BATCH512, *FORMER_GRID25, *REFINE_COARSE] + none + options["latent"],
        3,
    )
    rows["grid25_former_default"] = (  # exported with the refinement of its time, 20 x 0.01
        "grid25: the former default (D's rate equal to G's)",
        "configs/grid25.py",
        [
            *BATCH512,
            *FORMER_GRID25,
            *REFINE_COARSE,
        ],
        6,
    )
    stacked = ["--config.eval.num_samples=26000", "--config.eval.thresholds.modes=0"]  # PacGAN's count
    # The shipped stacked recipe packs pairs with rates of 4e-4 decaying linearly over 20 000 steps, R1
    # 1.0 holding D, its G drawing 8 px (row default; lr2e-4 at the rates before). The rows of the first
    # loop ran the 16 px G of 32 filters at 2e-4 for 10 000 steps (STEPS10K, less the fields a row sets
    # itself; row steps10k_r1), those of the second the 5 000 steps without R1 before that (STEPS5K; row
    # steps5k) and change it (former_default and ema start from the older no-packing, constant-rate
    # recipe, pack2 and pack2_ema from its constant rate).
    rows["stacked_digits_default"] = ("images", STACKED, stacked, 10)  # the goal counts 10 seeds
    rows["stacked_digits_lr2e-4"] = ("images", STACKED, [*stacked, *LR2E4], 3)  # the default until 4e-4
    rows["stacked_digits_lr6e-4"] = (  # higher still: seeds 0 and 1 better, 2 worse
        "images",
        STACKED,
        [*stacked, "--config.train.g_lr=6e-4", "--config.train.d_lr=6e-4"],
        3,
    )
    rows["stacked_digits_lr5e-4"] = (  # between them: seed 1 worse again (0.111)
        "images",
        STACKED,
        [*stacked, "--config.train.g_lr=5e-4", "--config.train.d_lr=5e-4"],
        3,
    )
    # 24 000 steps: seeds 0 and 2 far lower, seed 1 higher, seed 0 over the 10 minutes
    rows["stacked_digits_steps24k"] = ("images", STACKED, [*stacked, "--config.train.steps=24000"], 3)
    rows["stacked_digits_steps24k_bf16"] = (  # the same in bfloat16, 10 steps per call: stopped after seed 1
        "images",
        STACKED,
        [
            *stacked,
            "--config.train.steps=24000",
            "--config.train.precision=mixed_bfloat16",
            "--config.train.steps_per_execution=10",
        ],
        3,
    )
    # G's weight average on the default: stopped after seed 1 (0.065 against the default's 0.065)
    rows["stacked_digits_ema999"] = ("images", STACKED, [*stacked, "--config.train.ema_decay=0.999"], 3)
    for name, extra in {
        "steps10k_r1": [],  # the default until 15 000 steps
        "steps15k": ["--config.train.steps=15000"],  # the default until G drew 8 px
        "r1_5": ["--config.gan.r1_weight=5.0"],
        "diffaugment": ["--config.train.augment=diffaugment"],  # color, translation, cutout per sample
        "translation": ["--config.train.augment=diffaugment", "--config.train.augment_policy=translation"],
        "ema_r1": ["--config.train.ema_decay=0.999"],
        "bfloat16": ["--config.train.precision=mixed_bfloat16"],
        "steps15k_bf16": [  # 15 000 steps, bfloat16, 10 steps per call
            "--config.train.steps=15000",
            "--config.train.precision=mixed_bfloat16",
            "--config.train.steps_per_execution=10",
        ],
        "steps20k_bf16": [
            "--config.train.steps=20000",
            "--config.train.precision=mixed_bfloat16",
            "--config.train.steps_per_execution=10",
        ],
        "top_k": ["--config.gan.top_k_nu=0.5", "--config.gan.top_k_every=100"],  # k = B/2 from step 6 900
        "lr4e-4": ["--config.train.g_lr=4e-4", "--config.train.d_lr=4e-4"],
        "adam_beta1_0": ["--config.train.beta_1=0.0", "--config.train.beta_2=0.99"],  # StyleGAN2's, with R1
        "native8": ["--config.model.g_native_size=8"],  # G draws 8 px, resized like the data
        "native8_w64": [
            "--config.model.g_native_size=8",
            "--config.model.width=64",
            "--config.model.d_width=32",
        ],
        "native8_steps20k": ["--config.model.g_native_size=8", "--config.train.steps=20000"],
    }.items():
        seeds = 3 if name in ("steps10k_r1", "steps15k", "r1_5", "steps20k_bf16") else 1  # others: seed 0
        rows[f"stacked_digits_{name}"] = ("images", STACKED, [*stacked, *on_recipe(STEPS10K, extra)], seeds)
    constant, no_pack = "--config.train.lr_schedule=constant", "--config.gan.pack=1"
    for name, extra in {
        "steps5k": [],  # the default until R1 let D train twice as long
        "former_default": [no_pack, constant],  # the DCGAN alone: 927 modes
        "ema": [no_pack, constant, "--config.train.ema_decay=0.999"],
        "pack2": [constant],
        "pack2_ema": [constant, "--config.train.ema_decay=0.999"],
        "no_pack": [no_pack],
        "pack4": ["--config.gan.pack=4"],
        "spectral_norm": ["--config.model.spectral_norm=True"],
        "r1": ["--config.gan.r1_weight=0.1"],
        "steps3k": ["--config.train.steps=3000"],
        "steps10k": ["--config.train.steps=10000"],
        "latent": ["--config.export.refine=latent"],
        "drs": ["--config.export.refine=drs"],
        "width64": ["--config.model.width=64"],
        "batch128": ["--config.train.batch_size=128"],
        "d_lr1e-4": ["--config.train.d_lr=1e-4"],
        "d_lr4e-4": ["--config.train.d_lr=4e-4"],
        "default_ema": ["--config.train.ema_decay=0.999"],  # EMA helped both constant-rate recipes
        "default_ema_drs": ["--config.train.ema_decay=0.999", "--config.export.refine=drs"],  # the best two
        "d_lr1e-4_r1": ["--config.train.d_lr=1e-4", "--config.gan.r1_weight=0.1"],
        "n_critic2": ["--config.gan.n_critic=2"],  # two D steps per G step
        "g_width64": ["--config.model.width=64", "--config.model.d_width=32"],  # a wider G only
        "label_smoothing": ["--config.gan.label_smoothing=0.1"],  # D's real target 0.9 (Salimans et al.)
        "hinge": ["--config.gan.loss=hinge"],
        "triples200k": ["--config.data.num_examples=200000"],  # 4x the distinct triples D can memorise
        "nearest": ["--config.model.g_upsample=nearest"],  # resize-convolution G (grainy samples)
        "size8": ["--config.data.image_size=8"],  # the digits' own 8 px, as the classifier reads them
        "latent128": ["--config.model.latent_dim=128"],
        "d_width64": ["--config.model.d_width=64"],  # a wider D alone (G keeps 32 filters)
    }.items():
        rows[f"stacked_digits_{name}"] = ("images", STACKED, [*stacked, *on_recipe(STEPS5K, extra)], 3)
    # digits_dcgan.py: 64 base filters, the rate decaying linearly, D's half G's. The rows with `w32` ran
    # the former 32 filters; of those, the rows with `former_d` ran D's rate equal to G's, and those with
    # `constant` the former constant rate.
    w32, former_d, augment = (
        "--config.model.width=32",
        "--config.train.d_lr=2e-4",
        "--config.train.augment=diffaugment",
    )
    for name, extra, seeds in (
        ("default", [], 10),
        ("drs", ["--config.export.refine=drs"], 10),  # digits_default's trained runs, refined
        ("steps4500", ["--config.train.steps=4500"], 10),  # 1.5x the default's 3 000 steps
        ("width32", [w32], 5),  # the former default
        ("width32_drs", [w32, "--config.export.refine=drs"], 5),
        ("width32_r1", [w32, "--config.gan.r1_weight=0.1"], 5),
        ("d_lr5e-5", [w32, "--config.train.d_lr=5e-5"], 3),
        ("steps6k", [w32, "--config.train.steps=6000"], 3),
        ("batch128", [w32, "--config.train.batch_size=128"], 3),
        ("d_lr2e-4", [w32, former_d], 5),
        ("constant", [w32, former_d, constant], 5),
        ("diffaugment", [w32, former_d, constant, augment], 5),
        (
            "diffaugment_translation",
            [w32, former_d, constant, augment, "--config.train.augment_policy=translation"],
            3,
        ),
        ("mixed_bfloat16", [w32, former_d, constant, "--config.train.precision=mixed_bfloat16"], 3),
        ("pack2", [w32, former_d, "--config.gan.pack=2"], 5),
        ("ema", [w32, former_d, "--config.train.ema_decay=0.999"], 5),  # seeds 0-1 run so far
        ("r1", [w32, former_d, "--config.gan.r1_weight=0.1"], 5),
    ):
        rows[f"digits_{name}"] = ("images", "configs/digits_dcgan.py", extra, seeds)
    rows["digits_conditional"] = ("conditional", "configs/digits_conditional.py", [], 3)
    return rows


QUICK_ROWS = ("grid25_default", "ring8_default")
# rows that change only what follows training: they start from the named row's trained stages
TRAINED_BY = {
    **{f"{d}_refine_coarse": f"{d}_leakyrelu_d" for d in ("grid25", "ring8")},
    "grid25_refine30": "grid25_default",
    # the options that act after training: the plain recipe's runs, refined; packing is the default's
    # training exported without its refinement
    **{
        f"{d}_{option}": f"{d}_plain" for d in ("grid25", "ring8") for option in ("latent", "drs", "drs_zero")
    },
    **{f"{d}_pack2": f"{d}_default" for d in ("grid25", "ring8")},
}
TRAINED_BY.update({f"stacked_digits_{r}": "stacked_digits_steps5k" for r in ("latent", "drs")})
TRAINED_BY["stacked_digits_default_ema_drs"] = "stacked_digits_default_ema"
TRAINED_BY.update(digits_drs="digits_default", digits_width32_drs="digits_width32")
