"""Discriminator-guided sampling: use the trained D to improve what G samples, after training.

Latent refinement (DOT, Tanaka 2019; DDLS, Che et al. 2020, without the Langevin noise): gradient
ascent in latent space on the energy

    z <- z + eta * grad_z [ D(G(z)) - ||z||^2 / 2 ],   `steps` times,

D(.) the discriminator's logit. The prior term keeps z where G was trained. A deterministic function
of z, so it can sit inside a serving signature.

Discriminator rejection sampling (DRS, Azadi et al. 2019): with D~ = logit D(x) and D~_M its maximum
(over a pilot batch and every batch since),

    F(x) = D~ - D~_M - log(1 - exp(D~ - D~_M - eps)),   accept x with probability sigmoid(F(x) - gamma),

gamma a percentile of F over the pilot batch (the paper's choice), or 0: then the acceptance is
sigmoid(F) = exp(D~ - D~_M) (up to eps), rejection sampling with exp(D~) as the density ratio
p_data/p_g. That estimate holds for a cross-entropy D (minimax, non-saturating) judging single
samples; a hinge, least-squares or Wasserstein D, or a packed one (D~ of m copies of x), gives a
monotone score instead, and the acceptance only ranks samples. DRS re-weights G's samples towards
p_data; it cannot create modes G misses, and the number of samples kept is random. A percentile
gamma sharpens the filter: near D~_M, F ~ -log(D~_M - D~), so where D is nearly flat (a GAN near its
optimum, D ~ 1/2) small differences of D~ decide, and the samples D scores highest (one mode of a
ring, say) can take most of the acceptance.

With PacGAN packing (m > 1) D judges m samples at once; a single sample x is scored as the pack of m
copies of x.
"""

import numpy as np
import tensorflow as tf

DRS_EPS = 1e-6


def score(discriminator, x, pack=1):
    """D's logit for each sample of x ([B]); a pack of m copies when D is packed."""
    if pack > 1:
        x = tf.concat([x] * pack, axis=-1)
    return tf.reshape(discriminator(x, training=False), [-1])


def latent_refine(generator, discriminator, z, steps=30, step_size=0.003, pack=1):
    """z after `steps` ascent steps on D(G(z)) - ||z||^2/2 (see the module docstring)."""
    z = tf.convert_to_tensor(z, tf.float32)
    for _ in range(steps):
        with tf.GradientTape() as tape:
            tape.watch(z)
            energy = score(discriminator, generator(z, training=False), pack) - 0.5 * tf.reduce_sum(z * z, -1)
        z = z + step_size * tape.gradient(energy, z)
    return z


def _float64(x):
    """x as float64 (a Python float directly, not through float32)."""
    return tf.cast(x, tf.float64) if tf.is_tensor(x) else tf.constant(x, tf.float64)


def drs_f(logits, d_max, eps=DRS_EPS):
    """F = D~ - D~_M - log(1 - exp(D~ - D~_M - eps)) (Azadi et al. 2019, eq. 8 as in their code)."""
    delta = _float64(logits) - _float64(d_max)
    return delta - tf.math.log(1.0 - tf.exp(delta - eps))


def drs_accept_probability(logits, d_max, gamma):
    """sigmoid(F - gamma) per sample."""
    return tf.sigmoid(drs_f(logits, d_max) - _float64(gamma))


def drs_calibrate(pilot_logits, percentile=95.0):
    """(D~_M, gamma) from the logits of a pilot batch of generated samples; gamma 0 when `percentile` is
    None."""
    pilot_logits = np.asarray(pilot_logits, np.float64)
    d_max = float(pilot_logits.max())
    if percentile is None:
        return d_max, 0.0
    gamma = float(np.percentile(drs_f(pilot_logits, d_max).numpy(), percentile))
    return d_max, gamma


def drs_sample(generator, discriminator, num_samples, seed, d_max, gamma, latent_dim, pack=1, batch=1000):
    """`num_samples` samples kept by DRS. Proposals and acceptance draws are stateless in (seed,
    round), so the result is a function of (num_samples, seed). Graph-friendly (tf.while_loop)."""
    num_samples = tf.cast(num_samples, tf.int32)
    seed = tf.cast(seed, tf.int64)
    sample_shape = generator.output.shape[1:]
    kept0 = tf.zeros([0, *sample_shape], tf.float32)

    def body(round_, kept, d_max):
        key = tf.stack([seed, 2 * tf.cast(round_, tf.int64)])
        z = tf.random.stateless_normal([batch, latent_dim], seed=key)
        x = generator(z, training=False)
        logits = score(discriminator, x, pack)
        d_max = tf.maximum(d_max, tf.cast(tf.reduce_max(logits), tf.float64))  # the running maximum
        p = drs_accept_probability(logits, d_max, gamma)
        u = tf.random.stateless_uniform([batch], seed=key + [0, 1], dtype=tf.float64)
        kept = tf.concat([kept, tf.boolean_mask(x, u < p)], axis=0)
        return round_ + 1, kept, d_max

    _, kept, _ = tf.while_loop(
        lambda round_, kept, d_max: tf.shape(kept)[0] < num_samples,
        body,
        (tf.constant(0), kept0, tf.constant(d_max, tf.float64)),
        shape_invariants=(tf.TensorShape([]), tf.TensorShape([None, *sample_shape]), tf.TensorShape([])),
    )
    return kept[:num_samples]
