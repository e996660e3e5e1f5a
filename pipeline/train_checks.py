"""The train stage's checks of its configuration against the data, before anything is built."""

import tensorflow as tf

from gan_tf import augment, distribute, networks
from pipeline import conditioning, guided
from pipeline.artifacts import PipelineError

ON_NAN = ("stop", "restore")


def check(config, meta):
    """PipelineError naming the first train / model / gan setting that cannot run on this data (and an
    unknown export.refine or export.drs_gamma: evaluate and export would refuse it after training)."""
    t = config.train
    for name in ("steps", "batch_size", "log_every", "steps_per_execution"):
        if not isinstance(t[name], int) or t[name] < 1:
            raise PipelineError(f"train.{name} must be a positive integer, got {t[name]!r}")
    for name in ("d_lr", "g_lr"):
        if not isinstance(t[name], int | float) or not t[name] > 0:
            raise PipelineError(f"train.{name} must be positive, got {t[name]!r}")
    if t.precision not in networks.PRECISIONS:
        raise PipelineError(
            f"unknown train.precision {t.precision!r}; valid: {', '.join(networks.PRECISIONS)}"
        )
    if t.on_nan not in ON_NAN:
        raise PipelineError(f"unknown train.on_nan {t.on_nan!r}; valid: {', '.join(ON_NAN)}")
    if t.log_every % t.steps_per_execution:
        raise PipelineError(
            f"train.log_every ({t.log_every}) must be a multiple of "
            f"train.steps_per_execution ({t.steps_per_execution})"
        )
    for name in ("checkpoint_every", "sample_every"):
        if t[name] < 1 or t[name] % t.log_every:
            raise PipelineError(
                f"train.{name} ({t[name]}) must be a positive multiple of train.log_every ({t.log_every})"
            )
    replicas = check_distribution(config)
    strategy = config.distribution.strategy
    cpu_replicas = strategy in ("mirrored", "multi_worker_mirrored") and replicas > 1
    if t.jit_compile and cpu_replicas and not tf.config.list_physical_devices("GPU"):
        raise PipelineError(
            f"train.jit_compile (XLA) does not run under {strategy} over {replicas} CPU replicas "
            "(TensorFlow rejects the graph); use one replica, or GPUs"
        )
    if config.model.arch == "mlp" and len(meta["shape"]) != 1:
        raise PipelineError(f"model.arch=mlp needs vector data, got shape {meta['shape']}; use dcgan")
    if config.model.arch == "dcgan" and len(meta["shape"]) != 3:
        raise PipelineError(f"model.arch=dcgan needs images, got shape {meta['shape']}")
    if config.model.arch == "dcgan":
        height, width, channels = meta["shape"]
        if height != width or height not in networks.IMAGE_SIZES or channels not in (1, 3):
            raise PipelineError(
                f"model.arch=dcgan makes square {sorted(networks.IMAGE_SIZES)} px images with 1 or 3 "
                f"channels; the data is {height}x{width}x{channels} (set --config.data.image_size / channels)"
            )
    m = config.model
    if m.arch == "dcgan":
        for field, least in (("width", 1), ("d_width", 0), ("g_native_size", 0)):
            if not isinstance(m[field], int) or isinstance(m[field], bool) or m[field] < least:
                raise PipelineError(f"model.{field} must be an integer >= {least}; got {m[field]!r}")
        if m.g_upsample not in networks.UPSAMPLING:
            raise PipelineError(
                f"unknown model.g_upsample {m.g_upsample!r}; valid: {', '.join(networks.UPSAMPLING)}"
            )
        sizes = [s for s in sorted(networks.IMAGE_SIZES) if s <= meta["shape"][0]]
        if m.g_native_size and m.g_native_size not in sizes:
            raise PipelineError(
                f"model.g_native_size must be 0 or a DCGAN size up to the data's {meta['shape'][0]} px "
                f"({', '.join(map(str, sizes))}); got {m.g_native_size!r}"
            )
    elif m.d_width or m.g_upsample != "transpose" or m.g_native_size:
        raise PipelineError(
            "model.d_width, model.g_upsample and model.g_native_size apply to model.arch=dcgan "
            "(an mlp uses d_hidden)"
        )
    maxout = config.model.d_maxout
    if not isinstance(maxout, int) or maxout < 0 or maxout == 1 or (maxout and config.model.arch == "dcgan"):
        raise PipelineError(
            f"model.d_maxout must be 0 (off) or an integer >= 2 with model.arch=mlp; got {maxout!r}"
        )
    g = config.gan
    if g.pack < 1 or (t.batch_size // replicas) % g.pack:
        raise PipelineError(
            f"gan.pack ({g.pack}) must be >= 1 and divide each replica's batch ({t.batch_size // replicas})"
        )
    if not 0.0 <= t.ema_decay < 1.0:
        raise PipelineError(f"train.ema_decay must be in [0, 1), got {t.ema_decay}")
    conditioning.check(config, meta)
    guided.check(config)
    if t.augment not in ("none", "diffaugment"):
        raise PipelineError(f"unknown train.augment {t.augment!r}; valid: none, diffaugment")
    if t.augment == "diffaugment":
        if len(meta["shape"]) != 3:
            raise PipelineError(f"train.augment=diffaugment needs images; got shape {meta['shape']}")
        try:
            augment.parse_policy(t.augment_policy)
        except ValueError as err:
            raise PipelineError(f"train.augment_policy: {err}") from None
    if g.top_k_nu and not (0.0 < g.top_k_nu <= 1.0 and 0.0 < g.top_k_gamma <= 1.0 and g.top_k_every >= 1):
        raise PipelineError("gan.top_k_nu and gan.top_k_gamma must be in (0, 1], gan.top_k_every >= 1")
    if meta["count"] < t.batch_size * config.gan.n_critic:
        raise PipelineError(
            f"{meta['count']} examples cannot fill one step (train.batch_size {t.batch_size} x "
            f"gan.n_critic {config.gan.n_critic}); lower the batch size or add data"
        )


def check_distribution(config):
    """The replica count; PipelineError unless train.batch_size splits evenly over it."""
    t, d = config.train, config.distribution
    try:
        replicas = distribute.num_replicas(d.strategy, d.num_devices)
    except ValueError as err:
        raise PipelineError(f"distribution: {err}") from None
    if not isinstance(t.batch_size, int) or t.batch_size % replicas:
        raise PipelineError(f"train.batch_size {t.batch_size} is not divisible by {replicas} replicas")
    return replicas
