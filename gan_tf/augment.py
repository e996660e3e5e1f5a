"""DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training").

The same differentiable augmentation T is applied to every image D sees, real or generated, in the
discriminator's and the generator's steps: D(T(x)) and D(T(G(z))), so G gets gradients through T and
D cannot overfit a small real set. Policies, on images in [-1, 1] ([B, H, W, C]), per example:
- color: brightness x + (u - 1/2); saturation (x - mean_c) 2u + mean_c; contrast (x - mean) (u + 1/2) + mean
- translation: an integer shift of up to H/8 (W/8) pixels, zeros shifted in
- cutout: a square of side H/2 (W/2) zeroed at a random position (partly outside the image at the edges)

Randomness is supplied by `draw(op, shape)` -> uniform [B, *shape] values in [0, 1): the models draw
them statelessly from (seed, step) for the global batch (so a resumed run and any replica count give
the same augmentation); `stateless_draws(seed)` does that for a plain call.
"""

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")


def parse_policy(policy):
    """'color,translation,cutout' -> ('color', 'translation', 'cutout'); ValueError for unknown names."""
    names = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in names if p not in POLICIES]
    if unknown or not names:
        raise ValueError(f"unknown DiffAugment policy {policy!r}; use a comma list of {', '.join(POLICIES)}")
    return names


def stateless_draws(seed):
    """A `draw` from a stateless seed [2]: op i uses seed (seed[0], seed[1] * 16 + i)."""
    seed = tf.cast(tf.convert_to_tensor(seed), tf.int64)

    def draw(op, batch, shape):
        key = tf.stack([seed[0], seed[1] * 16 + op])
        return tf.random.stateless_uniform([batch, *shape], seed=key)

    return draw


def diff_augment(x, policy, draw):
    """T(x) for a policy tuple; `draw(op, batch, shape)` gives this call's uniform numbers."""
    x = tf.convert_to_tensor(x)
    batch, dtype = tf.shape(x)[0], x.dtype
    for name in policy:
        if name == "color":
            x = _color(x, lambda op, shape: tf.cast(draw(op, batch, shape), dtype))
        elif name == "translation":
            x = _translation(x, draw(3, batch, [2]))
        elif name == "cutout":
            x = _cutout(x, draw(4, batch, [2]))
    return x


def _color(x, uniform):
    x = x + (uniform(0, [1, 1, 1]) - 0.5)
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    x = (x - mean) * (uniform(1, [1, 1, 1]) * 2.0) + mean
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * (uniform(2, [1, 1, 1]) + 0.5) + mean


def _translation(x, u, ratio=0.125):
    """Shift each image by (dy, dx), integers in [-s, s], s = round(size * ratio); zeros come in."""
    height, width = x.shape[1], x.shape[2]
    shifts = []
    for axis, size in ((0, height), (1, width)):
        s = int(size * ratio + 0.5)
        shifts.append(tf.cast(tf.floor(u[:, axis] * (2 * s + 1)), tf.int32) - s)
    return _shift(_shift(x, shifts[0], axis=1), shifts[1], axis=2)


def _shift(x, shift, axis):
    """out[b, i] = x[b, i - shift[b]] along `axis` (1 or 2), 0 where i - shift[b] is outside."""
    size = x.shape[axis]
    source = tf.range(size)[None, :] - shift[:, None]  # [B, size]
    inside = tf.cast((source >= 0) & (source < size), x.dtype)
    gathered = tf.gather(x, tf.clip_by_value(source, 0, size - 1), axis=axis, batch_dims=1)
    mask_shape = [-1, size, 1, 1] if axis == 1 else [-1, 1, size, 1]
    return gathered * tf.reshape(inside, mask_shape)


def _cutout(x, u, ratio=0.5):
    """Zero a (H ratio) x (W ratio) square per image: rows [c - side // 2, c - side // 2 + side), c an
    integer in [0, size + (1 - side % 2)) (Zhao et al.'s offsets; the part outside the image is lost)."""
    inside = []
    for axis, size in ((0, x.shape[1]), (1, x.shape[2])):
        side = int(size * ratio + 0.5)
        start = tf.cast(tf.floor(u[:, axis] * (size + (1 - side % 2))), tf.int32) - side // 2
        index = tf.range(size)[None, :]
        covered = tf.cast((index >= start[:, None]) & (index < start[:, None] + side), x.dtype)
        inside.append(tf.reshape(covered, [-1, size, 1, 1] if axis == 0 else [-1, 1, size, 1]))
    return x * (1.0 - inside[0] * inside[1])
