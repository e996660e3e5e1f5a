"""Keras GAN models: Goodfellow et al.'s Algorithm 1 as one `train_step`, one subclass per loss.

    for each training step:
        repeat n_critic times:                       # "k steps" of the discriminator
            sample real x and noise z; descend the discriminator loss (+ penalties)
        sample noise z; descend the generator loss

Distribution (`tf.distribute.MirroredStrategy`): each replica averages its per-example losses over the
*global* batch (`tf.nn.compute_average_loss`) and Keras' optimizer sums the gradients over replicas, so
N replicas take the same step as one replica on the same global batch. Noise (and the penalty's
epsilon) is drawn statelessly for the whole global batch from (seed, step, stream) in the "train" noise
stream (`gan_tf.noise`, disjoint from evaluation's and export's) and each replica
takes its slice, so the draw is the same whatever the replica count, and a resumed run (its step
counter `steps_done` restored) draws what an uninterrupted run would.
"""

import keras
import tensorflow as tf

from gan_tf import augment as diffaugment
from gan_tf import distribute, ema, losses, noise, packing, penalties, topk


class GAN(keras.Model):
    """A generator / discriminator pair trained with `fit()` on a dataset of real batches.

    With PacGAN packing (`pack` = m > 1) the discriminator's examples are groups of m consecutive
    samples (`gan_tf.packing`): losses, penalties and reported D values are per packed example.

    The dataset yields either one real batch per step (reused for the n_critic discriminator updates,
    each with fresh noise) or a tuple of n_critic real batches (a fresh batch per update, exactly
    Algorithm 1; see `gan_tf.data.for_gan`).

    Args:
        generator, discriminator: Keras models; D returns one logit/score per example.
        n_critic: discriminator updates per generator update.
        seed: seed of the stateless noise.
        r1_weight: weight of the R1 penalty 1/2||grad D(x)||^2 on real data (0 = off).
        ema_decay: beta of the generator's weight average `ema_generator` (0 = off; `gan_tf.ema`).
        pack: PacGAN packing m: D judges m samples at once (`gan_tf.packing`; D's input is m times wider).
        top_k: (nu, gamma, every) for top-k generator updates (`gan_tf.topk`), or None.
        augment: a DiffAugment policy ("color,translation,cutout"; `gan_tf.augment`) applied to every
            image D sees, real, generated or interpolated, or None.
        num_classes: > 0 for a conditional GAN: G takes [z, label], D [x, label] (`networks.
            conditional_generator`, `projection_discriminator`), the data yields {"x", "label"}, and
            the fakes of a step are generated for the labels of its real batch.
        auxiliary_classifier: AC-GAN (Odena et al. 2017) instead: D takes x alone and returns
            [logit, class logits] (`networks.acgan_discriminator`); D's loss adds the class
            cross-entropy of reals and fakes, G's that of its fakes, both times `aux_weight`.
    """

    loss_name = "non_saturating"

    def __init__(
        self,
        generator,
        discriminator,
        *,
        n_critic=1,
        seed=0,
        r1_weight=0.0,
        ema_decay=0.0,
        pack=1,
        top_k=None,
        augment=None,
        num_classes=0,
        auxiliary_classifier=False,
        aux_weight=1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(n_critic) < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}")
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), got {ema_decay}")
        if int(pack) < 1:
            raise ValueError(f"pack must be >= 1, got {pack}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.n_critic = int(n_critic)
        self.seed = int(seed)
        self.r1_weight = float(r1_weight)
        self.ema_decay, self.pack, self.top_k = float(ema_decay), int(pack), top_k
        self.augment = diffaugment.parse_policy(augment) if augment else ()
        self.num_classes = int(num_classes)
        self.auxiliary_classifier, self.aux_weight = bool(auxiliary_classifier), float(aux_weight)
        if self.auxiliary_classifier and not self.num_classes:
            raise ValueError("an auxiliary classifier (AC-GAN) needs num_classes > 0")
        if self.num_classes and self.pack > 1:
            raise ValueError("a conditional GAN (num_classes > 0) does not combine with packing (pack > 1)")
        self.ema_generator = ema.clone(generator) if self.ema_decay else None
        self._d_loss_fn, self._g_loss_fn = losses.get(self.loss_name)
        self._trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names()}
        # Generator steps taken: the clock of the noise, EMA and top-k (and of checkpoints). Not the
        # optimizer's `iterations`, which a loss-scale optimizer does not advance on a skipped update.
        self.steps_done = self.add_weight(
            shape=(),
            dtype="int64",
            initializer="zeros",
            trainable=False,
            name="steps_done",
            aggregation="only_first_replica",
        )
        self.built = True

    def metric_names(self):
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        return names + (["r1"] if self.r1_weight else []) + (["aux_ce"] if self.auxiliary_classifier else [])

    @property
    def metrics(self):
        return list(self._trackers.values())

    def compile(self, d_optimizer, g_optimizer, jit_compile=False, **kwargs):
        """Set (and build, for tf.distribute) one optimizer per network. Call inside strategy.scope()."""
        if d_optimizer is g_optimizer:
            raise ValueError("the discriminator and the generator need two distinct optimizer objects")
        super().compile(jit_compile=jit_compile, **kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)

    # -- the parts a variant changes ------------------------------------------------------------
    def discriminator_loss(self, real_logits, fake_logits):
        return self._d_loss_fn(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return self._g_loss_fn(fake_logits)

    def discriminator_penalties(self, real, fake, stream, labels=None):
        """{name: (weight, per-example penalty)} added to the discriminator loss."""
        if not self.r1_weight:
            return {}
        critic = self._critic_for(stream, _REAL, labels)
        return {"r1": (self.r1_weight, penalties.r1_penalty(critic, real))}

    def after_discriminator_update(self):
        """Runs after every discriminator update (WGAN clips the weights here)."""

    def report(self, real_logits, fake_logits):
        """Per-example values reported as d_real / d_fake (+ variant metrics)."""
        return {"d_real": tf.sigmoid(real_logits), "d_fake": tf.sigmoid(fake_logits)}

    # -- Algorithm 1 ----------------------------------------------------------------------------
    def train_step(self, data):
        labels = [None] * self.n_critic
        if self.num_classes:  # {"x", "label"}: labels [B] or [B, n_critic] like the images
            labels = self._real_batches(data["label"], rank=1)
            data = data["x"]
        real_batches = self._real_batches(data)
        for stream, real in enumerate(real_batches):
            self._discriminator_step(real, stream, labels[stream])
        self._generator_step(tf.shape(real_batches[-1])[0], labels[-1])  # the last real batch's labels
        return distribute.keras_logs({m.name: m.result() for m in self.metrics})

    def _discriminator_step(self, real, stream, labels=None):
        """One D update; a conditional GAN generates its fakes for the real batch's `labels`."""
        real = tf.cast(real, tf.float32)
        fake = self._generate(self._noise(tf.shape(real)[0], stream), labels)
        real, fake = packing.pack(real, self.pack), packing.pack(fake, self.pack)  # D's examples
        seen = [self._augment(real, stream, _REAL), self._augment(fake, stream, _FAKE)]  # DiffAugment
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            both = None if labels is None else tf.concat([labels, labels], axis=0)
            logits, aux = self._judge(tf.concat(seen, axis=0), both)
            real_logits, fake_logits = tf.split(logits, 2, axis=0)
            d_loss = self.discriminator_loss(real_logits, fake_logits)
            terms = self.discriminator_penalties(real, fake, stream, labels)
            if aux is not None:  # AC-GAN: classify the reals and the fakes by their labels
                real_ce, fake_ce = tf.split(aux, 2, axis=0)
                terms["aux_ce"] = (self.aux_weight, real_ce + fake_ce)
            total = d_loss + sum(weight * value for weight, value in terms.values())
            loss = self.d_optimizer.scale_loss(tf.nn.compute_average_loss(total))  # mixed_float16
        grads = tape.gradient(loss, variables)
        self.d_optimizer.apply_gradients(zip(grads, variables, strict=True))
        self.after_discriminator_update()
        real_logits, fake_logits = tf.reshape(real_logits, [-1]), tf.reshape(fake_logits, [-1])
        self._track(d_loss=d_loss, **{k: v for k, (_, v) in terms.items()})
        self._track(**self.report(real_logits, fake_logits))

    def _generator_step(self, batch, labels=None):
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self._generate(self._noise(batch, self.n_critic), labels)
            seen = self._augment(packing.pack(fake, self.pack), self.n_critic, _FAKE)
            fake_logits, aux = self._judge(seen, labels)
            g_loss = self.generator_loss(fake_logits)
            if aux is not None:  # AC-GAN: fakes should be classified as their labels
                g_loss = g_loss + self.aux_weight * aux
            if self.top_k:  # only the k best-scored fakes of the global batch
                k = self._top_k(fake_logits)
                g_loss = g_loss * topk.mask(fake_logits, k)
                loss = tf.nn.compute_average_loss(g_loss, global_batch_size=k)
            else:
                loss = tf.nn.compute_average_loss(g_loss)
            loss = self.g_optimizer.scale_loss(loss)  # mixed_float16 (else loss itself)
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        self.steps_done.assign_add(1)
        if self.ema_generator is not None:
            ema.update(self.ema_generator, self.generator, self.ema_decay, self.steps_done)
        self._track(g_loss=g_loss)

    def _top_k(self, fake_logits):
        nu, gamma, every = self.top_k
        global_batch = tf.size(fake_logits) * tf.distribute.get_replica_context().num_replicas_in_sync
        return topk.k_at(self.steps_done, global_batch, gamma, nu, every)

    # -- helpers ----------------------------------------------------------------------------------
    def _critic(self, x, labels=None):
        """D's logits for (packed) examples x (a conditional GAN's: for `labels`)."""
        return self._judge(x, labels)[0]

    def _judge(self, x, labels=None):
        """(D's logits, AC-GAN's per-example class cross-entropy for `labels` or None)."""
        if self.auxiliary_classifier:
            out = self.discriminator(x, training=True)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=out[:, 1:])
            return out[:, :1], ce
        return self.discriminator(x if labels is None else [x, labels], training=True), None

    def _generate(self, z, labels=None):
        """G(z), or G(z, labels) for a conditional GAN."""
        return self.generator(z if labels is None else [z, labels], training=True)

    def _critic_for(self, stream, site, labels=None):
        """x -> D(T(x)): the critic a penalty differentiates, with the augmentation of `site`."""
        return lambda x: self._critic(self._augment(x, stream, site), labels)

    def _augment(self, x, stream, site):
        """DiffAugment T(x) when on, per sample of a pack: uniform numbers drawn like the noise, for the
        global batch from (seed, step, stream, site, op) in the "augment" stream (so resumes and
        replicas agree)."""
        if not self.augment:
            return x

        def draw(op, batch, shape):
            kind = site * _AUGMENT_OPS + op
            kinds = _AUGMENT_SITES * _AUGMENT_OPS
            return self._stateless(
                tf.random.stateless_uniform, batch, stream, kind, *shape, key="augment", kinds=kinds
            )

        samples = packing.unpack(x, self.pack)  # each sample its own T, as if D saw it alone
        return packing.pack(diffaugment.diff_augment(samples, self.augment, draw), self.pack)

    def _real_batches(self, data, rank=None):
        """n_critic real batches from a tuple of them, from one tensor [B, n_critic, ...] (data.for_gan's
        layout: one tensor, so tf.distribute splits B), or from one batch used n_critic times.
        `rank`: of one batch (default: G's output rank; 1 for labels)."""
        rank = rank or len(self.generator.output.shape)
        grouped = not isinstance(data, (tuple, list)) and data.shape.rank == rank + 1
        count = len(data) if isinstance(data, (tuple, list)) else data.shape[1] if grouped else self.n_critic
        if count != self.n_critic:
            raise ValueError(
                f"got {count} real batches per step for n_critic={self.n_critic}; "
                "yield one batch per step or exactly n_critic"
            )
        if grouped:
            return tf.unstack(data, num=self.n_critic, axis=1)
        return list(data) if isinstance(data, (tuple, list)) else [data] * self.n_critic

    def _stateless(self, sampler, batch, stream, kind, *shape, key="train", kinds=2):
        """A global-batch draw from seed (self.seed, step, stream, kind) of noise stream `key`, `kind`
        one of `kinds` per (step, stream); this replica's slice."""
        ctx = tf.distribute.get_replica_context()
        step = tf.convert_to_tensor(self.steps_done)
        counter = (step * (self.n_critic + 1) + stream) * kinds + kind
        seed = tf.stack([tf.constant(noise.stream_key(self.seed, key), tf.int64), counter])
        values = sampler([batch * ctx.num_replicas_in_sync, *shape], seed=seed)
        start = tf.cast(ctx.replica_id_in_sync_group, tf.int32) * batch
        return values[start : start + batch]

    def _noise(self, batch, stream):
        """z ~ N(0, I) for this replica's share of the global batch."""
        return self._stateless(tf.random.stateless_normal, batch, stream, 0, self.latent_dim)

    def _uniform(self, batch, stream):
        """eps ~ U[0, 1] per example (the gradient penalty's interpolation weights)."""
        return self._stateless(tf.random.stateless_uniform, batch, stream, 1)

    def _track(self, **per_example):
        """Update the trackers with global-batch means (identical on every replica)."""
        ctx = tf.distribute.get_replica_context()
        for name, values in per_example.items():
            values = tf.cast(tf.reshape(values, [-1]), tf.float32)
            global_batch = tf.cast(tf.size(values) * ctx.num_replicas_in_sync, tf.float32)
            total = ctx.all_reduce(tf.distribute.ReduceOp.SUM, tf.reduce_sum(values))
            self._trackers[name].update_state(total / global_batch)


# DiffAugment draws: where the augmented images go (real and fake in D's loss, GP interpolates) and
# up to _AUGMENT_OPS uniform draws per augmentation.
_REAL, _FAKE, _INTERPOLATES = 0, 1, 2
_AUGMENT_SITES, _AUGMENT_OPS = 3, 8


class MinimaxGAN(GAN):
    """The saturating minimax game: D minimises BCE (real = 1 - s, fake = 0), G minimises
    E log(1 - D(G(z))). Provably optimal, but its gradient vanishes when D rejects G(z) early on."""

    loss_name = "minimax"

    def __init__(self, generator, discriminator, *, label_smoothing=0.0, **kwargs):
        super().__init__(generator, discriminator, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def discriminator_loss(self, real_logits, fake_logits):
        return losses.minimax_discriminator_loss(real_logits, fake_logits, self.label_smoothing)


class NonSaturatingGAN(MinimaxGAN):
    """Same D; G minimises -log D(G(z)) (Goodfellow et al. 2014, section 3). The usual default."""

    loss_name = "non_saturating"


class WGAN(GAN):
    """Wasserstein GAN (Arjovsky et al. 2017): critic loss D(G(z)) - D(x), G loss -D(G(z)), the
    Lipschitz constraint enforced by clipping every critic weight to [-c, c] after each update."""

    loss_name = "wasserstein"

    def __init__(self, generator, discriminator, *, clip_value=0.01, n_critic=5, **kwargs):
        super().__init__(generator, discriminator, n_critic=n_critic, **kwargs)
        self.clip_value = float(clip_value)

    def metric_names(self):
        return super().metric_names() + ["wasserstein_estimate"]

    def report(self, real_logits, fake_logits):
        # E[D(x)] - E[D(G(z))] over the global batch is the mean of (real - fake) per example pair.
        return {
            "d_real": real_logits,
            "d_fake": fake_logits,
            "wasserstein_estimate": real_logits - fake_logits,
        }

    def after_discriminator_update(self):
        if self.clip_value:
            c = self.clip_value
            distribute.assign_on_every_replica(
                self.discriminator.trainable_variables, lambda v: tf.clip_by_value(v, -c, c)
            )


class WGANGP(WGAN):
    """WGAN-GP (Gulrajani et al. 2017): no clipping; + gp_weight * (||grad D(x_hat)|| - 1)^2."""

    def __init__(self, generator, discriminator, *, gp_weight=10.0, n_critic=5, **kwargs):
        super().__init__(generator, discriminator, clip_value=0.0, n_critic=n_critic, **kwargs)
        self.gp_weight = float(gp_weight)

    def metric_names(self):
        return super().metric_names() + ["gp"]

    def discriminator_penalties(self, real, fake, stream, labels=None):
        eps = self._uniform(tf.shape(real)[0], stream)
        critic = self._critic_for(stream, _INTERPOLATES, labels)  # real and fake share the labels
        gp = penalties.gradient_penalty(critic, real, fake, epsilon=eps)
        return {**super().discriminator_penalties(real, fake, stream, labels), "gp": (self.gp_weight, gp)}


class HingeGAN(GAN):
    """Hinge loss (Lim & Ye 2017; SN-GAN): D: relu(1 - D(x)) + relu(1 + D(G(z))), G: -D(G(z))."""

    loss_name = "hinge"

    def report(self, real_logits, fake_logits):
        return {"d_real": real_logits, "d_fake": fake_logits}


class LSGAN(GAN):
    """Least squares GAN (Mao et al. 2017): D: 1/2(D(x) - 1)^2 + 1/2 D(G(z))^2, G: 1/2(D(G(z)) - 1)^2."""

    loss_name = "least_squares"

    def report(self, real_logits, fake_logits):
        return {"d_real": real_logits, "d_fake": fake_logits}


# gan.loss / models.get name a *variant* (a loss family plus its constraint), losses.get the family
# (LOSS_FAMILY: each class's `loss_name`); only wgan and wgan_gp differ, both "wasserstein".
VARIANTS = {
    "minimax": MinimaxGAN,
    "non_saturating": NonSaturatingGAN,
    "wgan": WGAN,
    "wgan_gp": WGANGP,
    "hinge": HingeGAN,
    "least_squares": LSGAN,
}
LOSS_FAMILY = {name: cls.loss_name for name, cls in VARIANTS.items()}


def get(name):
    """The GAN class for a variant name; ValueError lists the valid names."""
    if name not in VARIANTS:
        raise ValueError(f"unknown GAN variant {name!r}; valid variants: {', '.join(VARIANTS)}")
    return VARIANTS[name]
