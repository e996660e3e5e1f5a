"""Builders' shapes and the embedded datasets."""

import keras
import numpy as np
import pytest

from gan_tf import data, ema, networks
from gan_tf.layers import Maxout, SpectralNormalization
from pipeline import train
from tests.pipeline_helpers import LATENT, tiny


@pytest.mark.parametrize("size", sorted(networks.IMAGE_SIZES))
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_pair_shapes(size, channels):
    g, d = networks.dcgan_pair(latent_dim=8, size=size, channels=channels, width=4, spectral_norm=True)
    images = g(np.zeros((2, 8), "float32")).numpy()
    assert images.shape == (2, size, size, channels) and np.abs(images).max() <= 1.0
    assert d(images).shape == (2, 1)
    assert any(isinstance(layer, SpectralNormalization) for layer in d.layers)


def test_mlp_pair_and_bad_shapes():
    g, d = networks.mlp_pair(latent_dim=3, spectral_norm=False)
    assert g(np.zeros((5, 3), "float32")).shape == (5, 2) and d(np.zeros((5, 2), "float32")).shape == (5, 1)
    assert not any(isinstance(layer, SpectralNormalization) for layer in d.layers)
    with pytest.raises(ValueError, match="one of"):
        networks.dcgan_pair(size=20)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        networks.dcgan_pair(size=8, channels=2)


@pytest.mark.parametrize("maxout,conditional", [(0, "none"), (3, "none"), (3, "projection")])
def test_the_pipeline_builds_the_configured_discriminator(maxout, conditional):
    config = tiny(model__d_maxout=maxout, gan__conditional=conditional, model__spectral_norm=True)
    _, d = train.build_networks(config, {"shape": [2], "num_classes": 10})
    layers = list(d._flatten_layers())
    assert [layer.pieces for layer in layers if isinstance(layer, Maxout)] == ([maxout] * 2 if maxout else [])
    widths = [layer.layer.units for layer in layers if isinstance(layer, SpectralNormalization)]
    assert widths[:2] == [32 * (maxout or 1)] * 2


@pytest.mark.parametrize("d_width,pack,upsample", [(0, 1, "transpose"), (48, 2, "nearest")])
def test_the_pipeline_builds_the_configured_dcgan(d_width, pack, upsample):
    config = tiny(
        model__arch="dcgan",
        model__width=16,
        model__d_width=d_width,
        gan__pack=pack,
        model__g_upsample=upsample,
    )
    g, d = train.build_networks(config, {"shape": [16, 16, 3]})
    d_filters = [layer.filters for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    assert d_filters == [d_width or 16, 2 * (d_width or 16)]  # 16 -> 8 -> 4 px, doubling
    assert d.input_shape == (None, 16, 16, 3 * pack)
    # G keeps model.width: 4 -> 8 -> 16 px, halving down to it, then the 3x3 output conv
    kinds = (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.UpSampling2D)
    ups = [layer for layer in g.layers if isinstance(layer, kinds)]
    if upsample == "transpose":
        assert [(type(u).__name__, getattr(u, "filters", 0)) for u in ups] == [
            ("Conv2DTranspose", 32),
            ("Conv2DTranspose", 16),
            ("Conv2D", 3),
        ]
    else:
        assert [(type(u).__name__, getattr(u, "filters", None)) for u in ups] == [
            ("UpSampling2D", None),
            ("Conv2D", 32),
            ("UpSampling2D", None),
            ("Conv2D", 16),
            ("Conv2D", 3),
        ]
        assert [u.kernel_size for u in ups if isinstance(u, keras.layers.Conv2D)] == [(3, 3)] * 3
    images = g(np.random.default_rng(0).standard_normal((2, LATENT)).astype("float32")).numpy()
    assert images.shape == (2, 16, 16, 3) and np.abs(images).max() <= 1.0


def test_resize_convolution_is_pixel_repeat_then_a_3x3_convolution():
    """A "nearest" doubling of G, by hand on G's own activations: each pixel repeated into a 2x2 block
    (numpy), then the 3x3 'same' convolution with the layer's kernel, summed tap by tap."""
    g = networks.dcgan_generator(latent_dim=4, size=8, channels=1, width=2, upsample="nearest")
    up = next(i for i, layer in enumerate(g.layers) if isinstance(layer, keras.layers.UpSampling2D))
    conv = g.layers[up + 1]
    probe = keras.Model(g.inputs, [g.layers[up - 1].output, conv.output])
    before, after = (
        t.numpy() for t in probe(np.random.default_rng(1).standard_normal((2, 4)).astype("float32"))
    )
    repeated = np.pad(before.repeat(2, axis=1).repeat(2, axis=2), [(0, 0), (1, 1), (1, 1), (0, 0)])
    kernel, size = conv.kernel.numpy(), before.shape[1] * 2
    by_hand = sum(
        repeated[:, i : i + size, j : j + size, :] @ kernel[i, j] for i in range(3) for j in range(3)
    )
    np.testing.assert_allclose(after, by_hand, rtol=1e-5, atol=1e-5)
    assert conv.kernel.shape == (3, 3, 4, 2) and not conv.use_bias
    with pytest.raises(ValueError, match="valid: transpose, nearest"):
        networks.dcgan_generator(size=8, upsample="bilinear")


def _bilinear_2x(x):
    """[N, n, n, C] -> [N, 2n, 2n, C] with half-pixel centres: output pixel i samples the input at
    i/2 - 1/4, clamped to the edge, interpolating linearly along each axis."""
    n = x.shape[1]
    src = np.clip((np.arange(2 * n) + 0.5) / 2 - 0.5, 0, n - 1)
    lo = np.floor(src).astype(int)
    hi, w = np.minimum(lo + 1, n - 1), src - lo
    rows = x[:, lo] * (1 - w)[:, None, None] + x[:, hi] * w[:, None, None]
    return rows[:, :, lo] * (1 - w)[:, None] + rows[:, :, hi] * w[:, None]


def test_a_native_size_generator_draws_small_and_resizes_bilinearly():
    """model.g_native_size=8 for 16 px data: G's last conv draws 8 px, and its output is that drawing
    doubled bilinearly (numpy, above); the 16 px digits are the same doubling of the 8 px ones, so
    every real image is one G can draw."""
    config = tiny(model__arch="dcgan", model__width=8, model__g_native_size=8)
    g, d = train.build_networks(config, {"shape": [16, 16, 3]})
    convs = [(type(layer).__name__, layer.filters) for layer in g.layers if hasattr(layer, "filters")]
    assert convs == [("Conv2DTranspose", 8), ("Conv2D", 3)]  # 4 -> 8 px, then the output conv
    assert d.input_shape[1:3] == (16, 16)  # D judges the data's size
    z = np.random.default_rng(2).standard_normal((3, LATENT)).astype("float32")
    drawn = keras.Model(g.inputs, g.layers[-2].output)(z).numpy()
    assert drawn.shape == (3, 8, 8, 3)
    np.testing.assert_allclose(g(z).numpy(), _bilinear_2x(drawn), atol=1e-6)
    np.testing.assert_allclose(data.load_digits(16)[0], _bilinear_2x(data.load_digits(8)[0]), atol=1e-6)
    # conditional (G(z, label) around the same builder) and its EMA copy keep the resize
    config.gan.conditional, config.gan.pack = "projection", 1
    cond, _ = train.build_networks(config, {"shape": [16, 16, 3], "num_classes": 10})
    labels = np.array([0, 3, 9])
    out = cond([z, labels]).numpy()
    assert out.shape == (3, 16, 16, 3) and np.abs(out).max() <= 1.0
    np.testing.assert_allclose(ema.clone(cond)([z, labels]).numpy(), out, atol=1e-6)
    same = networks.dcgan_generator(latent_dim=4, size=16, channels=3, width=4, native_size=16)
    assert not any(isinstance(layer, keras.layers.Resizing) for layer in same.layers)  # nothing to resize
    with pytest.raises(ValueError, match=r"native_size must be 0 or one of \[8\] \(up to 8 px\)"):
        networks.dcgan_generator(size=8, native_size=16)


@pytest.mark.parametrize("name,k,radius", [("ring8", 8, 1.0), ("grid25", 25, None)])
def test_mixtures(name, k, radius):
    centers = data.mixture_centers(name)
    assert centers.shape == (k, 2) and len(np.unique(centers.round(6), axis=0)) == k
    if radius:
        np.testing.assert_allclose(np.linalg.norm(centers, axis=1), radius)
    x = data.sample_mixture(name, 5000, seed=1)
    dist = np.linalg.norm(x[:, None] - centers[None], axis=-1)
    nearest = dist.min(axis=1)
    assert nearest.max() < 6 * data.mixture_std(name)  # every point is near a centre
    assert len(np.unique(dist.argmin(axis=1))) == k
    np.testing.assert_array_equal(x, data.sample_mixture(name, 5000, seed=1))
    with pytest.raises(ValueError, match="ring8, grid25"):
        data.mixture_centers("spiral")


def test_digits_and_stacked_digits():
    images, labels = data.load_digits()
    assert images.shape == (1797, 8, 8, 1) and images.min() == -1.0 and images.max() == 1.0
    assert set(labels) == set(range(10))
    assert data.load_digits(size=16)[0].shape == (1797, 16, 16, 1)
    stacked, classes = data.stacked_digits(300, seed=0)
    assert stacked.shape == (300, 8, 8, 3) and classes.max() < 1000
    # Each channel is one of the digits, and the class encodes the three labels.
    idx = np.flatnonzero(np.all(images[:, :, :, 0] == stacked[0, :, :, 0], axis=(1, 2)))
    assert classes[0] // 100 in labels[idx]


def test_for_gan_stream_is_a_pure_function_of_the_seed():
    import tensorflow as tf

    ds = tf.data.Dataset.range(10)
    stream = [b.tolist() for b in data.for_gan(ds, 5, seed=3).take(8).as_numpy_iterator()]
    epochs = [sorted(stream[i] + stream[i + 1]) for i in range(0, 8, 2)]
    assert all(e == list(range(10)) for e in epochs)  # every data epoch is a permutation
    assert len({tuple(stream[i] + stream[i + 1]) for i in range(0, 8, 2)}) > 1  # reshuffled per epoch
    resumed = [b.tolist() for b in data.for_gan(ds, 5, seed=3).skip(5).take(3).as_numpy_iterator()]
    assert resumed == stream[5:8]
    other = [b.tolist() for b in data.for_gan(ds, 5, seed=4).take(8).as_numpy_iterator()]
    assert other != stream
    grouped = data.for_gan(ds, 2, n_critic=3, seed=3).take(1).get_single_element().numpy()
    flat = data.for_gan(ds, 2, seed=3).take(3).as_numpy_iterator()
    assert grouped.shape == (2, 3) and (grouped.T == np.stack(list(flat))).all()  # [:, j] = batch j


@pytest.mark.parametrize("batch,n_critic", [(3, 1), (4, 3)])
def test_for_gan_starts_at_a_step_without_replaying_the_stream(batch, n_critic):
    import tensorflow as tf

    ds = tf.data.Dataset.range(10)

    def as_lists(stream, n):
        return [np.asarray(b).tolist() for b in stream.take(n).as_numpy_iterator()]

    straight = as_lists(data.for_gan(ds, batch, n_critic, seed=7), 20)
    for start in (1, 3, 7, 13):  # starts mid-epoch and on epoch boundaries alike
        assert (
            as_lists(data.for_gan(ds, batch, n_critic, seed=7, start_step=start), 20 - start)
            == straight[start:]
        )
    # Step 10**12 lies in epoch e = 10**12 * n_critic * batch // 10, which replaying could never reach:
    # its first examples are epoch e's seeded permutation at that offset.
    step = 10**12
    e, offset = divmod(step * n_critic * batch, 10)

    def shuffled(epoch):  # data epoch `epoch`, shuffled with the seed (7, epoch); no global seed
        tf.compat.v1.get_default_graph().seed = None
        return ds.shuffle(
            10_000, seed=tf.constant(7 * 1_000_003, tf.int64) + epoch, reshuffle_each_iteration=False
        )

    perm = list(tf.data.Dataset.range(e, e + 2).flat_map(shuffled).as_numpy_iterator())
    first = np.asarray(as_lists(data.for_gan(ds, batch, n_critic, seed=7, start_step=step, count=10), 1)[0])
    assert first.T.ravel().tolist() == perm[offset : offset + batch * n_critic]
