"""Penalties against critics whose input gradient is known in closed form."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import penalties

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def seeded():
    """gradient_penalty draws eps with tf.random.uniform when none is passed: under op determinism (which
    any earlier test in the process may have turned on) TF refuses an unseeded random op."""
    tf.random.set_seed(0)


def test_gradient_penalty_linear_critic():
    a = np.array([3.0, 4.0], np.float32)  # grad = a everywhere, ||a|| = 5
    critic = lambda x: tf.reduce_sum(x * a, axis=1)
    real, fake = RNG.normal(size=(6, 2)).astype("float32"), RNG.normal(size=(6, 2)).astype("float32")
    np.testing.assert_allclose(
        penalties.gradient_penalty(critic, real, fake).numpy(), (5 - 1) ** 2, rtol=1e-5
    )
    np.testing.assert_allclose(
        penalties.gradient_penalty(critic, real, fake, target=2.0).numpy(), (5 / 2 - 1) ** 2, rtol=1e-5
    )


def test_gradient_penalty_interpolates_per_example():
    # D(x) = 1/2 ||x||^2 has grad x, so the penalty is (||x_hat|| - 1)^2 with x_hat = eps x + (1 - eps) x~.
    critic = lambda x: 0.5 * tf.reduce_sum(tf.reshape(x, [tf.shape(x)[0], -1]) ** 2, axis=1)
    real = RNG.normal(size=(5, 3, 3, 2)).astype("float32")
    fake = RNG.normal(size=(5, 3, 3, 2)).astype("float32")
    eps = RNG.uniform(size=5).astype("float32")
    x_hat = eps[:, None, None, None] * real + (1 - eps[:, None, None, None]) * fake
    want = (np.linalg.norm(x_hat.reshape(5, -1), axis=1) - 1) ** 2
    got = penalties.gradient_penalty(critic, real, fake, epsilon=eps).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4)


def test_gradient_penalty_draws_eps_uniform_per_example():
    # D(x) = 1/2||x||^2, real = 0, fake of norm 5: ||x_hat|| = 5 (1 - eps) < target = 10, so
    # gp = (||x_hat||/10 - 1)^2 gives eps back exactly.
    critic = lambda x: 0.5 * tf.reduce_sum(x**2, axis=1)
    fake = np.tile([[3.0, 4.0]], (4000, 1)).astype("float32")
    gp = penalties.gradient_penalty(critic, np.zeros_like(fake), fake, target=10.0).numpy()
    eps = 1 - 10 * (1 - np.sqrt(gp)) / 5
    assert eps.min() >= -1e-4 and eps.max() <= 1 + 1e-4
    assert abs(eps.mean() - 0.5) < 0.03 and abs(eps.std() - np.sqrt(1 / 12)) < 0.02


def test_r1_penalty():
    a = np.array([1.0, -2.0, 2.0], np.float32)
    critic = lambda x: tf.reduce_sum(x * a, axis=1) + tf.reduce_sum(x**2, axis=1)
    real = RNG.normal(size=(4, 3)).astype("float32")
    want = 0.5 * np.sum((a + 2 * real) ** 2, axis=1)
    np.testing.assert_allclose(penalties.r1_penalty(critic, real).numpy(), want, rtol=1e-5)


def tiny_critic():
    """A smooth two-layer critic (tanh), so the penalties are differentiable in its weights."""
    import keras

    keras.utils.set_random_seed(4)
    return keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)]
    )


def finite_difference_check(penalty_of_critic, critic, h=1e-2):
    """d mean(penalty) / d weights by the tape against central finite differences, every weight."""
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(penalty_of_critic(critic))
    grads = tape.gradient(value, critic.trainable_variables)
    # The penalty reaches every kernel of D (the last bias does not change grad_x D: no gradient,
    # which the finite differences confirm below).
    pairs = list(zip(critic.trainable_variables, grads, strict=True))
    assert all(g is not None for v, g in pairs if "kernel" in v.path)
    grads = [tf.zeros_like(v) if g is None else g for v, g in pairs]
    checked = 0
    for variable, grad in zip(critic.trainable_variables, grads, strict=True):
        flat = variable.numpy().ravel()
        for i in range(flat.size):
            shifted = []
            for sign in (1, -1):
                w = flat.copy()
                w[i] += sign * h
                variable.assign(w.reshape(variable.shape))
                shifted.append(float(tf.reduce_mean(penalty_of_critic(critic))))
            variable.assign(flat.reshape(variable.shape))
            numeric = (shifted[0] - shifted[1]) / (2 * h)
            assert float(tf.reshape(grad, [-1])[i]) == pytest.approx(numeric, rel=2e-2, abs=2e-4)
            checked += 1
    assert checked == 3 * 4 + 4 + 4 + 1
    assert max(float(tf.reduce_max(tf.abs(g))) for g in grads) > 1e-2  # not trivially zero


def test_gradient_penalty_gradient_reaches_the_critic_weights():
    real = RNG.normal(size=(8, 3)).astype("float32")
    fake = RNG.normal(size=(8, 3)).astype("float32")
    eps = RNG.uniform(size=8).astype("float32")
    finite_difference_check(lambda c: penalties.gradient_penalty(c, real, fake, epsilon=eps), tiny_critic())


def test_r1_gradient_reaches_the_critic_weights():
    real = RNG.normal(size=(8, 3)).astype("float32")
    finite_difference_check(lambda c: penalties.r1_penalty(c, real), tiny_critic())
