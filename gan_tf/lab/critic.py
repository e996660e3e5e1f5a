"""Training a discriminator (or critic) against fixed distributions, for the lab's claims about the
optimal D: gan_tf's own losses and gradient penalty, fresh samples every step."""

import keras
import numpy as np
import tensorflow as tf

from gan_tf import penalties


def train(d, loss, sample_pair, *, steps, batch, rate, betas=(0.9, 0.999), gp_weight=0.0, seed=0, chunk=50):
    """Adam on mean(loss(d(real), d(fake))) (+ gp_weight * the WGAN-GP penalty), `steps` steps of
    `batch` fresh pairs from `sample_pair(rng, n) -> (real [n, dim], fake [n, dim])`; the learning rate
    decays polynomially from `rate` to 1e-4. Draws `chunk` steps at a time and runs them in one
    tf.function call (seed Keras before building d for a reproducible start). Returns d."""
    rng = np.random.default_rng(seed)
    schedule = keras.optimizers.schedules.PolynomialDecay(rate, steps, 1e-4)
    optimizer = keras.optimizers.Adam(schedule, *betas)

    @tf.function
    def steps_on(reals, fakes):
        for i in tf.range(tf.shape(reals)[0]):
            with tf.GradientTape() as tape:
                value = loss(d(reals[i], training=True), d(fakes[i], training=True))
                if gp_weight:
                    value += gp_weight * penalties.gradient_penalty(d, reals[i], fakes[i])
                value = tf.reduce_mean(value)
            grads = tape.gradient(value, d.trainable_variables)
            optimizer.apply_gradients(zip(grads, d.trainable_variables, strict=True))

    for _ in range(steps // chunk):
        real, fake = sample_pair(rng, chunk * batch)
        shape = (chunk, batch, -1)
        steps_on(tf.constant(real.reshape(shape), tf.float32), tf.constant(fake.reshape(shape), tf.float32))
    return d
