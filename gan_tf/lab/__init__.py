"""The theory lab: each claim of the derivations gan-tf grew from (Goodfellow et al. 2014; Arjovsky
et al. 2017; Miyato et al. 2018), checked numerically with gan-tf's own losses, layers and models.

Every experiment is a function returning a `Finding`: the claim and its formula, the setup, the
measured numbers, whether its target held, and a PNG plot. `pipeline.theory` runs them and writes the
report; `tests/test_lab.py` asserts each target.
"""

import dataclasses


@dataclasses.dataclass
class Finding:
    title: str
    claim: str  # with its formula
    derivation: str  # which step of the derivation it checks
    setup: str
    numbers: dict  # name -> value (JSON-able)
    target: str  # what must hold
    passed: bool
    plot: bytes = b""  # PNG


def experiments():
    """name -> experiment function (imported lazily: each pulls in TensorFlow or matplotlib)."""
    from gan_tf.lab import divergences, dynamics, lipschitz, optimum, saturation, wasserstein

    return {
        "optimal_discriminator": optimum.optimal_discriminator,
        "value_at_optimum": optimum.value_at_optimum,
        "saturation": saturation.saturation,
        "disjoint_supports": wasserstein.disjoint_supports,
        "spectral_norm": lipschitz.spectral_norm,
        "hinge_margins": lipschitz.hinge_margins,
        "kl_vs_js": divergences.kl_vs_js,
        "loss_dynamics": dynamics.loss_dynamics,
    }
