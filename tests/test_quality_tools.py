"""EMA, packing, top-k and discriminator-guided sampling against independent computations."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import data, distribute, models, networks, noise, packing, refine, topk
from pipeline import cli, guided
from pipeline.artifacts import PipelineError, read_json
from tests.pipeline_helpers import LATENT, tiny

RING = data.sample_mixture("ring8", 1024, seed=0)


def ring_batches(batch=32):
    return tf.data.Dataset.from_tensor_slices(RING).batch(batch, drop_remainder=True).repeat()


def test_ema_follows_the_numpy_recurrence():
    distribute.set_seed(0)
    generator = networks.mlp_generator(latent_dim=2, hidden=8, depth=2, batch_norm=True)
    gan = models.NonSaturatingGAN(generator, networks.mlp_discriminator(hidden=8), ema_decay=0.9)
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1))
    trainable = [w.trainable for w in generator.weights]
    history = [[w.numpy() for w in generator.weights]]

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            history.append([w.numpy() for w in generator.weights])

    gan.fit(ring_batches(), epochs=1, steps_per_epoch=30, verbose=0, callbacks=[Record()])
    average = [w.copy() for w in history[0]]  # starts as a copy of G
    for t, weights in enumerate(history[1:], start=1):
        beta = min(0.9, (1 + t) / (10 + t))
        average = [
            beta * a + (1 - beta) * w if train else w
            for a, w, train in zip(average, weights, trainable, strict=True)
        ]
    got = [w.numpy() for w in gan.ema_generator.weights]
    for want, have in zip(average, got, strict=True):
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got[0], history[-1][0])  # an average, not a copy of the last weights
    assert not all(train for train in trainable)  # batch-norm statistics were there to be copied


def test_pack_groups_consecutive_samples():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    np.testing.assert_array_equal(packing.pack(x, 3).numpy(), x.reshape(2, 6))
    images = np.random.default_rng(0).normal(size=(4, 5, 5, 3)).astype("float32")
    packed = packing.pack(images, 2).numpy()
    assert packed.shape == (2, 5, 5, 6)
    np.testing.assert_array_equal(packed[1], np.concatenate([images[2], images[3]], axis=-1))
    assert packing.packed_shape([5, 5, 3], 4) == [5, 5, 12]


def test_unpack_returns_the_samples_of_each_pack_in_order():
    packs = np.random.default_rng(1).normal(size=(2, 5, 5, 6)).astype("float32")  # 2 packs of 3 x 2 ch.
    want = np.stack([packs[p, ..., 2 * j : 2 * j + 2] for p in range(2) for j in range(3)])
    np.testing.assert_array_equal(packing.unpack(packs, 3).numpy(), want)
    vectors = np.arange(12, dtype=np.float32).reshape(2, 6)
    np.testing.assert_array_equal(packing.unpack(vectors, 3).numpy(), vectors.reshape(6, 2))
    traced = tf.function(lambda x: packing.unpack(x, 3)).get_concrete_function(
        tf.TensorSpec([None, 5, 5, 6], tf.float32)
    )
    assert traced.output_shapes.as_list() == [None, 5, 5, 2]  # channels known with an unknown batch
    with pytest.raises(ValueError, match="cannot unpack 6 features or channels into 4 samples"):
        packing.unpack(packs, 4)


def test_packed_discriminator_sees_m_samples():
    seen = []

    class Spy(keras.layers.Layer):
        def call(self, x):
            seen.append(tuple(x.shape))
            return x

    distribute.set_seed(0)
    x = keras.Input((2 * 3,))
    d = keras.Model(x, keras.layers.Dense(1)(Spy()(x)))
    gan = models.HingeGAN(networks.mlp_generator(hidden=8), d, pack=3)
    gan.compile(keras.optimizers.SGD(0.01), keras.optimizers.SGD(0.01))
    history = gan.fit(ring_batches(batch=30), epochs=1, steps_per_epoch=2, verbose=0).history
    assert (20, 6) in seen and (10, 6) in seen  # D step: 10 real + 10 fake packs; G step: 10 packs
    assert np.isfinite(history["d_loss"][-1])


def test_top_k_selects_the_k_largest_and_anneals():
    logits = np.random.default_rng(1).normal(size=64).astype("float32")
    for k in (1, 7, 64):
        got = topk.mask(tf.constant(logits), k).numpy()
        want = np.zeros(64)
        want[np.argsort(-logits)[:k]] = 1
        np.testing.assert_array_equal(got, want)
    for step, want in ((0, 64), (999, 64), (1000, 63), (5000, int(0.99**5 * 64)), (10**6, 32)):
        assert int(topk.k_at(step, 64, gamma=0.99, nu=0.5, every=1000)) == want


def test_top_k_generator_loss_uses_only_the_best_fakes():
    distribute.set_seed(0)
    g, d = networks.mlp_pair(hidden=8)
    gan = models.NonSaturatingGAN(g, d, top_k=(0.25, 0.5, 1))  # k = B/2 after step 1, B/4 after step 2
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))  # nothing moves: compare losses
    gan.steps_done.assign(1)  # the clock top-k anneals on
    z = gan._noise(32, gan.n_critic)
    fake_logits = tf.reshape(d(g(z)), [-1]).numpy()
    per_example = np.log1p(np.exp(-fake_logits))  # softplus(-D(G(z))), non-saturating
    best = np.sort(per_example)[:16]  # the 16 highest logits have the 16 smallest losses
    with tf.GradientTape() as tape:
        k = gan._top_k(tf.constant(fake_logits))
        masked = per_example * topk.mask(tf.constant(fake_logits), k).numpy()
    assert int(k) == 16 and masked.sum() == pytest.approx(best.sum(), rel=1e-5)
    del tape


def trained_pair():
    distribute.set_seed(0)
    g, d = networks.mlp_pair(hidden=32)
    gan = models.NonSaturatingGAN(g, d)
    gan.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5))
    gan.fit(ring_batches(64), epochs=1, steps_per_epoch=100, verbose=0)
    return g, d


def bowl_discriminator(center=(0.6, -0.4), scale=10.0):
    """D(x) = -scale ||x - center||^2: its logit rises towards `center` (a known landscape)."""
    x = keras.Input((2,))
    c = tf.constant(center, tf.float32)
    logit = keras.layers.Lambda(lambda x: -scale * tf.reduce_sum((x - c) ** 2, -1, keepdims=True))(x)
    return keras.Model(x, logit)


def test_latent_refinement_raises_d_and_is_deterministic():
    g, _ = trained_pair()
    d = bowl_discriminator()
    z = tf.constant(np.random.default_rng(3).normal(size=(256, 2)).astype("float32"))
    refined = refine.latent_refine(g, d, z, steps=20, step_size=0.01)
    again = refine.latent_refine(g, d, z, steps=20, step_size=0.01)
    np.testing.assert_array_equal(refined.numpy(), again.numpy())

    def energy(z):
        return refine.score(d, g(z)).numpy() - 0.5 * np.sum(np.square(z), -1)

    assert np.mean(energy(refined) > energy(z)) > 0.95  # ascent on the energy, sample by sample
    before, after = refine.score(d, g(z)).numpy(), refine.score(d, g(refined)).numpy()
    assert after.mean() > before.mean() + 0.1 * abs(before.mean())  # D(G(z)) rises
    # One step by hand: z + eta * (grad_z D(G(z)) - z), the gradient by central differences.
    one = refine.latent_refine(g, d, z[:4], steps=1, step_size=0.01).numpy()
    h, grad = 1e-2, np.zeros((4, 2))
    for i in range(2):
        dz = np.zeros((4, 2), np.float32)
        dz[:, i] = h
        up, down = refine.score(d, g(z[:4] + dz)).numpy(), refine.score(d, g(z[:4] - dz)).numpy()
        grad[:, i] = (up - down) / (2 * h)
    np.testing.assert_allclose(one, z[:4].numpy() + 0.01 * (grad - z[:4].numpy()), rtol=1e-3, atol=1e-4)


def test_drs_acceptance_matches_the_formula():
    logits = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
    d_max, gamma = 2.5, -1.2
    delta = logits - d_max
    f = delta - np.log(1 - np.exp(delta - 1e-6))
    want = 1 / (1 + np.exp(-(f - gamma)))
    np.testing.assert_allclose(refine.drs_accept_probability(logits, d_max, gamma).numpy(), want, rtol=1e-12)
    pilot = np.random.default_rng(0).normal(size=1000)
    got_max, got_gamma = refine.drs_calibrate(pilot, percentile=80)
    delta = pilot - pilot.max()
    assert got_max == pilot.max()
    assert got_gamma == pytest.approx(np.percentile(delta - np.log(1 - np.exp(delta - 1e-6)), 80))


def test_drs_with_gamma_zero_accepts_with_ds_density_ratio():
    """gamma 0: sigmoid(F) = exp(D~ - D~_M), plain rejection sampling. On a D nearly flat over 8 equally
    likely modes (mode logits 0.12 to -0.11, nearly constant within a mode, as ring8_plain's D at seed
    0), it keeps each mode's share within exp(0.12 + 0.11) of the others; the paper's 95th-percentile
    gamma gives the mode D scores highest most of the acceptance."""
    logits = np.array([-3.0, -1.0, -0.1, 0.0, 0.12])
    d_max, gamma = refine.drs_calibrate(logits, percentile=None)
    assert (d_max, gamma) == (0.12, 0.0)
    accept = refine.drs_accept_probability(logits, d_max, gamma).numpy()
    np.testing.assert_allclose(accept, np.exp(logits - 0.12), rtol=1e-5)
    modes = np.repeat([0.02, 0.03, -0.02, 0.12, 0.04, 0.11, -0.11, -0.10], 1000)
    modes = modes + np.random.default_rng(0).normal(0, 5e-4, modes.shape)  # no exact ties at D~_M
    for percentile in (None, 95):
        d_max, gamma = refine.drs_calibrate(modes, percentile)
        kept = refine.drs_accept_probability(modes, d_max, gamma).numpy().reshape(8, 1000).sum(1)
        share = kept / kept.sum()
        if percentile is None:
            assert share.max() / share.min() == pytest.approx(np.exp(0.12 + 0.11), rel=1e-2)
        else:
            assert share[3] > 0.5


def test_sampler_takes_drs_gamma_from_the_config():
    g, d = networks.mlp_generator(LATENT, 2, 16, 2), networks.mlp_discriminator(2 * 2, 16, 2)
    config = tiny(export__refine="drs", export__drs_pilot=300)  # grid25's pairs: D sees 2 x 2
    z = np.asarray(noise.normal([300, LATENT], config.seed, "drs"))
    pilot = refine.score(d, g(z), pack=2).numpy()
    want = refine.drs_calibrate(pilot, config.export.drs_percentile)[1]
    assert guided.Sampler(config, g, d).gamma == want != 0.0
    config.export.drs_gamma = "zero"
    sampler = guided.Sampler(config, g, d)
    assert (sampler.d_max, sampler.gamma) == (pilot.max(), 0.0)
    config.export.drs_gamma = "half"
    with pytest.raises(PipelineError, match="unknown export.drs_gamma 'half'; valid: percentile, zero"):
        guided.Sampler(config, g, d)


def test_drs_sampling_keeps_the_samples_d_prefers():
    g, d = trained_pair()
    z = np.random.default_rng(0).normal(size=(4000, 2)).astype("float32")
    d_max, gamma = refine.drs_calibrate(refine.score(d, g(z)).numpy(), percentile=80)
    kept = refine.drs_sample(g, d, 500, seed=11, d_max=d_max, gamma=gamma, latent_dim=2).numpy()
    assert kept.shape == (500, 2)
    np.testing.assert_array_equal(
        kept, refine.drs_sample(g, d, 500, seed=11, d_max=d_max, gamma=gamma, latent_dim=2).numpy()
    )
    # Kept samples score higher under D than unfiltered ones.
    assert refine.score(d, kept).numpy().mean() > refine.score(d, g(z)).numpy().mean()


@pytest.mark.parametrize("mode", ["none", "latent", "drs"])
def test_refinement_through_evaluate_and_export(tmp_path, mode):
    config = tiny(steps=20, export__refine=mode, export__drs_pilot=500, train__ema_decay=0.9)
    config.export.latent_steps, config.export.latent_step_size = 7, 0.02  # not the defaults
    cli.run_stages(list(cli.STAGES), config, str(tmp_path))
    metrics = read_json(os.path.join(tmp_path, "evaluate", "metrics.json"))["metrics"]
    assert ("raw/modes" in metrics) == (mode != "none") and "modes" in metrics
    loaded = tf.saved_model.load(str(tmp_path / "export" / "1"))
    want = {"none": {"raw", "serving_default"}, "latent": {"raw", "serving_default"}}
    assert set(loaded.signatures) == want.get(mode, {"raw", "serving_default", "sample"})
    generator = keras.models.load_model(tmp_path / "train" / "generator.keras", compile=False)
    carries_d = len(loaded.variables) > len(generator.variables)
    assert carries_d == (mode != "none")  # D's weights only when a refinement needs them
    z = tf.random.normal([5, LATENT])
    raw = loaded.signatures["raw"](z=z)["samples"].numpy()
    np.testing.assert_allclose(raw, generator(z).numpy(), rtol=1e-5, atol=1e-5)
    served = loaded.signatures["serving_default"](z=z)["samples"].numpy()
    assert np.allclose(served, raw) == (mode != "latent")
    if mode == "latent":  # bench.refine_scan refines (packed D too) what the export serves, same z
        from bench import refine_scan

        setting = (config.export.latent_steps, config.export.latent_step_size)
        _, scanned = refine_scan.refined_samples(str(tmp_path), config.seed, settings=(setting,))
        z = np.random.default_rng(10_000 + config.seed).standard_normal((2500, LATENT)).astype(np.float32)
        served = loaded.signatures["serving_default"](z=tf.constant(z))["samples"].numpy()
        moved = not np.allclose(served, generator(z).numpy(), atol=1e-3)  # the refinement did something
        assert config.gan.pack == 2 and moved
        np.testing.assert_allclose(scanned[setting], served, rtol=1e-5, atol=1e-5)
        sampler = guided.for_train_dir(config, generator, str(tmp_path / "train"))  # what evaluate scores
        for rows in (slice(0, 300), slice(300, 307)):  # two batch sizes through one compiled function
            np.testing.assert_allclose(sampler.samples(z[rows]), served[rows], rtol=1e-5, atol=1e-5)
        assert sampler._refined.experimental_get_tracing_count() == 1
    if mode == "drs":
        out = loaded.signatures["sample"](num_samples=tf.constant(7), seed=tf.constant(3, tf.int64))
        assert out["samples"].shape == (7, 2)


def test_ema_generator_is_what_training_publishes(tmp_path):
    cli.run_stages(["ingest", "train"], tiny(steps=20, train__ema_decay=0.9), str(tmp_path))
    published = keras.models.load_model(tmp_path / "train" / "generator.keras", compile=False)
    ckpt = tf.train.load_checkpoint(str(tmp_path / "train" / "checkpoints"))
    names = ckpt.get_variable_to_shape_map()
    assert any(n.startswith("ema_generator/") for n in names)
    kernel = next(n for n in sorted(names) if n.startswith("ema_generator/") and "kernel" in n)
    kernels = [w.numpy() for w in published.weights if "kernel" in w.path]
    assert any(np.array_equal(ckpt.get_tensor(kernel), k) for k in kernels)


def test_packed_stacked_digits_through_the_pipeline(tmp_path, classifier_dir):
    """PacDCGAN (the stacked config's gan.pack = 2): D's input stacks two images' channels. Evaluate
    counts the real reference's modes and class KL over as many classes as samples, the real half's
    digits recombined channel by channel."""
    from configs import stacked_digits
    from gan_tf import metrics
    from gan_tf.metrics import features
    from pipeline import evaluators, ingest
    from tests.test_sources import shrink

    config = shrink(stacked_digits.get_config(), steps=2)
    config.data.num_examples, config.data.image_size, config.seed = 3000, 8, 3  # read by classifier 0
    config.eval.features, config.eval.num_samples, config.eval.batch_size = "digits_classifier", 500, 100
    config.eval.classifier_dir, config.eval.kid_subsets, config.eval.kid_subset_size = classifier_dir, 5, 50
    assert config.gan.pack == 2
    cli.run_stages(["ingest", "train", "evaluate"], config, str(tmp_path))
    d = keras.models.load_model(os.path.join(tmp_path, "train", "discriminator.keras"), compile=False)
    assert d.input_shape == (None, 8, 8, 6)  # 2 x 3 channels
    assert read_json(os.path.join(tmp_path, "train", "manifest.json"))["outputs"]["steps"] == 2
    report = read_json(os.path.join(tmp_path, "evaluate", "metrics.json"))["metrics"]
    assert report["modes"]["reference_num_samples"] == report["class_kl"]["reference_num_samples"] == 500
    assert report["fid"]["reference_num_samples"] < 500  # the held-out half of 3000 stacks
    # The reference by hand: the other real half, classified, recombined to 500 classes.
    ingest_dir = str(tmp_path / "ingest")
    classifier = evaluators.digits_classifier(str(tmp_path), 0, cache_dir=classifier_dir)
    no_generator = keras.Sequential([keras.Input((4,)), keras.layers.Identity()])
    ctx = evaluators.Context(config, ingest.dataset_info(ingest_dir), ingest_dir, no_generator, None)
    ctx.leave_out_digits(features.digits_split(0)[0])
    half = ctx.real_count // 2
    classes = classifier(ctx.real(half, offset=half))["classes"]
    expected = metrics.class_coverage(metrics.recombined_classes(classes, 3, 500, seed=0), 1000)
    assert (report["modes"]["reference"], report["class_kl"]["reference"]) == pytest.approx(expected)
    assert expected[0] > half  # more classes than the half holds examples: recombined
    for key in ("value", "reference"):  # class KL = the channels' digit KLs + their total correlation
        parts = report["class_kl_channels"][key] + report["class_total_correlation"][key]
        assert parts == pytest.approx(report["class_kl"][key], rel=1e-9, abs=1e-12)
    for name in ("class_kl_channels", "class_total_correlation"):  # counted on the recombined 500 too
        assert report[name]["reference_num_samples"] == 500
    # bench.stacked_classes regenerates evaluate's samples: the same modes and KL; its digit shares
    from bench import stacked_classes

    classes = stacked_classes.run_classes(str(tmp_path), config)
    got = metrics.class_coverage(classes, 1000)
    assert got == pytest.approx((report["modes"]["value"], report["class_kl"]["value"]), rel=1e-9)
    digits = np.array([[c // 100, c // 10 % 10, c % 10] for c in classes])
    by_hand = [[np.mean(digits[:, channel] == d) for d in range(10)] for channel in range(3)]
    np.testing.assert_allclose(stacked_classes.digit_shares(classes), by_hand)
    # bench.stacked_classifiers: the same samples read by several classifiers, here the run's own and a
    # stand-in that gives each sample its own class (of 1000: KL log 2 over 500 samples)
    from bench import stacked_classifiers

    seen = []

    def one_class_each(batch):
        seen.append(np.asarray(batch))
        return {"classes": sum(len(b) for b in seen[:-1]) + np.arange(len(batch))}

    kls = stacked_classifiers.cross_kls([str(tmp_path)], [config], [classifier, one_class_each])
    assert kls.shape == (1, 2, 3)
    assert kls[0, 0, 0] == pytest.approx(report["class_kl"]["value"], rel=1e-9)
    assert kls[0, 1, 0] == pytest.approx(np.log(2), rel=1e-9)
    assert kls[0, 1, 1] + kls[0, 1, 2] == pytest.approx(kls[0, 1, 0])
    seen_classes = classifier(np.concatenate(seen))["classes"]  # the stand-in saw evaluate's samples
    np.testing.assert_array_equal(seen_classes, classes)  # what run_classes' own reading gave above
