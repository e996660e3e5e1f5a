"""Defaults shared by every config; each configs/<name>.py starts from `base()` and changes a few fields."""

from ml_collections import ConfigDict


def base():
    c = ConfigDict()
    c.seed = 0

    c.data = ConfigDict()
    c.data.source = "mixture"  # mixture | digits | stacked_digits | tfds | image_folder
    c.data.name = "grid25"  # mixture name (ring8 | grid25)
    c.data.num_examples = 100_000  # mixtures / stacked digits: how many to draw
    c.data.image_size = 0  # images: resize to this many pixels (0 = keep)
    c.data.channels = 0  # images: 1 or 3 (0 = keep)
    c.data.tfds_name = ""
    c.data.data_dir = ""  # TFDS data_dir holding the prepared dataset
    c.data.split = "train"
    c.data.path = ""  # image_folder: a folder of .png / .jpg files
    c.data.shards = 4

    c.model = ConfigDict()
    c.model.arch = "mlp"  # mlp | dcgan
    c.model.latent_dim = 2
    c.model.hidden = 256  # mlp width
    c.model.d_hidden = 0  # mlp discriminator width (0 = model.hidden)
    c.model.g_depth = 3
    c.model.d_depth = 2
    c.model.d_maxout = 0  # mlp discriminator: maxout units of this many pieces (0 = LeakyReLU)
    c.model.g_batch_norm = False  # mlp generator: batch norm after each hidden layer
    c.model.width = 32  # dcgan base filters
    c.model.d_width = 0  # dcgan only: the discriminator's base filters (0 = model.width)
    c.model.g_upsample = "transpose"  # dcgan only, G: transpose (4x4, stride 2) | nearest (resize + 3x3)
    c.model.g_native_size = 0  # dcgan only: G draws at this size, resized bilinearly to the data's (0 = off)
    c.model.spectral_norm = False

    c.gan = ConfigDict()
    c.gan.loss = "non_saturating"  # minimax | non_saturating | wgan | wgan_gp | hinge | least_squares
    c.gan.n_critic = 1
    c.gan.label_smoothing = 0.0  # minimax / non_saturating only
    c.gan.clip_value = 0.01  # wgan only
    c.gan.gp_weight = 10.0  # wgan_gp only
    c.gan.r1_weight = 0.0
    c.gan.conditional = "none"  # none | projection | acgan: G(z, label); a projection D or AC-GAN's
    c.gan.pack = 1  # PacGAN: D judges this many samples at once (all real or all fake)
    c.gan.top_k_nu = 0.0  # top-k G updates: floor of k as a fraction of the batch (0 = off)
    c.gan.top_k_gamma = 0.99  # k <- gamma k ...
    c.gan.top_k_every = 1000  # ... every this many steps

    c.train = ConfigDict()
    c.train.steps = 5000
    c.train.batch_size = 256  # global batch, split over the replicas
    c.train.d_lr = 2e-4
    c.train.g_lr = 2e-4
    c.train.beta_1 = 0.5
    c.train.beta_2 = 0.999
    c.train.lr_schedule = "constant"  # constant | linear (decays to 0 at train.steps)
    c.train.log_every = 100  # steps per progress bar / TensorBoard point
    c.train.checkpoint_every = 1000  # multiple of log_every
    c.train.sample_every = 1000  # multiple of log_every
    c.train.shuffle_buffer = 10_000
    c.train.cache_bytes = 2 * 1024**3  # keep the parsed data in memory when it is at most this big
    c.train.steps_per_execution = 1  # steps per tf.function call (must divide log_every)
    c.train.precision = "float32"  # float32 | mixed_bfloat16 | mixed_float16 (+ loss scaling)
    c.train.jit_compile = False  # XLA-compile the train step (one_device, or GPUs)
    c.train.ema_decay = 0.0  # generator weight average for evaluation and export (0 = off; 0.999 typical)
    c.train.augment = "none"  # none | diffaugment: the same differentiable augmentation before every D call
    c.train.augment_policy = "color,translation,cutout"  # diffaugment: a comma list of these
    c.train.on_nan = "stop"  # a NaN/Inf loss: stop (exit 1, last checkpoint kept) | restore (publish it)

    c.distribution = ConfigDict()
    c.distribution.strategy = "one_device"  # one_device | mirrored | multi_worker_mirrored (TF_CONFIG) | tpu
    c.distribution.num_devices = 1  # per process: GPUs, or logical CPUs for mirrored without a GPU

    c.eval = ConfigDict()
    c.eval.num_samples = 2500
    c.eval.batch_size = 500
    c.eval.features = "none"  # none (images: sliced Wasserstein distance) | digits_classifier | inception_v3
    c.eval.inception_weights = ""  # local .h5/.weights.h5 file for inception_v3
    c.eval.classifier_dir = ""  # digits_classifier: cache it here, shared by runs ("" = in the workdir)
    c.eval.classifier_seed = 0  # digits_classifier: its split and initialisation, the same for every run
    c.eval.max_kept = 5000  # features kept for KID / precision-recall (FID streams all samples)
    c.eval.kid_subsets = 100
    c.eval.kid_subset_size = 1000
    c.eval.thresholds = ConfigDict({"modes": 0.0})  # metric -> bound; BLESSED when all hold
    c.eval.lower_is_better = ("reverse_kl", "fid", "kid", "fid_classifier", "class_kl", "intra_fid", "swd")

    c.export = ConfigDict()
    c.export.clip = True  # images: clip served samples to the pixel range
    c.export.refine = "none"  # discriminator-guided sampling served and evaluated: none | latent | drs
    c.export.latent_steps = 30  # latent: ascent steps on D(G(z)) - ||z||^2/2 ...
    c.export.latent_step_size = 0.003  # ... of this size (0.01 overshoots: bench/refine_scan.md)
    c.export.drs_gamma = "percentile"  # drs: percentile (Azadi et al.) | zero (accept w.p. exp(D~ - D~_M))
    c.export.drs_percentile = 95.0  # drs, gamma "percentile": gamma = this percentile of F over the pilot
    c.export.drs_pilot = 10_000  # drs: generated samples that calibrate D~_M and gamma
    return c


def images():
    """`base()` set up for images: DCGAN, non-saturating loss, batch 64, digits-classifier-free eval."""
    c = base()
    c.model.arch = "dcgan"
    c.model.latent_dim = 64
    c.model.width = 32
    c.gan.loss = "non_saturating"
    c.train.batch_size = 64
    c.train.checkpoint_every = 1000
    c.train.sample_every = 1000
    c.eval.num_samples = 5000
    c.eval.thresholds = {}
    return c
