"""One process of the multi-worker test: train a tiny GAN with gan_tf's API and save its weights.

    python tests/multi_worker_script.py STRATEGY OUT_PREFIX VARIANT...   (TF_CONFIG set for multi-worker)

writes OUT_PREFIX-VARIANT.npz (and, for one_device, OUT_PREFIX-VARIANT-initial.npz) per variant.

Same seed, data and global batch whatever the strategy, so the weights must agree across strategies.
"""

import sys

import keras
import numpy as np
import tensorflow as tf

from gan_tf import data, distribute, models, networks

STEPS, BATCH = 12, 32


def main(strategy_name, prefix, *variants):
    strategy = distribute.get_strategy(strategy_name)  # first: multi-worker must precede any op
    for variant in variants:
        train(strategy, strategy_name == "one_device", variant, f"{prefix}-{variant}")


def train(strategy, save_initial, variant, out):
    distribute.set_seed(3)
    points = data.sample_mixture("ring8", 512, seed=1)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    n_critic = 2 if variant == "wgan" else 1
    real = data.for_gan(tf.data.Dataset.from_tensor_slices(points), BATCH, n_critic, 512, seed=1)
    with strategy.scope():
        generator = networks.mlp_generator(2, 2, 16, 3, batch_norm=True)
        discriminator = networks.mlp_discriminator(2 * 2, 16, 2, spectral_norm=variant == "hinge")
        gan = models.get(variant)(generator, discriminator, seed=3, n_critic=n_critic, pack=2, ema_decay=0.9)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    if save_initial:
        np.savez(
            out + "-initial.npz",
            *[w.numpy() for w in generator.weights + discriminator.weights + gan.ema_generator.weights],
        )
    gan.fit(real.with_options(options), steps_per_epoch=STEPS, epochs=1, verbose=0)
    weights = [w.numpy() for n in (generator, discriminator, gan.ema_generator) for w in n.weights]
    np.savez(out + ".npz", *weights)


if __name__ == "__main__":
    main(*sys.argv[1:])
