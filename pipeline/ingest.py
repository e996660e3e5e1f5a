"""Ingest: examples -> DIR/ingest/ sharded TFRecords (tf.train.Example) + dataset.json.

python -m pipeline.ingest --config=configs/grid25.py --workdir=runs/grid25
"""

import glob
import os

import numpy as np
import tensorflow as tf

from pipeline import sources
from pipeline.artifacts import Stage, read_json, write_json

DATASET_JSON = "dataset.json"


def run(config, workdir, force=False):
    stage = Stage("ingest", config, workdir)
    if not force and stage.cached():
        return stage.dir
    x, labels, info = sources.load(config)
    tmp = stage.temp_dir()
    shards = max(1, min(int(config.data.shards), len(x)))
    files = []
    for shard, idx in enumerate(np.array_split(np.arange(len(x)), shards)):
        name = f"data-{shard:05d}-of-{shards:05d}.tfrecord"
        with tf.io.TFRecordWriter(os.path.join(tmp, name)) as writer:
            for i in idx:
                writer.write(_example(x[i], None if labels is None else labels[i]))
        files.append(name)
    axes = tuple(range(x.ndim - 1))
    meta = {
        **info,  # mixtures: "centers" and "mode_std" (per-mode sigma), distinct from the data's "std"
        "shape": list(x.shape[1:]),
        "dtype": "float32",
        "count": int(len(x)),
        "value_range": [float(x.min()), float(x.max())],
        "mean": np.mean(x, axis=axes).tolist(),
        "std": np.std(x, axis=axes).tolist(),
        "has_labels": labels is not None,
        "files": files,
    }
    if meta["source_range"] is None:  # the data is served in the range it was trained in
        meta["source_range"] = meta["value_range"]
    write_json(os.path.join(tmp, DATASET_JSON), meta)
    stage.publish(tmp, outputs={"records": files, "dataset": DATASET_JSON, "count": meta["count"]})
    return stage.dir


def _example(x, label):
    feature = {
        "x": tf.train.Feature(bytes_list=tf.train.BytesList(value=[np.asarray(x, np.float32).tobytes()]))
    }
    if label is not None:
        feature["label"] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)]))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def dataset_info(ingest_dir):
    return read_json(os.path.join(ingest_dir, DATASET_JSON))


def read_records(ingest_dir, with_labels=False):
    """The ingested examples as a tf.data.Dataset of x (or (x, label)), in file order."""
    meta = dataset_info(ingest_dir)
    shape = meta["shape"]
    files = sorted(glob.glob(os.path.join(ingest_dir, "data-*.tfrecord")))
    spec = {"x": tf.io.FixedLenFeature([], tf.string)}
    if with_labels:
        spec["label"] = tf.io.FixedLenFeature([], tf.int64)

    def parse(record):
        features = tf.io.parse_single_example(record, spec)
        x = tf.reshape(tf.io.decode_raw(features["x"], tf.float32), shape)
        return (x, features["label"]) if with_labels else x

    return tf.data.TFRecordDataset(files).map(parse, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


if __name__ == "__main__":
    from pipeline import cli

    cli.main_for("ingest")
