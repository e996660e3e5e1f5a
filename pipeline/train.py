"""Train: DIR/ingest -> DIR/train/ (checkpoints, TensorBoard logs, sample PNGs, generator.keras).

    python -m pipeline.train --config=configs/grid25.py --workdir=runs/grid25

Work in progress lives in DIR/train.partial/ (keyed by the stage fingerprint): a stopped run resumes
from its latest checkpoint, bit-identical to an uninterrupted one, and the finished run is published
to DIR/train/ in one rename.
"""

import hashlib
import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from gan_tf import data, distribute, models, networks, noise
from pipeline import conditioning, ingest, progress, samples, train_checks
from pipeline.artifacts import DISCRIMINATOR, GENERATOR, PipelineError, Stage, read_json, write_json


def run(config, workdir, force=False):
    stage = Stage("train", config, workdir)
    if not force and stage.cached():
        return stage.dir
    partial = os.path.join(workdir, "train.partial")
    chief = distribute.is_chief(config.distribution.strategy)
    if chief:
        key_file = os.path.join(partial, "key.json")
        if (
            force
            or not os.path.exists(key_file)
            or read_json(key_file).get("fingerprint") != stage.fingerprint
        ):
            shutil.rmtree(partial, ignore_errors=True)
            write_json(key_file, {"fingerprint": stage.fingerprint})
    # A multi-worker non-chief trains in step with the chief, resuming from the chief's checkpoints,
    # and writes its own (checkpoints, logs, generator) to a scratch directory that is removed.
    out_dir = partial if chief else _worker_scratch(workdir)
    try:
        final_step = run_fn(config, stage.input_dir("ingest"), out_dir, resume_dir=partial)
    finally:
        tf.config.experimental.enable_op_determinism()  # back on (an XLA run turned it off)
        if not chief:
            shutil.rmtree(out_dir, ignore_errors=True)
    if not chief:
        print(f"train: this worker is done; the chief publishes {stage.dir}")
        return None
    stage.publish(
        partial,
        outputs={
            "generator": GENERATOR,
            "discriminator": DISCRIMINATOR,
            "checkpoints": "checkpoints",
            "tensorboard": "tensorboard",
            "samples": "samples",
            "steps": final_step,
            "target_steps": config.train.steps,
        },
    )
    return stage.dir


def _worker_scratch(workdir):
    """A non-chief's scratch directory in TMPDIR, named by the user, the workdir and the task and emptied
    when the task starts: a killed worker's leftovers are cleared by its restart."""
    kind, index, _ = distribute.cluster_from_env()
    run = hashlib.sha256(os.path.abspath(workdir).encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"gan-tf-worker-{os.getuid()}-{run}-{kind}{index}")
    shutil.rmtree(path, ignore_errors=True)
    try:
        os.makedirs(path, mode=0o700)
    except FileExistsError:
        raise PipelineError(
            f"cannot clear this worker's scratch directory {path}; remove it and restart"
        ) from None
    return path


def build_networks(config, meta):
    """(generator, discriminator) in train.precision; with gan.pack = m, D takes m samples at once."""
    with networks.precision(config.train.precision):
        return _build_networks(config, meta)


def _build_networks(config, meta):
    m, pack = config.model, config.gan.pack

    def build(latent_dim, head=True):
        if m.arch == "mlp":
            data_dim = meta["shape"][0]
            generator = networks.mlp_generator(latent_dim, data_dim, m.hidden, m.g_depth, m.g_batch_norm)
            hidden = m.d_hidden or m.hidden
            d = networks.mlp_discriminator(
                data_dim * pack, hidden, m.d_depth, m.spectral_norm, head=head, maxout=m.d_maxout
            )
            return generator, d
        if m.arch == "dcgan":
            size, _, channels = meta["shape"]
            generator = networks.dcgan_generator(
                latent_dim, size, channels, m.width, upsample=m.g_upsample, native_size=m.g_native_size
            )
            d_width = m.d_width or m.width
            d = networks.dcgan_discriminator(size, channels, d_width, m.spectral_norm, head=head, pack=pack)
            return generator, d
        raise PipelineError(f"unknown model.arch {m.arch!r}; valid: mlp, dcgan")

    classes = conditioning.num_classes(config, meta)
    return conditioning.networks_for(config, classes, build) if classes else build(m.latent_dim)


def build_gan(config, generator, discriminator, num_classes=0):
    g = config.gan
    kwargs = {
        "n_critic": g.n_critic,
        "seed": config.seed,
        "r1_weight": g.r1_weight,
        "ema_decay": config.train.ema_decay,
        "pack": g.pack,
        "top_k": (g.top_k_nu, g.top_k_gamma, g.top_k_every) if g.top_k_nu else None,
        "augment": config.train.augment_policy if config.train.augment == "diffaugment" else None,
        "num_classes": num_classes,
        "auxiliary_classifier": g.conditional == "acgan",
    }
    if g.loss in ("minimax", "non_saturating"):
        kwargs["label_smoothing"] = g.label_smoothing
    if g.loss == "wgan":
        kwargs["clip_value"] = g.clip_value
    if g.loss == "wgan_gp":
        kwargs["gp_weight"] = g.gp_weight
    try:
        return models.get(g.loss)(generator, discriminator, **kwargs)
    except ValueError as err:
        raise PipelineError(f"gan.loss: {err}") from None


def _adam(t, lr, steps):
    """Adam with a constant or linearly decaying rate (a function of the optimizer's iterations,
    so a resumed run continues the schedule exactly); under mixed_float16 inside a dynamic
    loss-scale optimizer (a step whose scaled gradients are not finite is skipped, the scale halved)."""
    if t.lr_schedule == "linear":
        lr = keras.optimizers.schedules.PolynomialDecay(lr, decay_steps=steps, end_learning_rate=0.0)
    elif t.lr_schedule != "constant":
        raise PipelineError(f"unknown train.lr_schedule {t.lr_schedule!r}; valid: constant, linear")
    adam = keras.optimizers.Adam(lr, beta_1=t.beta_1, beta_2=t.beta_2)
    return keras.optimizers.LossScaleOptimizer(adam) if t.precision == "mixed_float16" else adam


def skipped_updates(gan):
    """(generator, discriminator) updates a loss-scale optimizer skipped so far (0, 0 without one)."""
    steps = int(gan.steps_done.numpy())
    return steps - int(gan.g_optimizer.iterations.numpy()), steps * gan.n_critic - int(
        gan.d_optimizer.iterations.numpy()
    )


def run_fn(config, ingest_dir, out_dir, resume_dir=None):
    """The trainer (TFX's run_fn): train to config.train.steps, resuming from the checkpoints in
    resume_dir (default out_dir), writing to out_dir; returns the step."""
    meta = ingest.dataset_info(ingest_dir)
    train_checks.check(config, meta)
    t = config.train
    distribute.set_seed(config.seed, deterministic=not t.jit_compile)  # XLA: seeded, not bit-exact
    strategy = distribute.get_strategy(config.distribution.strategy, config.distribution.num_devices)
    replicas = strategy.num_replicas_in_sync  # a TPU's core count is known only now
    if t.batch_size % replicas or (t.batch_size // replicas) % config.gan.pack:
        raise PipelineError(
            f"train.batch_size {t.batch_size} must split over {replicas} replicas into batches that "
            f"gan.pack ({config.gan.pack}) divides"
        )
    workers = config.distribution.strategy == "multi_worker_mirrored"
    if workers:
        distribute.agree(strategy, 0)  # a barrier: the chief has prepared the directory we resume from
    with strategy.scope():
        generator, discriminator = build_networks(config, meta)
        gan = build_gan(config, generator, discriminator, conditioning.num_classes(config, meta))
        d_steps = t.steps * config.gan.n_critic  # the D optimizer counts n_critic updates per step
        gan.compile(
            d_optimizer=_adam(t, t.d_lr, d_steps),
            g_optimizer=_adam(t, t.g_lr, t.steps),
            steps_per_execution=t.steps_per_execution,
            jit_compile=t.jit_compile,
        )
        tracked = {"generator": generator, "discriminator": discriminator}
        if gan.ema_generator is not None:
            tracked["ema_generator"] = gan.ema_generator
        checkpoint = tf.train.Checkpoint(
            **tracked, g_optimizer=gan.g_optimizer, d_optimizer=gan.d_optimizer, steps_done=gan.steps_done
        )
        manager = tf.train.CheckpointManager(checkpoint, os.path.join(out_dir, "checkpoints"), max_to_keep=3)
        latest = tf.train.latest_checkpoint(os.path.join(resume_dir or out_dir, "checkpoints"))
        if latest:
            checkpoint.restore(latest).assert_existing_objects_matched()
    step = int(gan.steps_done.numpy())
    if workers:
        try:
            distribute.agree(strategy, step)
        except ValueError:
            raise PipelineError(
                f"the workers restored different steps (this one: {step}); start every worker with the "
                "same --config and --workdir on storage they all see"
            ) from None
    print(
        f"train: {config.gan.loss} on {meta['source']} {meta['shape']}, "
        f"{strategy.num_replicas_in_sync} replica(s), {t.precision}{' + XLA' if gan.jit_compile else ''}, "
        + (f"resuming from step {step}" if step else "from scratch")
        + f", to step {t.steps}"
    )

    classes = conditioning.num_classes(config, meta)
    records = conditioning.records(ingest.read_records(ingest_dir, with_labels=bool(classes)), classes)
    # Multi-worker: every worker reads all the data and keeps its slice of each global batch, so the
    # replicas see what one process would give them (sharding by file would not).
    sharding = tf.data.Options()
    sharding.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    if meta["count"] * int(np.prod(meta["shape"])) * 4 <= t.cache_bytes:
        records = records.cache()  # parse once, then serve from memory

    def real_from(start):
        """The real batches an uninterrupted run sees from step `start` on (no replay)."""
        return data.for_gan(
            records,
            t.batch_size,
            config.gan.n_critic,
            t.shuffle_buffer,
            seed=config.seed,
            start_step=start,
            count=meta["count"],
        ).with_options(sharding)

    count = conditioning.picture_count(classes)
    fixed_z = noise.normal_numpy([count, gan.latent_dim], config.seed, "samples")  # same z every picture
    writer = tf.summary.create_file_writer(os.path.join(out_dir, "tensorboard"))
    fixed_labels = conditioning.grid_labels(len(fixed_z), classes) if classes else None
    callback = _Publish(manager, writer, (fixed_z, fixed_labels), meta, out_dir, config)
    fit = dict(callbacks=[callback, progress.StepProgress(t.steps)], verbose=0, shuffle=False)
    full_epochs = t.steps // t.log_every
    if step < full_epochs * t.log_every:  # whole epochs of log_every steps
        epoch = step // t.log_every
        gan.fit(real_from(step), initial_epoch=epoch, epochs=full_epochs, steps_per_epoch=t.log_every, **fit)
        step = int(gan.steps_done.numpy())
    if step < t.steps and not callback.diverged:  # the rest: exactly t.steps, never more
        rest = t.steps - step  # a finite dataset of known length: Keras stops exactly at its end
        gan.fit(real_from(step).take(rest).apply(tf.data.experimental.assert_cardinality(rest)), **fit)
    if not callback.diverged and not _finite_weights(gan):
        callback.diverged = ("weights", float("nan"), int(gan.steps_done.numpy()))
    if callback.diverged:
        checkpoints = os.path.join(resume_dir or out_dir, "checkpoints")  # a non-chief: the chief's
        step = _after_divergence(config, callback, checkpoint, checkpoints)
    else:
        step = int(gan.steps_done.numpy())
        callback.save(step)
    if t.precision == "mixed_float16":
        g_skipped, d_skipped = skipped_updates(gan)
        print(f"train: loss scaling skipped {g_skipped} generator and {d_skipped} discriminator updates")
    # Evaluation and export use the averaged generator when there is one; D for guided sampling.
    (gan.ema_generator or generator).save(os.path.join(out_dir, GENERATOR))
    discriminator.save(os.path.join(out_dir, DISCRIMINATOR))
    return step


def _after_divergence(config, callback, checkpoint, checkpoints):
    """train.on_nan: `stop` fails (the last good checkpoint stays in `checkpoints` for a resume);
    `restore` rolls the weights back to that checkpoint and publishes it."""
    name, value, step = callback.diverged
    last = tf.train.latest_checkpoint(checkpoints)
    last_step = int(last.rsplit("-", 1)[1]) if last else 0
    where = f"the last good checkpoint (step {last_step}) is in {checkpoints}" if last else "no checkpoint"
    if config.train.on_nan == "stop" or not last:
        raise PipelineError(
            f"training diverged: {name} = {value} by step {step}; {where}; lower the learning rates, "
            "or set --config.train.on_nan=restore to publish the last good checkpoint"
        )
    checkpoint.restore(last).assert_existing_objects_matched()
    print(f"train: {name} = {value} by step {step}; restored the last good checkpoint (step {last_step})")
    callback.save_samples(last_step)
    callback.writer.flush()
    return last_step


def _finite_weights(gan):
    networks = [gan.generator, gan.discriminator] + ([gan.ema_generator] if gan.ema_generator else [])
    return all(np.all(np.isfinite(w.numpy())) for n in networks for w in n.weights)


class _Publish(keras.callbacks.Callback):
    """Every log_every steps: TensorBoard scalars; checkpoints and sample PNGs at their intervals.
    A non-finite loss or metric stops training at once (no checkpoint of the diverged weights)."""

    def __init__(self, manager, writer, fixed_inputs, meta, out_dir, config):
        super().__init__()
        self.manager, self.writer, self.fixed_inputs, self.meta = manager, writer, fixed_inputs, meta
        self.out_dir, self.train = out_dir, config.train
        self.diverged = None  # (metric, value, step)

    def on_train_batch_end(self, batch, logs=None):
        for name, value in (logs or {}).items():
            if not np.isfinite(float(value)):
                step = int(self.model.steps_done.numpy())
                self.diverged = (name, float(value), step)
                self.model.stop_training = True
                return

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.steps_done.numpy())
        if not self.diverged and not _finite_weights(self.model):  # a finite loss can hide NaN weights
            self.diverged, self.model.stop_training = ("weights", float("nan"), step), True
        if self.diverged:
            return
        with self.writer.as_default(step=step):
            for name, value in (logs or {}).items():
                tf.summary.scalar(name, value)
            if self.train.precision == "mixed_float16":
                g_skipped, d_skipped = skipped_updates(self.model)
                tf.summary.scalar("loss_scale/generator", self.model.g_optimizer.dynamic_scale)
                tf.summary.scalar("loss_scale/discriminator", self.model.d_optimizer.dynamic_scale)
                tf.summary.scalar("loss_scale/skipped_generator_updates", g_skipped)
                tf.summary.scalar("loss_scale/skipped_discriminator_updates", d_skipped)
        if step % self.train.checkpoint_every == 0:
            self.manager.save(checkpoint_number=step)
        if step % self.train.sample_every == 0:
            self.save_samples(step)

    def save(self, step):
        if self.manager.latest_checkpoint is None or not self.manager.latest_checkpoint.endswith(f"-{step}"):
            self.manager.save(checkpoint_number=step)
        self.save_samples(step)
        self.writer.flush()

    def save_samples(self, step):
        generator = self.model.ema_generator or self.model.generator
        z, labels = self.fixed_inputs  # the same z (and labels: a class per row) every picture
        fake = generator(conditioning.generator_inputs(generator, z, labels), training=False).numpy()
        path = os.path.join(self.out_dir, "samples", f"step_{step:07d}.png")
        png = samples.save_png(fake, self.meta, path)
        with self.writer.as_default(step=step):
            tf.summary.image("samples", tf.io.decode_png(png)[None])


if __name__ == "__main__":
    from pipeline import cli

    cli.main_for("train")
