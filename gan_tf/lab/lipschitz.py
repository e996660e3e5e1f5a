"""Claims 5 and 6: spectral normalization's power iteration finds sigma(W) and makes the critic
1-Lipschitz (Miyato et al. 2018); the hinge loss only trains on examples inside its margins."""

import keras
import numpy as np
import tensorflow as tf

from gan_tf import losses, networks
from gan_tf.lab import Finding, plots
from gan_tf.layers import SpectralNormalization


def _kernels(rng):
    """name -> kernel: two Gaussian ones and one with a close second singular value (0.9 sigma_1)."""
    u, _ = np.linalg.qr(rng.normal(size=(64, 32)))
    v, _ = np.linalg.qr(rng.normal(size=(32, 32)))
    spectrum = np.concatenate([[3.0, 2.7], np.linspace(1.0, 0.1, 30)])
    return {
        "gaussian 64x32": rng.normal(size=(64, 32)) / 8.0,
        "gaussian 256x128": rng.normal(size=(256, 128)) / 16.0,
        "sigma2/sigma1 = 0.9, 64x32": (u * spectrum) @ v.T,
    }


def spectral_norm(iterations=40, pairs=10_000):
    """sigma estimated by gan_tf.layers.SpectralNormalization (one power iteration per training call)
    against numpy's SVD, per iteration; then an SN network's |f(x) - f(y)| / ||x - y|| over pairs."""
    rng = np.random.default_rng(0)
    keras.utils.set_random_seed(0)
    errors = {}
    for name, kernel in _kernels(rng).items():
        layer = SpectralNormalization(keras.layers.Dense(kernel.shape[1], use_bias=False))
        layer.build((None, kernel.shape[0]))
        layer.layer.kernel.assign(kernel.astype(np.float32))
        sigma = np.linalg.svd(kernel, compute_uv=False)[0]
        curve = []
        for _ in range(iterations):
            normalized = layer.normalized_kernel(training=True).numpy()
            estimate = np.linalg.norm(kernel) / np.linalg.norm(normalized)
            curve.append(abs(estimate - sigma) / sigma)
        errors[name] = curve
    critic = networks.mlp_discriminator(2, hidden=64, depth=3, spectral_norm=True)
    points = rng.normal(size=(200, 2)).astype(np.float32)
    for _ in range(50):  # converge each layer's u
        critic(points, training=True)
    x = rng.normal(size=(pairs, 2)) * 2.0
    y = x + rng.normal(size=(pairs, 2)) * rng.choice([1e-3, 1e-1, 1.0], size=(pairs, 1))
    fx, fy = (critic(v.astype(np.float32), training=False).numpy()[:, 0] for v in (x, y))
    ratios = np.abs(fx - fy) / np.linalg.norm(x - y, axis=1)
    # The bound is tight for one layer: along W's top right-singular vector an SN layer stretches by 1.
    top = SpectralNormalization(keras.layers.Dense(32, use_bias=False))
    top.build((None, 64))
    for _ in range(iterations):  # training calls run the power iteration
        top(np.zeros((1, 64), np.float32), training=True)
    direction = np.linalg.svd(top.layer.kernel.numpy())[0][:, 0]  # kernel is (in, out): x -> x W
    stretch = float(np.linalg.norm(top(direction[None].astype(np.float32)).numpy()))
    final = {name: curve[-1] for name, curve in errors.items()}
    passed = bool(max(final.values()) < 1e-2 and ratios.max() <= 1.0 + 1e-3 and abs(stretch - 1) < 1e-3)
    fig, ax = plots.figure()
    for name, curve in errors.items():
        ax.semilogy(range(1, iterations + 1), np.maximum(curve, 1e-8), label=name)
    ax.set_xlabel("power iterations")
    ax.set_ylabel("|σ estimate − σ_SVD| / σ_SVD")
    ax.legend(fontsize=7)
    return Finding(
        title="Spectral normalization by power iteration",
        claim="u ← W v / ‖W v‖, v ← Wᵀu / ‖Wᵀu‖ converges to the top singular pair, σ(W) ≈ uᵀW v, "
        "at rate (σ₂/σ₁)²ᵏ; dividing every layer by it (with 1-Lipschitz activations) makes the critic "
        "1-Lipschitz: |f(x) − f(y)| ≤ ‖x − y‖.",
        derivation="spectral normalization by power iteration (the Lipschitz constraint of WGAN)",
        setup=f"gan_tf.layers.SpectralNormalization on three kernels, {iterations} training calls; an SN MLP "
        f"critic (2 → 3×64 LeakyReLU → 1) after 50 calls, {pairs} pairs at distances 1e-3 to 1.",
        numbers={
            "final_relative_error": final,
            "error_after_1_iteration": {name: curve[0] for name, curve in errors.items()},
            "one_layer_stretch_along_top_singular_vector": stretch,
            "max_lipschitz_ratio": float(ratios.max()),
            "mean_lipschitz_ratio": float(ratios.mean()),
        },
        target=f"relative error < 1e-2 after {iterations} iterations on every kernel; the network's max "
        "ratio ≤ 1 + 1e-3; one SN layer stretches its top singular direction by 1 ± 1e-3",
        passed=passed,
        plot=plots.png(fig),
    )


def hinge_margins():
    """Per-example gradients of the hinge loss relu(1 - D(x)) + relu(1 + D(G(z))) on a sweep of logits."""
    logits = tf.constant(np.linspace(-3.0, 3.0, 61), tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        loss = tf.reduce_sum(losses.hinge_discriminator_loss(logits, logits))
        real = tf.reduce_sum(tf.nn.relu(1.0 - logits))
    total = tape.gradient(loss, logits).numpy()
    real_grad = tape.gradient(real, logits).numpy()
    fake_grad = total - real_grad
    d = logits.numpy()
    real_rule, fake_rule = d < 1.0, d > -1.0
    passed = bool(np.array_equal(real_grad != 0, real_rule) and np.array_equal(fake_grad != 0, fake_rule))
    fig, ax = plots.figure()
    ax.plot(d, np.abs(real_grad), "o-", ms=3, label="real x: |∂/∂D(x)|")
    ax.plot(d, np.abs(fake_grad) * 0.9, "s-", ms=3, label="fake: |∂/∂D(G(z))| (× 0.9 to separate)")
    ax.axvline(1.0, ls=":", c="gray"), ax.axvline(-1.0, ls=":", c="gray")
    ax.set_xlabel("D's output")
    ax.legend(fontsize=7)
    return Finding(
        title="Hinge margins",
        claim="With L_D = relu(1 − D(x)) + relu(1 + D(G(z))), a real example gets gradient only while "
        "D(x) < 1 and a fake only while D(G(z)) > −1: examples beyond the margin are left alone.",
        derivation="the hinge loss",
        setup="61 outputs from −3 to 3 used as both real and fake logits; per-example gradients of "
        "gan_tf.losses.hinge_discriminator_loss by tf.GradientTape, the real part separated out.",
        numbers={
            "real_with_gradient": int((real_grad != 0).sum()),
            "fake_with_gradient": int((fake_grad != 0).sum()),
            "real_mask_matches_rule": bool(np.array_equal(real_grad != 0, real_rule)),
            "fake_mask_matches_rule": bool(np.array_equal(fake_grad != 0, fake_rule)),
        },
        target="the nonzero-gradient masks equal D(x) < 1 and D(G(z)) > −1 exactly",
        passed=passed,
        plot=plots.png(fig),
    )
