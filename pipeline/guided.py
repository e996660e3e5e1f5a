"""export.refine for the pipeline: one place that turns (G, D, config) into the sampler that evaluate
scores and export serves. none: G(z); latent: G(refined z); drs: rejection sampling (`gan_tf.refine`)."""

import os

import keras
import tensorflow as tf

from gan_tf import noise, refine
from pipeline.artifacts import DISCRIMINATOR, PipelineError

MODES = ("none", "latent", "drs")
DRS_GAMMAS = ("percentile", "zero")


def check(config):
    """PipelineError for an unknown export.refine or export.drs_gamma (train checks them before it
    trains, so a typo does not cost a training run)."""
    e = config.export
    if e.refine not in MODES:
        raise PipelineError(f"unknown export.refine {e.refine!r}; valid: {', '.join(MODES)}")
    if e.refine == "drs" and e.drs_gamma not in DRS_GAMMAS:
        raise PipelineError(f"unknown export.drs_gamma {e.drs_gamma!r}; valid: {', '.join(DRS_GAMMAS)}")


class Sampler:
    """samples(z, counter): the served samples for noise z (DRS ignores z's values, keeps its count and
    draws its own proposals from the "drs" noise stream at `counter`)."""

    def __init__(self, config, generator, discriminator=None):
        check(config)
        e = config.export
        self.mode, self.generator, self.discriminator = e.refine, generator, discriminator
        self.pack, self.seed = config.gan.pack, config.seed
        self.latent_dim = int(generator.input_shape[-1])
        self.steps, self.step_size = int(e.latent_steps), float(e.latent_step_size)
        if self.mode == "drs":
            z = noise.normal([int(e.drs_pilot), self.latent_dim], config.seed, "drs", counter=0)
            logits = refine.score(discriminator, generator(z, training=False), self.pack)
            percentile = e.drs_percentile if e.drs_gamma == "percentile" else None
            self.d_max, self.gamma = refine.drs_calibrate(logits.numpy(), percentile)

        # evaluate's batches: one graph (30 eager ascent steps a batch took 10 s of grid-25's evaluate)
        self._refined = tf.function(
            lambda z: self.generator(self.latent(z), training=False),
            input_signature=[tf.TensorSpec([None, self.latent_dim], tf.float32)],
        )

    def latent(self, z):
        return refine.latent_refine(
            self.generator, self.discriminator, z, self.steps, self.step_size, self.pack
        )

    def drs(self, num_samples, seed):
        return refine.drs_sample(
            self.generator,
            self.discriminator,
            num_samples,
            seed,
            self.d_max,
            self.gamma,
            self.latent_dim,
            self.pack,
        )

    def samples(self, z, counter=0):
        if self.mode == "latent":
            return self._refined(tf.convert_to_tensor(z, tf.float32))
        if self.mode == "drs":
            seed = noise.stream_key(self.seed, "drs") // 2 + 1 + int(counter)
            return self.drs(tf.shape(z)[0], seed)
        return self.generator(z, training=False)


def for_train_dir(config, generator, train_dir):
    """The Sampler of config.export.refine for the train stage's output, or None for `none`
    (the discriminator is loaded only when a refinement needs it)."""
    if config.export.refine == "none":
        return None
    discriminator = keras.models.load_model(os.path.join(train_dir, DISCRIMINATOR), compile=False)
    return Sampler(config, generator, discriminator)
