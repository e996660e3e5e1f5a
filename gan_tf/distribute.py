"""Strategy selection and reproducibility.

On a CPU-only machine, MirroredStrategy needs several devices: `split_cpu(n)` divides the physical CPU
into n logical devices. It must run before TensorFlow initialises its devices (before the first op).
"""

import keras
import tensorflow as tf

STRATEGIES = ("one_device", "mirrored")


def split_cpu(num_devices):
    """Expose the CPU as `num_devices` logical devices (no-op if it already is)."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is not None and len(current) == num_devices:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)]
        )
    except RuntimeError as err:
        have = len(tf.config.list_logical_devices("CPU"))
        if have >= num_devices:
            return
        raise RuntimeError(
            f"need {num_devices} logical CPU devices but TensorFlow is already initialised with {have}; "
            "call gan_tf.distribute.split_cpu() before any TensorFlow op"
        ) from err


def check_devices(name, num_devices):
    """ValueError (one line) unless `name` over `num_devices` can run on this machine. Logical CPU
    replicas stand in for devices only on a machine with no GPU: with GPUs, a request for more
    replicas than GPUs is a mistake, not a reason to fall back silently to the CPU."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; valid: {', '.join(STRATEGIES)}")
    if int(num_devices) < 1:
        raise ValueError(f"num_devices must be >= 1, got {num_devices}")
    gpus = len(tf.config.list_physical_devices("GPU"))  # listing *logical* devices would initialise TF
    if name == "mirrored" and 0 < gpus < num_devices:
        raise ValueError(
            f"mirrored over {num_devices} devices, but this machine has {gpus} GPU(s); set "
            f"num_devices <= {gpus} (logical CPU replicas are used only on machines without a GPU)"
        )
    return gpus


def get_strategy(name="one_device", num_devices=1):
    """`one_device` (the first GPU, else the CPU) or `mirrored` over `num_devices` devices: GPUs,
    or, on a machine without any GPU, logical CPUs from `split_cpu`."""
    gpus = check_devices(name, num_devices)
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if gpus:
        return tf.distribute.MirroredStrategy([f"/gpu:{i}" for i in range(num_devices)])
    split_cpu(num_devices)
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:num_devices]]
    # Collective all-reduce between logical CPUs clashes when a process builds several strategies
    # (instance keys are reused); reducing on one device is exact, deterministic and cheap on CPU.
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())


def set_seed(seed, deterministic=True):
    """Seed Python, NumPy and TF (weight init), and make TF ops deterministic (bit-identical runs)."""
    keras.utils.set_random_seed(int(seed))
    if deterministic:
        tf.config.experimental.enable_op_determinism()
