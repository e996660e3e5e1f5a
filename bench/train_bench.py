"""Training throughput per loss variant (MLP pair on grid-25, batch 256), and 1 vs 2 replicas.

python -m bench.train_bench [--steps 300]
"""

import argparse
import time

from gan_tf import distribute

distribute.split_cpu(2)

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from gan_tf import data, models, networks  # noqa: E402


def steps_per_second(variant, strategy, steps, spectral_norm=False):
    distribute.set_seed(0)
    with strategy.scope():
        g, d = networks.mlp_pair(latent_dim=8, hidden=256, spectral_norm=spectral_norm)
        gan = models.get(variant)(g, d, n_critic=5 if variant.startswith("wgan") else 1)
        gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4))
    real = data.for_gan(
        tf.data.Dataset.from_tensor_slices(data.sample_mixture("grid25", 20_000)), 256, gan.n_critic
    )
    gan.fit(real, epochs=1, steps_per_epoch=20, verbose=0, shuffle=False)  # trace and warm up
    start = time.perf_counter()
    gan.fit(real, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return steps / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    one = distribute.get_strategy("one_device")
    print(f"generator steps/s, MLP 256 wide, batch 256, {args.steps} steps (WGANs: 5 critic steps each)")
    for variant in models.VARIANTS:
        print(f"  {variant:<16} {steps_per_second(variant, one, args.steps):7.1f}")
    print(f"  {'hinge + SN':<16} {steps_per_second('hinge', one, args.steps, spectral_norm=True):7.1f}")
    two = distribute.get_strategy("mirrored", 2)
    print(f"  {'hinge, 2 CPU replicas':<16} {steps_per_second('hinge', two, args.steps):7.1f}")


if __name__ == "__main__":
    main()
