"""Gradient penalties on the discriminator (per-example, shape [B]).

Reduce them like the losses: `tf.nn.compute_average_loss` over the global batch.
"""

import tensorflow as tf


def _per_example_grad_sq_norm(critic, x):
    """||grad_x D(x)||^2 for each example of x."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = critic(x)
    grads = tape.gradient(scores, x)
    return tf.reduce_sum(tf.square(tf.reshape(grads, [tf.shape(x)[0], -1])), axis=1)


def gradient_penalty(critic, real, fake, *, target=1.0, epsilon=None):
    """WGAN-GP (Gulrajani et al. 2017): (||grad D(x_hat)||_2 / target - 1)^2 per example,
    at x_hat = eps x + (1 - eps) x_fake with eps ~ U[0, 1] drawn per example.

    `epsilon` ([B]) may be passed in to make the draw deterministic (the models draw it statelessly
    from (seed, step) so that N replicas see the same numbers as one).
    """
    real = tf.convert_to_tensor(real, tf.float32)
    fake = tf.convert_to_tensor(fake, tf.float32)
    batch = tf.shape(real)[0]
    if epsilon is None:
        epsilon = tf.random.uniform([batch])
    eps = tf.reshape(tf.cast(epsilon, real.dtype), [-1] + [1] * (real.shape.rank - 1))
    x_hat = eps * real + (1.0 - eps) * fake
    norm = tf.sqrt(_per_example_grad_sq_norm(critic, x_hat) + 1e-12)
    return tf.square(norm / target - 1.0)


def r1_penalty(critic, real):
    """R1 (Mescheder et al. 2018): 1/2 ||grad_x D(x)||^2 on real data, per example."""
    real = tf.convert_to_tensor(real, tf.float32)
    return 0.5 * _per_example_grad_sq_norm(critic, real)
