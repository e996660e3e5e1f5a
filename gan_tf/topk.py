"""Top-k generator updates (Sinha et al. 2020, "Top-k Training of GANs"): the generator's loss uses only
the k fake samples the discriminator scores highest, the ones closest to fooling it; the worst
samples' gradients, which point towards a mode D has already seen, are dropped.

    k_t = max(floor(gamma^(t / every) * B), floor(nu * B))     (B the global batch)

k starts at B (plain training), decays by gamma every `every` generator steps, floor nu * B. The k
largest are taken over the *global* batch (all replicas' logits gathered), so N replicas select what
one device selects.
"""

import tensorflow as tf


def k_at(step, batch, gamma, nu, every):
    """k_t (int32) for generator step `step` and global batch `batch`."""
    batch = tf.cast(batch, tf.float32)
    decays = tf.floor(tf.cast(step, tf.float32) / float(every))
    k = tf.floor(tf.pow(gamma, decays) * batch)
    floor = tf.floor(nu * batch)
    return tf.cast(tf.maximum(tf.maximum(k, floor), 1.0), tf.int32)


def mask(fake_logits, k):
    """1.0 for this replica's examples among the k highest logits of the global batch, else 0.0."""
    ctx = tf.distribute.get_replica_context()
    logits = tf.reshape(fake_logits, [-1])
    everyone = ctx.all_gather(logits, axis=0) if ctx.num_replicas_in_sync > 1 else logits
    threshold = tf.math.top_k(everyone, k=k).values[-1]
    return tf.cast(logits >= threshold, tf.float32)
