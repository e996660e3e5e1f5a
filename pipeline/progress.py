"""The train stage's progress in steps: `step 2300/3000` with steps/s, ETA and the latest losses.

Interactive (a terminal): a Keras Progbar over the run's steps. Otherwise (logs, CI): one line per
train.log_every steps, e.g.
    train: step 2300/3000 (77 %)  41.2 steps/s  ETA 0:00:17  d_loss 1.31  g_loss 0.84  d_real 0.55  ...
"""

import datetime
import sys
import time

import keras


class StepProgress(keras.callbacks.Callback):
    """Progress of GAN.fit measured by the model's own step clock (`steps_done`), so resumed runs,
    Keras epochs of log_every steps and a final partial epoch all read as one run of `total` steps."""

    def __init__(self, total, interactive=None, stream=None):
        super().__init__()
        self.total = int(total)
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty() if interactive is None else interactive
        self.bar = None

    def on_train_begin(self, logs=None):
        self.start_step, self.start_time = self._step(), time.perf_counter()
        if self.interactive and self.bar is None:
            self.bar = keras.utils.Progbar(self.total, unit_name="step")

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(self._step(), [(k, float(v)) for k, v in (logs or {}).items()])

    def on_epoch_end(self, epoch, logs=None):
        if not self.interactive:
            print(
                self.line(self._step(), time.perf_counter() - self.start_time, logs),
                file=self.stream,
                flush=True,
            )

    def line(self, step, seconds, logs=None):
        """`train: step S/T (P %)  R steps/s  ETA h:mm:ss  name value ...`."""
        rate = (step - self.start_step) / seconds if seconds > 0 else 0.0
        eta = datetime.timedelta(seconds=round((self.total - step) / rate)) if rate > 0 else "?"
        values = "  ".join(f"{k} {float(v):.4g}" for k, v in (logs or {}).items())
        percent = 100.0 * step / self.total if self.total else 100.0
        head = f"train: step {step}/{self.total} ({percent:.0f} %)  {rate:.1f} steps/s  ETA {eta}"
        return f"{head}  {values}".rstrip()

    def _step(self):
        return int(self.model.steps_done.numpy())
