"""Conditional GANs: the label embedding generator, the projection discriminator, and training them
on one replica and on two under each kind of step (BCE, hinge with SN, WGAN, WGAN-GP) and the options."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import data, distribute, models, networks
from tests.test_replicas import REORDERING, every_weight, relative_difference

IMAGES, LABELS = (a[:256] for a in data.load_digits(16))


def conditional_pair(latent_dim=8, classes=10, spectral_norm=False, acgan=False):
    base = networks.dcgan_generator(latent_dim + 4, size=16, channels=1, width=8)
    g = networks.conditional_generator(base, latent_dim, classes)
    features = networks.dcgan_discriminator(16, 1, width=8, spectral_norm=spectral_norm, head=False)
    if acgan:
        return g, networks.acgan_discriminator(features, classes, spectral_norm)
    return g, networks.projection_discriminator(features, classes, spectral_norm)


def test_projection_logit_is_linear_head_plus_label_embedding_dot_features():
    distribute.set_seed(0)
    _, d = conditional_pair()
    x = IMAGES[:6]
    labels = np.array([0, 1, 2, 3, 4, 5], np.int32)
    logits = d([x, labels]).numpy()[:, 0]
    features = d.get_layer("discriminator_features")(x).numpy().astype(np.float64)
    dense = [layer for layer in d.layers if isinstance(layer, keras.layers.Dense)][0]
    embedding = [layer for layer in d.layers if isinstance(layer, keras.layers.Embedding)][0]
    w, b = (v.numpy().astype(np.float64) for v in dense.weights)
    table = embedding.embeddings.numpy().astype(np.float64)
    want = features @ w[:, 0] + b[0] + np.sum(table[labels] * features, axis=1)
    np.testing.assert_allclose(logits, want, rtol=1e-4, atol=1e-4)
    other = d([x, (labels + 1).astype(np.int32)]).numpy()[:, 0]
    assert np.all(np.abs(other - logits) > 1e-6)  # the label changes the logit


def test_generator_output_depends_on_the_label():
    distribute.set_seed(0)
    g, _ = conditional_pair()
    z = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    a = g([z, np.zeros(4, np.int32)], training=False).numpy()
    b = g([z, np.ones(4, np.int32)], training=False).numpy()
    assert a.shape == (4, 16, 16, 1) and np.abs(a - b).max() > 1e-4


def train(variant, strategy, n_critic=1, steps=2, **options):
    distribute.set_seed(1)
    with strategy.scope():
        g, d = conditional_pair(spectral_norm=variant == "hinge", acgan=options.get("auxiliary_classifier"))
        gan = models.get(variant)(g, d, seed=3, n_critic=n_critic, num_classes=10, **options)
        gan.compile(keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.01))
    initial = every_weight(gan)
    ds = tf.data.Dataset.from_tensor_slices({"x": IMAGES, "label": LABELS.astype(np.int32)})
    ds = data.for_gan(ds, 32, n_critic=n_critic, seed=0, count=len(IMAGES))
    gan.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
    return initial, every_weight(gan)


@pytest.mark.parametrize(
    "variant, n_critic, options",
    # Each variant's own reductions are checked on unconditional pairs (tests/test_replicas.py); here
    # the label paths under each kind of step: BCE, hinge with SN, both critics, and the options.
    [(v, 1, {}) for v in ("non_saturating", "hinge")]
    + [("wgan_gp", 2, {}), ("wgan", 2, {}), ("non_saturating", 1, {"ema_decay": 0.9, "r1_weight": 1.0})]
    + [("non_saturating", 1, {"auxiliary_classifier": True}), ("hinge", 1, {"auxiliary_classifier": True})]
    + [("non_saturating", 1, {"augment": "color,translation,cutout"}), ("wgan_gp", 2, {"augment": "cutout"})],
)
def test_conditional_training_on_two_replicas_equals_one(variant, n_critic, options):
    start, one = train(variant, distribute.get_strategy("one_device"), n_critic, **options)
    _, two = train(variant, distribute.get_strategy("mirrored", 2), n_critic, **options)
    moved = [not np.array_equal(a, b) for a, b in zip(start, one, strict=True)]
    assert sum(moved) >= len(moved) // 2
    assert relative_difference(one, two) < REORDERING


def test_labels_are_used_in_training():
    # The same run with every label shifted by one ends elsewhere: D and G saw the labels.
    distribute.set_seed(1)
    _, first = train("non_saturating", distribute.get_strategy("one_device"))
    global LABELS
    kept, LABELS = LABELS, (LABELS + 1) % 10
    try:
        _, shifted = train("non_saturating", distribute.get_strategy("one_device"))
    finally:
        LABELS = kept
    assert relative_difference(first, shifted) > 1e-6


def test_conditional_gans_refuse_packing():
    g, d = conditional_pair()
    with pytest.raises(ValueError, match="does not combine with packing"):
        models.get("hinge")(g, d, num_classes=10, pack=2)


@pytest.mark.parametrize("mode", ["projection", "acgan"])
def test_conditional_digits_through_the_pipeline(tmp_path, mode, classifier_dir):
    import os

    from configs import digits_conditional
    from pipeline import cli, sample
    from pipeline.artifacts import read_json
    from tests.test_sources import shrink

    config = shrink(digits_conditional.get_config(), steps=4)
    config.gan.conditional = mode
    config.data.image_size, config.eval.features = 8, "digits_classifier"
    config.eval.classifier_dir = classifier_dir
    config.eval.num_samples, config.eval.batch_size = 400, 200  # 40 a class: enough for intra_fid
    config.eval.kid_subsets, config.eval.kid_subset_size = 5, 50
    workdir = str(tmp_path)
    cli.run_stages(list(cli.STAGES), config, workdir)
    assert read_json(os.path.join(workdir, "ingest", "dataset.json"))["num_classes"] == 10
    accuracy = read_json(os.path.join(workdir, "evaluate", "metrics.json"))["metrics"]["conditional_accuracy"]
    assert 0.0 <= accuracy["value"] <= 1.0 and accuracy["reference"] >= 0.97  # the classifier's own
    intra = read_json(os.path.join(workdir, "evaluate", "metrics.json"))["metrics"]["intra_fid"]
    assert intra["classes"] == 10 and 0 < intra["reference"] < intra["value"]  # 4 steps: far off
    loaded = tf.saved_model.load(os.path.join(workdir, "export", "1"))
    z = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    serve = loaded.signatures["serving_default"]
    a = serve(z=tf.constant(z), label=tf.constant([1, 1, 1], tf.int32))["samples"].numpy()
    b = serve(z=tf.constant(z), label=tf.constant([2, 2, 2], tf.int32))["samples"].numpy()
    assert a.shape == (3, 8, 8, 1) and not np.array_equal(a, b)  # the label is served
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label must be in \[0, 10\)"):
        serve(z=tf.constant(z), label=tf.constant([0, 10, 2], tf.int32))
    three, _ = sample.draw(os.path.join(workdir, "export"), 3, seed=0, label=2)
    want = serve(z=tf.constant(z), label=tf.constant([2, 2, 2], tf.int32))["samples"].numpy()
    np.testing.assert_array_equal(three, want)  # sample.draw's z is default_rng(seed).normal
    np.testing.assert_array_equal(sample.labels(20, None, 10), [0] * 8 + [1] * 8 + [2] * 4)
    rows, description = sample.draw(os.path.join(workdir, "export"), 16, seed=1)  # no --label: a class a row
    z16 = np.random.default_rng(1).standard_normal((16, 4)).astype(np.float32)
    by_row = tf.constant([0] * 8 + [1] * 8, tf.int32)
    np.testing.assert_array_equal(rows, serve(z=tf.constant(z16), label=by_row)["samples"].numpy())
    assert description["num_classes"] == 10
    with pytest.raises(ValueError, match=r"--label=12 is outside this export's classes \[0, 10\)"):
        sample.draw(os.path.join(workdir, "export"), 3, label=12)


def test_conditional_needs_labelled_data(tmp_path):
    from pipeline import cli
    from tests.pipeline_helpers import tiny

    config = tiny()
    config.gan.conditional = "projection"
    with pytest.raises(cli.PipelineError, match="needs labelled data"):
        cli.run_stages(["ingest", "train"], config, str(tmp_path))


def test_acgan_losses_against_a_hand_computation():
    distribute.set_seed(0)
    g, d = conditional_pair(acgan=True)
    options = {"num_classes": 10, "auxiliary_classifier": True, "aux_weight": 0.5}
    gan = models.get("non_saturating")(g, d, seed=3, **options)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))  # rate 0: weights stay put
    x, labels = IMAGES[:8], LABELS[:8].astype(np.int32)
    out = d(x, training=True).numpy().astype(np.float64)
    logits, classes = out[:, 0], out[:, 1:]
    log_softmax = classes - classes.max(1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(1, keepdims=True))
    want = -log_softmax[np.arange(8), labels]
    got_logits, got_ce = gan._judge(tf.constant(x), tf.constant(labels))
    np.testing.assert_allclose(got_logits.numpy()[:, 0], logits, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_ce.numpy(), want, rtol=1e-5, atol=1e-6)
    # One step at rate 0 (weights stay put): D's reported loss is BCE(real, 1) + BCE(fake, 0) and aux_ce
    # the reals' plus the fakes' class cross-entropy, the fakes generated for the reals' labels.
    fake = g([gan._noise(8, 0), tf.constant(labels)], training=True).numpy()  # the D step's: step 0, stream 0
    both = d(np.concatenate([x, fake]), training=True).numpy().astype(np.float64)
    scores, classes = both[:, 0], both[:, 1:]
    log_softmax = classes - classes.max(1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(1, keepdims=True))
    ce = -log_softmax[np.arange(16), np.concatenate([labels, labels])]
    softplus = lambda v: np.log1p(np.exp(-np.abs(v))) + np.maximum(v, 0)  # noqa: E731
    d_loss = softplus(-scores[:8]) + softplus(scores[8:])  # -log s(r) - log(1 - s(f))
    # G's loss: -log D(G(z)) + 0.5 CE(class logits, label) of the fakes of G's own noise (stream 1).
    g_fake = g([gan._noise(8, 1), tf.constant(labels)], training=True).numpy()
    g_out = d(g_fake, training=True).numpy().astype(np.float64)
    g_log_softmax = g_out[:, 1:] - g_out[:, 1:].max(1, keepdims=True)
    g_log_softmax -= np.log(np.exp(g_log_softmax).sum(1, keepdims=True))
    g_loss = softplus(-g_out[:, 0]) + 0.5 * -g_log_softmax[np.arange(8), labels]
    logs = gan.train_step({"x": tf.constant(x), "label": tf.constant(labels)})
    assert float(logs["aux_ce"]) == pytest.approx(np.mean(ce[:8] + ce[8:]), rel=1e-5)
    assert float(logs["d_loss"]) == pytest.approx(np.mean(d_loss), rel=1e-5)
    assert float(logs["g_loss"]) == pytest.approx(np.mean(g_loss), rel=1e-5)


def test_stacked_digits_conditional_on_1000_classes(tmp_path, classifier_dir):
    import os

    from configs import stacked_digits
    from pipeline import cli
    from pipeline.artifacts import read_json
    from tests.test_sources import shrink

    config = shrink(stacked_digits.get_config(), steps=2)
    config.gan.conditional, config.data.num_examples, config.data.image_size = "projection", 3000, 8
    config.gan.pack = 1  # the config's packing does not combine with a conditional D
    config.eval.features, config.eval.num_samples, config.eval.batch_size = "digits_classifier", 200, 100
    config.eval.classifier_dir = classifier_dir
    config.eval.kid_subsets, config.eval.kid_subset_size = 5, 50
    cli.run_stages(["ingest", "train", "evaluate"], config, str(tmp_path))
    assert read_json(os.path.join(tmp_path, "ingest", "dataset.json"))["num_classes"] == 1000
    report = read_json(os.path.join(tmp_path, "evaluate", "metrics.json"))["metrics"]
    assert 0.0 <= report["conditional_accuracy"]["value"] <= 1.0  # 200 samples asked for 25 classes
    # A conditional G's classes follow its labels: the reference stays the real half, not recombined.
    assert report["modes"]["reference_num_samples"] == report["fid"]["reference_num_samples"] < 200
