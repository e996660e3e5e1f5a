"""Claim 3: the saturating generator loss log(1 - D(G(z))) gives no gradient when D confidently
rejects the fakes; the non-saturating -log D(G(z)) does (Goodfellow et al. 2014, section 3)."""

import numpy as np
import tensorflow as tf

from gan_tf import losses
from gan_tf.lab import Finding, plots


def saturation():
    """G(z) = theta z with z = 1 and D(x) = sigmoid(x + c): the fakes' logit is l = theta + c. Then
    d/dtheta log(1 - sigmoid(l)) = -sigmoid(l) and d/dtheta -log sigmoid(l) = -(1 - sigmoid(l)), so the
    ratio of the gradient norms is sigmoid(l) / (1 - sigmoid(l)) = D / (1 - D) = e^l."""
    theta = tf.Variable(0.0)
    rows = []
    for c in np.linspace(2.0, -14.0, 17):
        norms = []
        for loss in (losses.minimax_generator_loss, losses.non_saturating_generator_loss):
            with tf.GradientTape() as tape:
                logits = tf.reshape(theta * 1.0 + float(c), [1])
                value = tf.reduce_mean(loss(logits))
            norms.append(abs(float(tape.gradient(value, theta))))
        d_fake = float(tf.sigmoid(theta + float(c)))
        rows.append((d_fake, norms[0], norms[1], norms[0] / norms[1], float(np.exp(theta.numpy() + c))))
    d_fake, saturating, non_saturating, ratio, closed = (np.array(col) for col in zip(*rows, strict=True))
    error = float(np.max(np.abs(ratio / closed - 1.0)))
    confident = d_fake < 1e-4
    passed = bool(error < 1e-3 and ratio[confident].max() < 1e-4 and non_saturating[confident].min() > 0.99)
    fig, ax = plots.figure()
    ax.loglog(d_fake, saturating, "o-", label="saturating: |d/dθ log(1 − D(G(z)))|")
    ax.loglog(d_fake, non_saturating, "s-", label="non-saturating: |d/dθ −log D(G(z))|")
    ax.set_xlabel("D(G(z)) (small: D confidently rejects the fakes)")
    ax.set_ylabel("gradient norm w.r.t. G's parameter")
    ax.legend(fontsize=7)
    return Finding(
        title="Saturation of the minimax generator loss",
        claim="When D rejects G(z) with confidence, ∇θ log(1 − D(G(z))) → 0 while ∇θ −log D(G(z)) stays "
        "near |∂l/∂θ|: their ratio is D/(1 − D) = e^l for the fakes' logit l.",
        derivation="the saturating loss log(1 − D(G(z))) and the non-saturating −log D(G(z))",
        setup="G(z) = θz (z = 1), D(x) = σ(x + c), c from 2 to −14; gradients by tf.GradientTape through "
        "gan_tf.losses.minimax_generator_loss and non_saturating_generator_loss.",
        numbers={
            "d_fake": d_fake.tolist(),
            "saturating_grad": saturating.tolist(),
            "non_saturating_grad": non_saturating.tolist(),
            "max_relative_error_vs_e_to_the_l": error,
            "ratio_at_most_confident_d": float(ratio[-1]),
        },
        target="ratio = e^l to 1e-3 at every c; where D(G(z)) < 1e-4 the saturating gradient is < 1e-4 of "
        "the non-saturating one, which stays > 0.99",
        passed=passed,
        plot=plots.png(fig),
    )
