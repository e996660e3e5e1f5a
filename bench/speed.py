"""Speed: the DCGAN step through gan-tf's fit() against a minimal hand-written tf.function loop of the
identical model, interleaved in one process, in float32, mixed_bfloat16 and with XLA; achieved
GFLOP/s against a matmul peak measured in the same run; the input pipeline against what training
consumes; FID/KID seconds on 10 000 samples. Writes bench/speed.md (copied into BENCHMARKS.md).

    python -m bench.speed [--steps 30] [--rounds 6]          (make bench-speed)

The model (the issue's): 28x28x1 images, batch 64, latent 100, DCGAN (width 64), non-saturating loss,
Adam 2e-4 / 0.5. Ratios are medians over rounds measured back to back (a b, b a, ...), so machine noise
cancels; the load average before the run is reported, since other processes on the cores skew it.
"""

import gc
import os
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf
from absl import app, flags

from gan_tf import data, distribute, models, networks

STEPS = flags.DEFINE_integer("steps", 30, "Timed steps per measurement.")
ROUNDS = flags.DEFINE_integer("rounds", 6, "Interleaved rounds (the ratio is their median).")
OUTPUT = flags.DEFINE_string(
    "speed_output", os.path.join(os.path.dirname(os.path.abspath(__file__)), "speed.md"), "The report."
)
BATCH, LATENT, SIZE, WIDTH = 64, 100, 28, 64


def build(precision, deterministic=True):
    distribute.set_seed(0, deterministic=deterministic)  # Keras declines XLA under deterministic ops
    with networks.precision(precision):
        return networks.dcgan_pair(latent_dim=LATENT, size=SIZE, channels=1, width=WIDTH)


def adam():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def real_batches():
    x = np.random.default_rng(0).uniform(-1, 1, (2048, SIZE, SIZE, 1)).astype(np.float32)
    return data.for_gan(tf.data.Dataset.from_tensor_slices(x).cache(), BATCH, seed=0)


class GanTf:
    """gan-tf's own path: GAN.fit on data.for_gan, as the train stage runs it (one long fit() call).

    `run(steps)` calls the compiled step that fit() runs (Keras' `train_function`) on one live iterator:
    the same work without fit()'s loop, for gan-tf against gan-tf. Against the hand-written loop,
    `fit_interleaved` times fit() itself. (Calling fit() anew per measurement is not how training runs:
    each call makes a new tf.data iterator, and on this machine that made some calls run at half speed
    with a core idle, which one long fit() never did.)"""

    def __init__(self, precision, jit_compile=False, deterministic=True):
        g, d = build(precision, deterministic=deterministic and not jit_compile)
        self.gan = models.get("non_saturating")(g, d, seed=0)
        self.gan.compile(adam(), adam(), jit_compile=jit_compile)
        assert self.gan.jit_compile == jit_compile
        self.data = real_batches()
        self.gan.fit(self.data, epochs=1, steps_per_epoch=3, verbose=0)  # trace and warm up
        self.iterator = iter(self.data)

    def run(self, steps):
        for _ in range(steps):
            self.gan.train_function(self.iterator)

    def fit_interleaved(self, other, steps, rounds):
        """Images/s of fit() and of other.run, round by round (a b, b a, ...) inside one fit() call:
        each epoch is `steps` steps of fit(); the callback runs `other` beside it."""
        rates, other_rates = [], []
        timer = time.perf_counter

        def other_round():
            other_rates.append(steps * BATCH / timed(lambda: other.run(steps)))

        class Interleave(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                if epoch % 2:
                    other_round()
                self.start = timer()

            def on_epoch_end(self, epoch, logs=None):
                rates.append(steps * BATCH / (timer() - self.start))
                if epoch % 2 == 0:
                    other_round()

        self.gan.fit(self.data, epochs=rounds, steps_per_epoch=steps, verbose=0, callbacks=[Interleave()])
        return rates, other_rates


class HandWritten:
    """The keras.io-style loop: one tf.function per step, the same networks, loss and optimizers."""

    def __init__(self, precision, jit_compile=False):
        self.g, self.d = build(precision)
        self.g_opt, self.d_opt = adam(), adam()
        self.step = tf.function(self._step, jit_compile=jit_compile)
        self.data = iter(real_batches())
        self.run(3)

    def _step(self, real):
        bce = tf.nn.sigmoid_cross_entropy_with_logits
        z = tf.random.normal([BATCH, LATENT])
        with tf.GradientTape() as tape:
            logits = self.d(tf.concat([real, self.g(z, training=True)], 0), training=True)
            real_logits, fake_logits = tf.split(logits, 2)
            loss = tf.reduce_mean(bce(tf.ones_like(real_logits), real_logits)) + tf.reduce_mean(
                bce(tf.zeros_like(fake_logits), fake_logits)
            )
        variables = self.d.trainable_variables
        self.d_opt.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        z = tf.random.normal([BATCH, LATENT])
        with tf.GradientTape() as tape:
            fake_logits = self.d(self.g(z, training=True), training=True)
            loss = tf.reduce_mean(bce(tf.ones_like(fake_logits), fake_logits))
        variables = self.g.trainable_variables
        self.g_opt.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))

    def run(self, steps):
        for _ in range(steps):
            self.step(next(self.data))


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def forward_flops(model):
    """Multiply-adds x 2 of one example's forward pass, layer by layer (Dense, Conv2D, Conv2DTranspose)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            total += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
        elif isinstance(layer, keras.layers.Conv2DTranspose):  # each input pixel scatters k x k x C_out
            kh, kw, c_out, c_in = layer.kernel.shape
            _, h, w, _ = layer.input.shape
            total += 2 * kh * kw * c_in * c_out * h * w
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw, c_in, c_out = layer.kernel.shape
            _, h, w, _ = layer.output.shape
            total += 2 * kh * kw * c_in * c_out * h * w
    return total


def step_flops():
    """One training step: D update = G fwd (B) + D fwd (2B) + D bwd (2 x fwd); G update = G fwd + D fwd
    (B) + D bwd to its input (~1 x fwd) + G bwd (2 x fwd). Backward counted as twice the forward."""
    g, d = build("float32")
    f_g, f_d = forward_flops(g), forward_flops(d)
    return BATCH * (f_g + 6 * f_d) + BATCH * (3 * f_g + 2 * f_d), f_g, f_d


def matmul_peak(dtype, n=2048, repeats=10, trials=5):
    """GFLOP/s of an n x n matmul: the best of `trials` timings of `repeats` products (a peak)."""
    a = tf.random.normal([n, n], dtype=tf.float32)
    a = tf.cast(a, dtype)
    matmul = tf.function(lambda x: tf.linalg.matmul(x, x))
    matmul(a).numpy()
    best = min(
        timed(lambda: [matmul(a) for _ in range(repeats - 1)] + [matmul(a).numpy()]) for _ in range(trials)
    )
    return 2 * n**3 * repeats / best / 1e9


def compare(name_a, make_a, name_b, make_b, steps, rounds):
    """Images/s of a and b (median over interleaved rounds) and the median of the per-round ratios a/b.
    A gan-tf `a` against a hand loop is timed through fit() itself (`GanTf.fit_interleaved`)."""
    a, b = make_a(), make_b()
    if isinstance(a, GanTf) and isinstance(b, HandWritten):
        rates_a, rates_b = a.fit_interleaved(b, steps, rounds)
    else:
        rates_a, rates_b = [], []
        for round_ in range(rounds):  # a b, b a, ...: a drift of the machine's speed hits both alike
            order = ((a, rates_a), (b, rates_b))
            for contender, rates in order if round_ % 2 == 0 else order[::-1]:
                rates.append(steps * BATCH / timed(lambda c=contender: c.run(steps)))
    del a, b
    gc.collect()
    ratio = float(np.median(np.array(rates_a) / np.array(rates_b)))
    median_a, median_b = np.median(rates_a), np.median(rates_b)
    print(f"speed: {name_a} {median_a:.0f} img/s, {name_b} {median_b:.0f} img/s, ratio {ratio:.2f}")
    return float(median_a), float(median_b), ratio


def input_pipeline_rate(seconds=3.0):
    """Images/s of the train stage's own input pipeline (ingested TFRecords -> cache -> for_gan)."""
    from configs import digits_dcgan
    from pipeline import ingest

    config = digits_dcgan.get_config()
    config.data.image_size = SIZE
    with tempfile.TemporaryDirectory() as workdir:
        ingest.run(config, workdir)
        records = ingest.read_records(os.path.join(workdir, "ingest")).cache()
        batches = iter(data.for_gan(records, BATCH, seed=0))
        for _ in range(50):  # fill the cache
            next(batches)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            next(batches)
            count += BATCH
        return count / (time.perf_counter() - start)


def main(argv):
    del argv
    steps, rounds = STEPS.value, ROUNDS.value
    flops, f_g, f_d = step_flops()
    lines = [
        "## Speed (`python -m bench.speed`, `make bench-speed`)",
        "",
        f"The DCGAN step: {SIZE}x{SIZE}x1, batch {BATCH}, latent {LATENT}, width {WIDTH}, non-saturating, "
        "Adam; "
        f"{steps} steps x {rounds} interleaved rounds per cell (a b, b a, ...), medians. "
        f"Load average (1 min) before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores. "
        "FLOPs counted analytically: "
        f"G forward {f_g / 1e6:.1f} MFLOP and D forward {f_d / 1e6:.1f} MFLOP per example, "
        f"{flops / 1e9:.2f} GFLOP per step (backward = 2 x forward).",
        "",
    ]
    peak32, peak16 = matmul_peak(tf.float32), matmul_peak(tf.bfloat16)
    lines += [
        f"Matmul peak in this run (2048², best of 5 x 10 products): float32 {peak32:.0f} GFLOP/s, "
        f"bfloat16 {peak16:.0f} GFLOP/s ({peak16 / peak32:.2f}x).",
        "",
    ]
    lines += ["| measurement | images/s | GFLOP/s (% of peak) | ratio |", "|---|---|---|---|"]

    def gflops(rate, peak):
        value = rate / BATCH * flops / 1e9
        return f"{value:.0f} ({100 * value / peak:.0f} %)"

    results = {}
    for precision, peak in (("float32", peak32), ("mixed_bfloat16", peak16)):
        ours, hand, ratio = compare(
            f"gan-tf fit ({precision})",
            lambda p=precision: GanTf(p),
            f"hand loop ({precision})",
            lambda p=precision: HandWritten(p),
            steps,
            rounds,
        )
        results[precision] = ours
        lines.append(
            f"| gan-tf fit(), {precision} | {ours:.0f} | {gflops(ours, peak)} "
            f"| {ratio:.2f} of the hand loop |"
        )
        lines.append(f"| hand-written loop, {precision} | {hand:.0f} | {gflops(hand, peak)} | |")
    _, _, ratio_bf16 = compare(
        "gan-tf mixed_bfloat16",
        lambda: GanTf("mixed_bfloat16"),
        "gan-tf float32",
        lambda: GanTf("float32"),
        steps,
        rounds,
    )
    lines.append(f"| mixed_bfloat16 vs float32 (gan-tf step, interleaved) | | | {ratio_bf16:.2f}x |")
    try:
        xla, _, ratio_xla = compare(
            "gan-tf XLA",
            lambda: GanTf("float32", jit_compile=True),
            "gan-tf float32",  # also without deterministic ops, which XLA cannot have
            lambda: GanTf("float32", deterministic=False),
            steps,
            rounds,
        )
        lines.append(
            f"| gan-tf step, float32 + XLA (`train.jit_compile`) | {xla:.0f} | {gflops(xla, peak32)} "
            f"| {ratio_xla:.2f}x float32 |"
        )
    except Exception as err:  # XLA may not compile an op on this platform: say so, do not fail
        lines.append(f"| gan-tf step, XLA | failed: {' '.join(str(err).split())[:120]} | | |")
    feed = input_pipeline_rate()
    consumed = max(results.values())
    lines.append(
        f"| input pipeline (TFRecords -> cache -> for_gan) | {feed:.0f} | | {feed / consumed:.0f}x what "
        "the faster precision above consumes |"
    )
    from bench import metrics_bench

    metric_rows = metrics_bench.main(["--n", "10000"])
    lines += ["", "Metrics on 10 000 samples of 2048-d features (numpy / scipy / scikit-learn):", ""]
    lines += [f"- {name}: {seconds:.1f} s" for name, seconds, _ in metric_rows]
    text = "\n".join(lines) + "\n"
    with open(OUTPUT.value, "w") as f:
        f.write(text)
    print(text)
    from bench import quality, quality_report, quality_rows

    results = quality.load_results(quality.RESULTS.default)
    quality_report.write(results, quality_rows.rows(), quality.OUTPUT.default)  # BENCHMARKS.md + speed
    print(f"bench: wrote {quality.OUTPUT.default}")


if __name__ == "__main__":
    app.run(main)
