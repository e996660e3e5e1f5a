"""Each loss against its numpy closed form on hand-made logits."""

import numpy as np
import pytest

from gan_tf import losses

REAL = np.array([-3.0, -0.5, 0.0, 0.7, 4.0], np.float32)
FAKE = np.array([2.5, -1.0, 0.3, 0.0, -6.0], np.float32)


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t.astype(np.float64)))


def bce(target, logits):
    p = sigmoid(logits)
    return -(target * np.log(p) + (1 - target) * np.log(1 - p))


CASES = {
    "minimax": (bce(1, REAL) + bce(0, FAKE), np.log(1 - sigmoid(FAKE))),
    "non_saturating": (bce(1, REAL) + bce(0, FAKE), -np.log(sigmoid(FAKE))),
    "wasserstein": (FAKE - REAL, -FAKE),
    "hinge": (np.maximum(0, 1 - REAL) + np.maximum(0, 1 + FAKE), -FAKE),
    "least_squares": (0.5 * (REAL - 1) ** 2 + 0.5 * FAKE**2, 0.5 * (FAKE - 1) ** 2),
}


@pytest.mark.parametrize("name", losses.NAMES)
@pytest.mark.parametrize("column", [False, True], ids=["[B]", "[B,1]"])
def test_loss_matches_closed_form(name, column):
    d_loss, g_loss = losses.get(name)
    real, fake = (REAL[:, None], FAKE[:, None]) if column else (REAL, FAKE)
    want_d, want_g = CASES[name]
    got_d, got_g = d_loss(real, fake).numpy(), g_loss(fake).numpy()
    assert got_d.shape == got_g.shape == (len(REAL),)
    np.testing.assert_allclose(got_d, want_d, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("s", [0.1, 0.3])
def test_label_smoothing_moves_only_the_real_target(s):
    got = losses.minimax_discriminator_loss(REAL, FAKE, label_smoothing=s).numpy()
    np.testing.assert_allclose(got, bce(1 - s, REAL) + bce(0, FAKE), rtol=1e-5, atol=1e-6)


def test_minimax_discriminator_loss_is_minus_the_value():
    # Per example, -[log D(x) + log(1 - D(G(z)))]: the seeds' V(D, G) with the sign flipped.
    v = np.log(sigmoid(REAL)) + np.log(1 - sigmoid(FAKE))
    np.testing.assert_allclose(losses.minimax_discriminator_loss(REAL, FAKE).numpy(), -v, rtol=1e-5)


def test_stable_for_large_logits():
    big = np.array([80.0, -80.0], np.float32)
    for name in losses.NAMES:
        d_loss, g_loss = losses.get(name)
        assert np.all(np.isfinite(d_loss(big, -big).numpy())) and np.all(np.isfinite(g_loss(big).numpy()))


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="minimax, non_saturating, wasserstein, hinge, least_squares"):
        losses.get("nope")


def test_rejects_wide_logits():
    with pytest.raises(ValueError, match=r"\[B\] or \[B, 1\]"):
        losses.hinge_generator_loss(np.zeros((4, 2), np.float32))


def test_every_variant_names_its_loss_family():
    from gan_tf import models

    assert models.LOSS_FAMILY == {
        "minimax": "minimax",
        "non_saturating": "non_saturating",
        "wgan": "wasserstein",
        "wgan_gp": "wasserstein",
        "hinge": "hinge",
        "least_squares": "least_squares",
    }
    for name, cls in models.VARIANTS.items():
        d_loss, g_loss = losses.get(models.LOSS_FAMILY[name])
        assert cls(*_tiny_pair())._g_loss_fn is g_loss and cls(*_tiny_pair())._d_loss_fn is d_loss


def _tiny_pair():
    from gan_tf import networks

    return networks.mlp_pair(hidden=4)
