"""Evaluators: small classes chosen by the data and config.

Each has a `name` and `run(context)` -> {metric: {"value", "num_samples", "reference"}}.
"""

import numpy as np
import tensorflow as tf

from gan_tf import metrics
from pipeline import ingest


class Context:
    """What evaluators share: the config, dataset.json, the real records and the generator."""

    def __init__(self, config, meta, ingest_dir, generator, out_dir):
        self.config, self.meta, self.ingest_dir, self.generator, self.out_dir = (
            config,
            meta,
            ingest_dir,
            generator,
            out_dir,
        )
        self.latent_dim = int(generator.input_shape[-1])

    def generate_batches(self, n):
        """Generated samples in batches of config.eval.batch_size (noise seeded by config.seed)."""
        batch = self.config.eval.batch_size
        for start in range(0, n, batch):
            size = min(batch, n - start)
            z = tf.random.stateless_normal([size, self.latent_dim], seed=[self.config.seed, 10_000 + start])
            yield self.generator(z, training=False).numpy()

    def generate(self, n):
        return np.concatenate(list(self.generate_batches(n)))

    def real(self, n, offset=0, with_labels=False):
        """n real examples starting at `offset` of a seeded shuffle of the ingested set."""
        ds = ingest.read_records(self.ingest_dir, with_labels=with_labels)
        ds = ds.shuffle(self.meta["count"], seed=self.config.seed, reshuffle_each_iteration=False)
        rows = list(ds.skip(offset).take(n).batch(4096).as_numpy_iterator())
        if with_labels:
            return np.concatenate([r[0] for r in rows]), np.concatenate([r[1] for r in rows])
        return np.concatenate(rows)


def _entry(value, n, reference=None):
    return {"value": value, "num_samples": int(n), "reference": reference}


class ModeCoverage:
    """VEEGAN/PacGAN modes, high-quality fraction and reverse KL on a Gaussian mixture."""

    name = "mode_coverage"

    def run(self, ctx):
        n = ctx.config.eval.num_samples
        centers, std = np.asarray(ctx.meta["centers"]), ctx.meta["std"]
        fake = metrics.mode_coverage(ctx.generate(n), centers, std)
        real = metrics.mode_coverage(ctx.real(min(n, ctx.meta["count"])), centers, std)
        return {k: _entry(fake[k], n, real[k]) for k in fake}


def for_data(config, meta):
    """The evaluators that apply to this dataset."""
    if meta.get("centers"):
        return [ModeCoverage()]
    return []
