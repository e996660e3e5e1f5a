"""Feature extractors for FID / KID / precision-recall, on images in [-1, 1] (NHWC).

- `InceptionFeatures`: Keras InceptionV3 pool features (2048-d) at 299x299, weights from a local file.
  Resizing filter: bilinear without antialiasing (tf.image.resize), as TF-GAN's FID did; clean-fid
  uses PIL bicubic, and the filter changes FID measurably, so compare numbers made with one filter.
  Keras' ImageNet InceptionV3 is not the "pt_inception-2015-12-05" graph of the papers: FIDs from it
  rank models but are not comparable to published tables.
- `DigitsClassifier`: a small CNN on half of scikit-learn's digits (`digits_split`); features, class
  probabilities and labels per channel (stacked digits: 3 channels -> 1000 classes). It knows the
  digit ids it was trained on, so that real references can leave them out.
"""

import os

import keras
import numpy as np
import tensorflow as tf

from gan_tf import data, distribute

INCEPTION_WEIGHTS_HINT = (
    "get Keras' InceptionV3 no-top ImageNet weights "
    "(inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5) on a machine with network (building "
    "keras.applications.InceptionV3 with include_top=False and the ImageNet weights leaves it in "
    "~/.keras/models/), copy it here and pass --config.eval.inception_weights=PATH"
)


class InceptionFeatures:
    """2048-d average-pool features of InceptionV3 (`random_weights=True` only to test plumbing)."""

    name = "inception_v3"
    size = 299

    def __init__(self, weights_path="", random_weights=False, batch_size=50):
        if not random_weights and not (weights_path and os.path.isfile(weights_path)):
            raise FileNotFoundError(
                f"InceptionV3 weights file {weights_path!r} not found: {INCEPTION_WEIGHTS_HINT}"
            )
        self.model = keras.applications.InceptionV3(
            include_top=False, weights=None, pooling="avg", input_shape=(self.size, self.size, 3)
        )
        if not random_weights:
            self.model.load_weights(weights_path)
        self.batch_size = batch_size

    def __call__(self, images):
        images = tf.convert_to_tensor(images, tf.float32)
        if images.shape[-1] == 1:
            images = tf.repeat(images, 3, axis=-1)
        out = []
        for start in range(0, len(images), self.batch_size):
            batch = tf.image.resize(
                images[start : start + self.batch_size], (self.size, self.size), "bilinear"
            )
            out.append(self.model(batch, training=False).numpy())
        return {"features": np.concatenate(out).astype(np.float64)}


def build_digits_classifier(size):
    x = keras.Input((size, size, 1))
    h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Conv2D(64, 3, strides=2 if size > 8 else 1, padding="same", activation="relu")(h)
    h = keras.layers.Dense(64, activation="relu", name="features")(keras.layers.GlobalAveragePooling2D()(h))
    return keras.Model(x, keras.layers.Dense(10, name="logits")(h), name="digits_classifier")


def digits_split(seed=0, train_fraction=0.5):
    """(train ids, held-out ids) of scikit-learn's 1797 digits, a seeded split. The classifier trains
    on the first; a metric's real reference may use only digits of the second (a feature extractor
    scores the examples it was trained on as better than real data it never saw)."""
    n = len(data.load_digits()[1])
    order = np.random.default_rng(seed).permutation(n)
    split = int(train_fraction * n)
    return np.sort(order[:split]), np.sort(order[split:])


def train_digits_classifier(size=8, seed=0, epochs=60, attempt=0):
    """A CNN on the training half of `digits_split(seed)` at `size` px; returns (model, accuracy on
    the held-out half, which it never saw). `attempt` k > 0: the same split, another initialisation
    and batch order (TF seeded with seed + 10 000 k)."""
    images, labels = data.load_digits(size)
    train, test = digits_split(seed)
    from tensorflow.python.framework import config as tf_config  # no public getter in TF 2.21

    # Deterministic ops on while it trains (then as they were): they round differently, so the
    # classifier (and every metric read through it) would otherwise depend on whether the process had
    # trained a GAN first.
    was_deterministic = tf_config.is_op_determinism_enabled()
    distribute.set_seed(seed + 10_000 * attempt)
    try:
        model = build_digits_classifier(size)
        model.compile(
            keras.optimizers.Adam(2e-3),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        model.fit(images[train], labels[train], batch_size=64, epochs=epochs, verbose=0, shuffle=True)
        accuracy = float(np.mean(model.predict(images[test], verbose=0).argmax(-1) == labels[test]))
    finally:
        if not was_deterministic:
            tf_config.disable_op_determinism()
    return model, accuracy


def class_codes(digits):
    """[n, channels] digits -> [n] classes, the channels' digits in base 10 (the first most significant)."""
    return digits @ (10 ** np.arange(digits.shape[1] - 1, -1, -1))


class DigitsClassifier:
    """Per-channel digit features (64-d each, concatenated), probabilities and labels.

    Images are classified at the classifier's own size (8 px: scikit-learn's digits are 8x8, and larger
    ones are area-downsampled to it). A C-channel image gets C digit labels, combined into one class
    in base 10 (1000 for C = 3).
    """

    name = "digits_classifier"

    def __init__(self, model, trained_on=None, held_out_accuracy=None):
        self.model = model
        self.trained_on = None if trained_on is None else np.asarray(trained_on)  # digit ids it saw
        self.held_out_accuracy = held_out_accuracy
        self.features_model = keras.Model(model.input, [model.get_layer("features").output, model.output])

    def __call__(self, images):
        images = np.asarray(images, np.float32)
        size = self.model.input_shape[1]
        if images.shape[1:3] != (size, size):
            images = tf.image.resize(images, (size, size), method="area").numpy()
        n, channels = len(images), images.shape[-1]
        per_channel = np.moveaxis(images, -1, 1).reshape(n * channels, *images.shape[1:3], 1)
        features, logits = self.features_model.predict(per_channel, batch_size=512, verbose=0)
        probs = tf.nn.softmax(logits).numpy().reshape(n, channels, 10)
        classes = class_codes(probs.argmax(-1))
        return {
            "features": features.reshape(n, -1).astype(np.float64),
            "probs": probs,
            "classes": classes,
            "num_classes": 10**channels,
        }
