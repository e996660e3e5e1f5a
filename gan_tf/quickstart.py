"""Train a non-saturating GAN on the 25-Gaussian grid from Python and save the generator.

python -m gan_tf.quickstart --workdir runs/quickstart [--steps 2000] [--variant hinge]
"""

import argparse
import os

import keras
import tensorflow as tf

from gan_tf import data, distribute, models, networks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="runs/quickstart")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--variant", default="non_saturating", choices=list(models.VARIANTS))
    args = parser.parse_args(argv)

    distribute.set_seed(0)
    real = tf.data.Dataset.from_tensor_slices(data.sample_mixture("grid25", 100_000, seed=0))
    n_critic = 5 if args.variant.startswith("wgan") else 1
    g, d = networks.mlp_pair(latent_dim=2, hidden=256, spectral_norm=args.variant == "hinge")
    gan = models.get(args.variant)(g, d, n_critic=n_critic)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(data.for_gan(real, 256, n_critic), epochs=1, steps_per_epoch=args.steps, verbose=2)

    os.makedirs(args.workdir, exist_ok=True)
    path = os.path.join(args.workdir, "generator.keras")
    g.save(path)
    print(f"generator saved to {path}")


if __name__ == "__main__":
    main()
