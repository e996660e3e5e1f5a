"""GAN losses, written as in the derivations they come from.

Every function takes discriminator *logits* (pre-sigmoid scores) of shape [B] or [B, 1] and returns a
per-example loss of shape [B]. Reduce it yourself: under `tf.distribute` use
`tf.nn.compute_average_loss` so that the mean is over the *global* batch.

The minimax value (Goodfellow et al. 2014):
    V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],   D(x) = sigmoid(logit(x)).
D maximises V, i.e. minimises the binary cross-entropy with real = 1, fake = 0. Using
log sigmoid(t) = -softplus(-t) and log(1 - sigmoid(t)) = -softplus(t):
    -log D(x)          = softplus(-real_logit)
    -log(1 - D(G(z)))  = softplus(fake_logit)
"""

import tensorflow as tf


def _flat(logits):
    """Logits of shape [B] or [B, 1] as float32 [B]."""
    logits = tf.convert_to_tensor(logits)
    if logits.shape.rank == 2 and logits.shape[-1] == 1:
        logits = tf.squeeze(logits, axis=-1)
    if logits.shape.rank != 1:
        raise ValueError(f"expected logits of shape [B] or [B, 1], got {logits.shape}")
    return tf.cast(logits, tf.float32)


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """-[(1-s) log D(x) + s log(1 - D(x))] - log(1 - D(G(z))): BCE with real = 1 - s, fake = 0.

    One-sided label smoothing (Salimans et al. 2016) moves only the real target to 1 - s.
    """
    real, fake = _flat(real_logits), _flat(fake_logits)
    s = label_smoothing
    real_term = (1.0 - s) * tf.nn.softplus(-real) + s * tf.nn.softplus(real)
    return real_term + tf.nn.softplus(fake)


def minimax_generator_loss(fake_logits):
    """The saturating loss G minimises in the minimax game: log(1 - D(G(z))) = -softplus(fake)."""
    return -tf.nn.softplus(_flat(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)) = softplus(-fake): same fixed point, strong gradients when D rejects G(z)."""
    return tf.nn.softplus(-_flat(fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Critic loss D(G(z)) - D(x): minimising it maximises the Kantorovich-Rubinstein estimate
    W(p_data, p_g) = sup_{||f||_L <= 1} E_x[f(x)] - E_z[f(G(z))] (Arjovsky et al. 2017)."""
    return _flat(fake_logits) - _flat(real_logits)


def wasserstein_generator_loss(fake_logits):
    """-D(G(z))."""
    return -_flat(fake_logits)


def hinge_discriminator_loss(real_logits, fake_logits):
    """relu(1 - D(x)) + relu(1 + D(G(z))) (Lim & Ye 2017; Miyato et al. 2018)."""
    return tf.nn.relu(1.0 - _flat(real_logits)) + tf.nn.relu(1.0 + _flat(fake_logits))


def hinge_generator_loss(fake_logits):
    """-D(G(z))."""
    return -_flat(fake_logits)


def least_squares_discriminator_loss(real_logits, fake_logits):
    """1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2 (Mao et al. 2017, a = 0, b = c = 1)."""
    return 0.5 * tf.square(_flat(real_logits) - 1.0) + 0.5 * tf.square(_flat(fake_logits))


def least_squares_generator_loss(fake_logits):
    """1/2 (D(G(z)) - 1)^2."""
    return 0.5 * tf.square(_flat(fake_logits) - 1.0)


_LOSSES = {
    "minimax": (minimax_discriminator_loss, minimax_generator_loss),
    "non_saturating": (minimax_discriminator_loss, non_saturating_generator_loss),
    "wasserstein": (wasserstein_discriminator_loss, wasserstein_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
    "least_squares": (least_squares_discriminator_loss, least_squares_generator_loss),
}
NAMES = tuple(_LOSSES)


def get(name):
    """(discriminator_loss, generator_loss) for a loss name; ValueError lists the valid names."""
    if name not in _LOSSES:
        raise ValueError(f"unknown loss {name!r}; valid losses: {', '.join(NAMES)}")
    return _LOSSES[name]
