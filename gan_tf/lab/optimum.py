"""Claims 1 and 2: for a fixed G the discriminator trained with binary cross-entropy approaches
D* = p_data / (p_data + p_g), and its value V(D*, G) = -log 4 + 2 JSD(p_data || p_g) (Goodfellow et
al. 2014, proposition 1 and theorem 1)."""

import keras
import numpy as np
from scipy import integrate, special, stats

from gan_tf import losses, networks
from gan_tf.lab import Finding, critic, plots

P_DATA = stats.norm(0.0, 1.0)
GENERATORS = {  # name -> (pdf, sampler)
    "N(0, 1) (= p_data)": (stats.norm(0.0, 1.0).pdf, lambda rng, n: rng.normal(0.0, 1.0, n)),
    "N(0.5, 1)": (stats.norm(0.5, 1.0).pdf, lambda rng, n: rng.normal(0.5, 1.0, n)),
    "N(1.5, 0.7²)": (stats.norm(1.5, 0.7).pdf, lambda rng, n: rng.normal(1.5, 0.7, n)),
    "½N(−2, 0.5²) + ½N(2, 0.5²)": (
        lambda x: 0.5 * stats.norm(-2.0, 0.5).pdf(x) + 0.5 * stats.norm(2.0, 0.5).pdf(x),
        lambda rng, n: rng.normal(0.0, 0.5, n) + rng.choice([-2.0, 2.0], n),
    ),
}


def train_discriminator(sample_g, steps=1000, batch=2048, seed=0):
    """An MLP D trained by Adam on gan_tf.losses' BCE against p_data = N(0, 1) and p_g (`sample_g(rng,
    n)`), fresh samples every step (gan_tf.lab.critic); returns x -> D's logit (float64)."""
    keras.utils.set_random_seed(seed)
    d = networks.mlp_discriminator(1, hidden=64, depth=3)

    def sample_pair(rng, n):
        return rng.normal(0.0, 1.0, (n, 1)), sample_g(rng, n)[:, None]

    critic.train(
        d, losses.minimax_discriminator_loss, sample_pair, steps=steps, batch=batch, rate=6e-3, seed=seed
    )
    return lambda x: d(np.reshape(x, (-1, 1)).astype(np.float32)).numpy()[:, 0].astype(np.float64)


def _trained():
    """name -> (p_g pdf, trained D), trained once for both claims."""
    return {name: (pdf, train_discriminator(sample)) for name, (pdf, sample) in GENERATORS.items()}


_CACHE = {}


def _discriminators():
    if "d" not in _CACHE:
        _CACHE["d"] = _trained()
    return _CACHE["d"]


def _kl_to_mean(p, q):
    """KL(p || (p + q) / 2) by quad."""
    return integrate.quad(lambda x: p(x) * np.log(2 * p(x) / (p(x) + q(x))) if p(x) > 0 else 0.0, -12, 12)[0]


def optimal_discriminator():
    grid = np.linspace(-5.0, 5.0, 2001)
    p_data = P_DATA.pdf(grid)
    errors, fig_data = {}, []
    for name, (pdf, logit) in _discriminators().items():
        p_g, d = pdf(grid), special.expit(logit(grid))
        optimum = p_data / (p_data + p_g)
        where = (p_data + p_g) > 0.05  # D is free where neither density has mass
        errors[name] = float(np.max(np.abs(d - optimum)[where]))
        fig_data.append((name, d, optimum))
    fig, ax = plots.figure(6.0, 3.6)
    for (name, trained, optimum), colour in zip(fig_data, ("C0", "C1", "C2", "C3"), strict=True):
        ax.plot(grid, optimum, c=colour, lw=2.5, alpha=0.35)
        ax.plot(grid, trained, c=colour, ls="--", lw=1, label=f"p_g = {name}")
    ax.set_xlabel("x  (solid: D* = p_data/(p_data + p_g), dashed: trained D)")
    ax.legend(fontsize=6)
    return Finding(
        title="The optimal discriminator",
        claim="For a fixed G, max_D V(D, G) is reached at D*(x) = p_data(x) / (p_data(x) + p_g(x)).",
        derivation="the optimal discriminator D* = p_data / (p_data + p_g)",
        setup="p_data = N(0, 1); p_g one of four known densities; gan_tf.networks.mlp_discriminator "
        "(1 → 3×64 → 1) trained by Adam on gan_tf.losses.minimax_discriminator_loss, 1000 steps of "
        "2048 fresh samples each (p_data and p_g); D compared with D* on a grid where p_data + p_g > 0.05.",
        numbers={"max_abs_error": errors},
        target="max |D − D*| ≤ 0.02 for every p_g",
        passed=bool(max(errors.values()) <= 0.02),
        plot=plots.png(fig),
    )


def value_at_optimum():
    """V(D, G) with the trained D, integrated numerically, against -log 4 + 2 JSD by scipy.quad."""
    rows = {}
    grid = np.linspace(-12.0, 12.0, 24_001)
    for name, (pdf, logit) in _discriminators().items():
        # log D = -softplus(-logit), log(1 - D) = -softplus(logit): finite where D rounds to 0 or 1.
        scores = logit(grid)
        integrand = -P_DATA.pdf(grid) * np.logaddexp(0, -scores) - pdf(grid) * np.logaddexp(0, scores)
        v = integrate.trapezoid(integrand, grid)

        jsd = 0.5 * _kl_to_mean(P_DATA.pdf, pdf) + 0.5 * _kl_to_mean(pdf, P_DATA.pdf)
        rows[name] = {"V_trained_D": v, "minus_log4_plus_2JSD": -np.log(4.0) + 2 * jsd, "JSD": jsd}
    errors = {name: abs(r["V_trained_D"] - r["minus_log4_plus_2JSD"]) for name, r in rows.items()}
    same = rows["N(0, 1) (= p_data)"]
    d_at_same = special.expit(_discriminators()["N(0, 1) (= p_data)"][1](np.linspace(-2, 2, 41)))
    fig, ax = plots.figure()
    jsds = [r["JSD"] for r in rows.values()]
    closed = [r["minus_log4_plus_2JSD"] for r in rows.values()]
    ax.plot(jsds, closed, "o", ms=9, alpha=0.4, label="−log 4 + 2·JSD")
    ax.plot(jsds, [r["V_trained_D"] for r in rows.values()], "x", c="k", label="V(D_trained, G)")
    ax.set_xlabel("JSD(p_data ‖ p_g)")
    ax.legend(fontsize=7)
    return Finding(
        title="The value at the optimal discriminator",
        claim="C(G) = V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g), minimal (−log 4) exactly at p_g = p_data, "
        "where D* = 1/2.",
        derivation="C(G) = −log 4 + 2·JSD(p_data‖p_g), reached at p_g = p_data with D = 1/2",
        setup="the discriminators of the previous claim; V(D, G) = E_p_data[log D] + E_p_g[log(1 − D)] "
        "integrated on a grid (scipy's trapezoid), the JSD by scipy.integrate.quad.",
        numbers={
            **{f"{name}": r for name, r in rows.items()},
            "max_abs_error": max(errors.values()),
            "max_abs_D_minus_half_at_p_g_equal_p_data": float(np.max(np.abs(d_at_same - 0.5))),
        },
        target="|V(D_trained) − (−log 4 + 2·JSD)| ≤ 0.02 for every p_g; at p_g = p_data |D − ½| ≤ 0.02 on "
        "[−2, 2] and V ≈ −log 4",
        passed=bool(
            max(errors.values()) <= 0.02
            and np.max(np.abs(d_at_same - 0.5)) <= 0.02
            and abs(same["V_trained_D"] + np.log(4.0)) <= 0.02
        ),
        plot=plots.png(fig),
    )
