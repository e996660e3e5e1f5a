"""Mixed precision (train.precision): bf16/fp16 compute with float32 variables, float32 outputs, losses
and SN sigma; loss scaling skips non-finite float16 steps and counts them; replicas still agree."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import data, distribute, models, networks
from gan_tf.layers import SpectralNormalization
from pipeline import cli, train
from tests.pipeline_helpers import tiny

DIGITS = data.load_digits(16)[0][:256]
MIXED = ("mixed_bfloat16", "mixed_float16")


@pytest.mark.parametrize("precision", MIXED)
def test_networks_compute_in_the_policy_with_float32_outputs(precision):
    with networks.precision(precision):
        g, d = networks.dcgan_pair(latent_dim=8, size=16, channels=1, width=8, spectral_norm=True)
        small = networks.dcgan_generator(latent_dim=8, size=16, channels=1, width=8, native_size=8)
    assert keras.config.dtype_policy().name == "float32"  # restored
    compute = precision.removeprefix("mixed_")
    hidden = [layer for layer in g.layers + d.layers if layer.weights][:-1]
    assert any(layer.compute_dtype == compute for layer in hidden)
    assert all(w.dtype == "float32" for w in g.weights + d.weights)  # master weights
    z = tf.constant(np.random.default_rng(0).standard_normal((4, 8)), tf.float32)
    assert g(z).dtype == tf.float32 and d(g(z)).dtype == tf.float32
    assert small(z).dtype == tf.float32 and small(z).shape == (4, 16, 16, 1)  # drawn at 8 px, resized
    with pytest.raises(ValueError, match="valid: float32, mixed_bfloat16"):
        with networks.precision("float8"):
            pass


def top_singular_vector(kernel):
    _, s, vt = np.linalg.svd(np.asarray(kernel, np.float64).reshape(-1, kernel.shape[-1]))
    return s[0], vt[0]


def test_spectral_norm_sigma_stays_float32_under_bfloat16():
    """After many power iterations u is the top right singular vector to float32 accuracy; computed
    in bfloat16 (8-bit mantissa) it would be off by ~1e-3 per component."""
    keras.utils.set_random_seed(0)
    with networks.precision("mixed_bfloat16"):
        layer = SpectralNormalization(keras.layers.Dense(6))
        layer.build((None, 10))
    assert layer.compute_dtype == "bfloat16" and layer.u.dtype == "float32"
    x = tf.random.normal([4, 10])
    for _ in range(300):  # through Layer.__call__, where Keras autocasts variables to bfloat16
        y = layer(x, training=True)
    assert y.dtype == tf.bfloat16
    sigma, v = top_singular_vector(layer.layer.kernel.numpy())
    u = layer.u.numpy()[0]
    np.testing.assert_allclose(u * np.sign(u @ v), v, atol=2e-6)  # measured 3e-3 without the fix


def build(precision, strategy, lr=0.01, initial_scale=2.0**15):
    distribute.set_seed(1)
    with strategy.scope():
        with networks.precision(precision):
            g = networks.dcgan_generator(latent_dim=8, size=16, channels=1, width=8)
            d = networks.dcgan_discriminator(16, 1, width=8, spectral_norm=True)
        gan = models.get("non_saturating")(g, d, seed=3, n_critic=2)

        def optimizer():
            sgd = keras.optimizers.SGD(lr)
            if precision != "mixed_float16":
                return sgd
            return keras.optimizers.LossScaleOptimizer(sgd, initial_scale=initial_scale)

        gan.compile(optimizer(), optimizer())
    return gan


def weights(gan, trainable=False):
    """Every weight (batch-norm statistics and SN's u move in the forward pass), or the trained ones."""
    networks = (gan.generator, gan.discriminator)
    found = [n.trainable_weights if trainable else n.weights for n in networks]
    return np.concatenate([np.ravel(w.numpy()) for w in found[0] + found[1]])


def fit(gan, steps=3):
    ds = tf.data.Dataset.from_tensor_slices(DIGITS).batch(32, drop_remainder=True).repeat()
    gan.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)


@pytest.mark.parametrize("precision", MIXED)
def test_two_replicas_equal_one_in_mixed_precision(precision):
    """The two runs' updates agree to a few bf16/fp16 roundings; a replica that averaged its loss over
    its own half of the batch (twice the gradient) would differ by the whole update."""
    runs = []
    for strategy in (distribute.get_strategy("one_device"), distribute.get_strategy("mirrored", 2)):
        gan = build(precision, strategy)
        start = weights(gan)
        fit(gan)
        runs.append((start, weights(gan)))
    (start1, end1), (start2, end2) = runs
    np.testing.assert_array_equal(start1, start2)
    update = np.linalg.norm(end1 - start1)
    assert update > 1e-3
    # measured: bfloat16 1.3e-3, float16 2.1e-4 (float32 5e-8); a 2x-gradient replica gives ~1
    assert np.linalg.norm(end1 - end2) / update < {"mixed_bfloat16": 1e-2, "mixed_float16": 2e-3}[precision]


def test_float16_loss_scaling_skips_overflowing_steps_and_counts_them():
    """A loss scale of 2^40 overflows float16's backward pass: those updates are skipped (weights
    unchanged, the scale halved each time) while the step clock runs on; once the scale is small
    enough, updates apply. skipped_updates must equal the number of halvings of each scale."""
    scale = 2.0**40
    gan = build("mixed_float16", distribute.get_strategy("one_device"), lr=0.05, initial_scale=scale)
    start = weights(gan, trainable=True)
    fit(gan, steps=1)
    assert int(gan.steps_done.numpy()) == 1
    assert train.skipped_updates(gan) == (1, 2)  # one G update, n_critic = 2 D updates
    np.testing.assert_array_equal(weights(gan, trainable=True), start)
    fit(gan, steps=40)
    g_skipped, d_skipped = train.skipped_updates(gan)
    assert int(gan.steps_done.numpy()) == 41 and int(gan.g_optimizer.iterations.numpy()) == 41 - g_skipped
    assert gan.g_optimizer.dynamic_scale.numpy() == scale / 2**g_skipped  # no growth within 2000 steps
    assert gan.d_optimizer.dynamic_scale.numpy() == scale / 2**d_skipped
    assert g_skipped < 41 and d_skipped < 82 and not np.array_equal(weights(gan, trainable=True), start)


@pytest.mark.parametrize("precision", MIXED)
def test_pipeline_trains_and_exports_in_mixed_precision(tmp_path, capsys, precision):
    config = tiny(steps=20, train__precision=precision)
    cli.run_stages(["ingest", "train", "evaluate", "export"], config, str(tmp_path))
    out = capsys.readouterr().out
    assert f"1 replica(s), {precision}" in out
    assert ("loss scaling skipped" in out) == (precision == "mixed_float16")  # a LossScaleOptimizer each
    generator = keras.models.load_model(tmp_path / "train" / "generator.keras")
    assert generator.layers[1].compute_dtype == precision.removeprefix("mixed_")
    serve = tf.saved_model.load(str(tmp_path / "export" / "1"))
    z = tf.zeros([3, generator.input_shape[-1]])
    samples = serve.signatures["serving_default"](z=z)["samples"]
    assert samples.dtype == tf.float32 and np.all(np.isfinite(samples.numpy()))


def test_pipeline_trains_with_xla(tmp_path, capsys):
    config = tiny(steps=20, train__jit_compile=True)
    try:
        cli.run_stages(["ingest", "train"], config, str(tmp_path))
    finally:
        distribute.set_seed(0)  # XLA ran without deterministic ops; the next test in this process needs them
    assert "float32 + XLA" in capsys.readouterr().out  # the model was compiled with jit_compile
    generator = keras.models.load_model(tmp_path / "train" / "generator.keras")
    assert np.all(np.isfinite(generator(tf.zeros([2, generator.input_shape[-1]])).numpy()))
