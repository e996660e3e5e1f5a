"""Exponential moving average of the generator's weights (Karras et al. 2018; Yazıcı et al. 2019):

    theta_ema <- beta_t theta_ema + (1 - beta_t) theta,   beta_t = min(beta, (1 + t) / (10 + t))

after every generator update t = 1, 2, ... (the warm-up of tf.train.ExponentialMovingAverage, so the
average forgets the random initial weights within the first steps). Non-trainable weights (batch-norm
moving statistics) are copied. Evaluation and export use the averaged generator.
"""

import keras
import tensorflow as tf


def clone(generator):
    """A copy of `generator` (same architecture and weights) to hold the average; build it inside
    the strategy's scope, like the generator."""
    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    return copy


def decay_at(step, decay):
    """beta_t for generator update number `step` (>= 1)."""
    step = tf.cast(step, tf.float32)
    return tf.minimum(tf.constant(decay, tf.float32), (1.0 + step) / (10.0 + step))


def update(averaged, generator, decay, step):
    """One EMA step of every weight of `averaged` towards `generator`, identically on every replica
    (a merge call: after its update the generator's weights are the same on all replicas)."""
    pairs = list(zip(averaged.weights, generator.weights, strict=True))

    def average(ema_value, value, beta):
        return ema_value.assign(beta * ema_value + (1.0 - beta) * value)

    def copy(ema_value, value, beta):
        return ema_value.assign(value)

    def merge_fn(strategy, beta):
        for ema_weight, weight in pairs:
            move = average if weight.trainable else copy
            strategy.extended.update(ema_weight.value, move, args=(weight.value, beta), group=False)

    tf.distribute.get_replica_context().merge_call(merge_fn, args=(decay_at(step, decay),))
