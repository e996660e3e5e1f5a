"""bench.quality.score on 2D exports: the signature a user of the export samples is the one scored."""

import json

import numpy as np
import tensorflow as tf

from bench import quality

CENTERS = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4], np.float32)


class Export(tf.Module):
    """serving_default -> points at the mode centres in turn, or far from all of them (`serving_hits`); with
    `drs`, a `sample` signature that hits them only when called with the protocol's count and seed."""

    def __init__(self, serving_hits, drs, seed):
        super().__init__()
        self.serving_hits, self.drs, self.seed = serving_hits, drs, seed

    def signatures(self):
        serving = tf.function(
            lambda z: {"samples": self.points(tf.shape(z)[0], self.serving_hits)},
            input_signature=[tf.TensorSpec([None, 2], tf.float32, name="z")],
        )
        out = {"serving_default": serving}
        if self.drs:
            out["sample"] = tf.function(
                lambda num_samples, seed: {
                    "samples": self.points(num_samples, (num_samples == 2500) & (seed == 10_000 + self.seed))
                },
                input_signature=[
                    tf.TensorSpec([], tf.int32, name="num_samples"),
                    tf.TensorSpec([], tf.int64, name="seed"),
                ],
            )
        return out

    @staticmethod
    def points(n, hits):
        at_centres = tf.gather(tf.constant(CENTERS), tf.range(n) % 8)
        return tf.where(hits, at_centres, at_centres + 50.0)


def workdir_with(tmp_path, export):
    (tmp_path / "ingest").mkdir(parents=True)
    (tmp_path / "ingest" / "dataset.json").write_text(
        json.dumps({"centers": CENTERS.tolist(), "mode_std": 0.01})
    )
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "manifest.json").write_text(json.dumps({"latest": 1}))
    tf.saved_model.save(export, str(tmp_path / "export" / "1"), signatures=export.signatures())
    return str(tmp_path)


def test_a_drs_export_is_scored_by_its_sample_signature_with_the_protocols_count_and_seed(tmp_path):
    scores = quality.score(workdir_with(tmp_path, Export(serving_hits=False, drs=True, seed=3)), 3)
    assert scores["modes"] == 8 and scores["high_quality"] == 1.0


def test_an_export_without_sample_is_scored_by_serving_default(tmp_path):
    scores = quality.score(workdir_with(tmp_path, Export(serving_hits=True, drs=False, seed=3)), 3)
    assert scores["modes"] == 8 and scores["high_quality"] == 1.0
    missed = quality.score(workdir_with(tmp_path / "far", Export(serving_hits=False, drs=False, seed=3)), 3)
    assert missed["modes"] == 0 and missed["high_quality"] == 0.0
