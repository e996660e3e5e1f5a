"""TensorFlow's own convolution kernels, bfloat16 against float32, at the shapes of the speed benchmark's
DCGAN layers: forward + backward of each bare `tf.nn` op, no Keras and no gan-tf around it. This is
the ceiling a mixed_bfloat16 DCGAN step can reach on this CPU. Writes bench/kernels.md (copied into
BENCHMARKS.md).

    python -m bench.kernels
"""

import os
import time

import keras
import tensorflow as tf
from absl import app

from bench import speed

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels.md")


def conv_ops(model):
    """(name, input shape, kernel shape, op) for each Conv2D / Conv2DTranspose of a built model."""
    ops = []
    for layer in model.layers:
        if not isinstance(layer, keras.layers.Conv2D | keras.layers.Conv2DTranspose):
            continue
        shape, kernel, strides = (
            [speed.BATCH, *layer.input.shape[1:]],
            list(layer.kernel.shape),
            layer.strides[0],
        )
        if isinstance(layer, keras.layers.Conv2DTranspose):
            out = [speed.BATCH, *layer.output.shape[1:]]
            op = lambda x, w, s=strides, o=out: tf.nn.conv2d_transpose(x, w, o, s, "SAME")  # noqa: E731
        else:
            op = lambda x, w, s=strides: tf.nn.conv2d(x, w, s, "SAME")  # noqa: E731
        ops.append((f"{model.name} {type(layer).__name__} {shape[1:]} x {kernel}", shape, kernel, op))
    return ops


def forward_backward_seconds(op, shape, kernel, dtype, steps=50, trials=5):
    """Best of `trials` mean times of op's forward and its gradients w.r.t. input and kernel."""
    x = tf.cast(tf.random.normal(shape), dtype)
    w = tf.cast(tf.random.normal(kernel) * 0.05, dtype)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            y = tf.reduce_sum(op(x, w))
        return tape.gradient(y, [x, w])

    for _ in range(5):
        step()
    best = float("inf")
    for _ in range(trials):
        start = time.perf_counter()
        for _ in range(steps - 1):
            step()
        step()[0].numpy()
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def main(argv):
    del argv
    g, d = speed.build("float32")
    rows = [
        "| op (input x kernel, batch 64) | float32 ms | bfloat16 ms | bf16 / fp32 speed-up |",
        "|---|---|---|---|",
    ]
    totals = [0.0, 0.0]
    for name, shape, kernel, op in conv_ops(g) + conv_ops(d):
        fp32, bf16 = (forward_backward_seconds(op, shape, kernel, t) for t in (tf.float32, tf.bfloat16))
        totals[0], totals[1] = totals[0] + fp32, totals[1] + bf16
        rows.append(f"| {name} | {fp32 * 1e3:.2f} | {bf16 * 1e3:.2f} | {fp32 / bf16:.2f}x |")
        print(rows[-1], flush=True)
    rows.append(
        f"| all of them | {totals[0] * 1e3:.2f} | {totals[1] * 1e3:.2f} | {totals[0] / totals[1]:.2f}x |"
    )
    text = "\n".join(
        [
            "### bfloat16 in TensorFlow's own kernels (`python -m bench.kernels`)",
            "",
            "Forward + backward (input and kernel gradients) of each bare `tf.nn` convolution of the DCGAN "
            "above, best of 5 means of 50 calls. Load average (1 min) before the run: "
            f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores.",
            "",
            *rows,
            "",
        ]
    )
    with open(OUTPUT, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    app.run(main)
