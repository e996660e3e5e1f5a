"""Strategy selection and reproducibility: TensorFlow's own engine (tf.distribute), one flag.

- `one_device`: the first GPU, else the CPU.
- `mirrored`: one process over `num_devices` GPUs; on a CPU-only machine `split_cpu(n)` divides the CPU
  into n logical devices, which must happen before TensorFlow initialises (before the first op).
- `multi_worker_mirrored`: one process per worker, the cluster from TF_CONFIG, collective all-reduce
  (`tf.distribute.MultiWorkerMirroredStrategy`); created once per process, before any op.
- `tpu`: `tf.distribute.TPUStrategy` on the TPU named by TPU_NAME (or attached to this VM).
"""

import json
import os

import keras
import tensorflow as tf

STRATEGIES = ("one_device", "mirrored", "multi_worker_mirrored", "tpu")
_PROCESS_STRATEGY = {}  # multi-worker and TPU strategies can be built once per process


def cluster_from_env():
    """(task type, task index, {job: [addresses]}) from TF_CONFIG; ValueError (one line) if it is
    missing or malformed. Example for worker 1 of 2:
    {"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", "index": 1}}"""
    raw = os.environ.get("TF_CONFIG", "").strip()
    example = (
        '{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", "index": 0}}'
    )
    if not raw:
        raise ValueError(f"multi_worker_mirrored needs TF_CONFIG, e.g. TF_CONFIG='{example}'")
    try:
        spec = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ValueError(f"TF_CONFIG is not valid JSON ({err.msg} at character {err.pos})") from None
    cluster = spec.get("cluster") if isinstance(spec, dict) else None
    task = spec.get("task") if isinstance(spec, dict) else None
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise ValueError(f"TF_CONFIG needs a 'cluster' and a 'task' object, e.g. {example}")
    for job, addresses in cluster.items():
        if (
            job not in ("chief", "worker", "evaluator")
            or not isinstance(addresses, list)
            or not all(isinstance(a, str) and a.rpartition(":")[2].isdigit() for a in addresses)
        ):
            raise ValueError(
                f"TF_CONFIG cluster.{job} must be a list of 'host:port' strings, got {addresses!r}"
            )
    if not cluster.get("worker") and not cluster.get("chief"):
        raise ValueError("TF_CONFIG cluster lists no workers")
    kind, index = task.get("type"), task.get("index")
    if kind not in ("chief", "worker"):
        raise ValueError(f"TF_CONFIG task type must be 'chief' or 'worker' (the trainers), got {kind!r}")
    if kind not in cluster or type(index) is not int or not 0 <= index < len(cluster[kind]):
        raise ValueError(f"TF_CONFIG task {task} is not a member of the cluster {sorted(cluster)}")
    return kind, index, cluster


def is_chief(name):
    """True unless this process is a multi-worker non-chief (the chief alone writes the artifacts):
    the `chief` task, or worker 0 when the cluster has no chief."""
    if name != "multi_worker_mirrored":
        return True
    kind, index, cluster = cluster_from_env()
    return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in cluster)


def num_replicas(name, num_devices):
    """The replica count the strategy will have (devices x workers), known before TF initialises."""
    if name != "multi_worker_mirrored":
        return 1 if name == "one_device" else int(num_devices)
    _, _, cluster = cluster_from_env()
    return int(num_devices) * (len(cluster.get("chief", [])) + len(cluster.get("worker", [])))


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
    if name in ("mirrored", "multi_worker_mirrored") and 0 < gpus < num_devices:
        raise ValueError(
            f"{name} over {num_devices} devices, but this machine has {gpus} GPU(s); set "
            f"num_devices <= {gpus} (logical CPU replicas are used only on machines without a GPU)"
        )
    if name == "multi_worker_mirrored":
        cluster_from_env()
        if not gpus and num_devices != 1:
            raise ValueError(
                "multi_worker_mirrored uses one CPU per worker on a machine without GPUs; set num_devices=1"
            )
    if name == "tpu" and not (os.environ.get("TPU_NAME") or tf.config.list_physical_devices("TPU")):
        raise ValueError("strategy tpu, but this machine has no TPU and TPU_NAME is not set")
    return gpus


def get_strategy(name="one_device", num_devices=1):
    """The strategy `name` (see the module docstring) over `num_devices` devices per process: GPUs,
    or, on a machine without any GPU, logical CPUs from `split_cpu` (mirrored) or the CPU (others)."""
    gpus = check_devices(name, num_devices)
    if name in ("multi_worker_mirrored", "tpu"):
        if name not in _PROCESS_STRATEGY:
            _PROCESS_STRATEGY[name] = _multi_worker(num_devices, gpus) if name != "tpu" else _tpu()
        return _PROCESS_STRATEGY[name]
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if gpus:
        return tf.distribute.MirroredStrategy([f"/gpu:{i}" for i in range(num_devices)])
    split_cpu(num_devices)
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:num_devices]]
    # Collective all-reduce between logical CPUs clashes when a process builds several strategies
    # (instance keys are reused); reducing on one device is exact, deterministic and cheap on CPU.
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())


def _multi_worker(num_devices, gpus):
    """Collective all-reduce across the TF_CONFIG cluster, num_devices GPUs (or the CPU) per worker."""
    if gpus:
        devices = tf.config.list_physical_devices("GPU")
        tf.config.set_visible_devices(devices[:num_devices], "GPU")
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as err:
        raise RuntimeError(
            f"multi_worker_mirrored must be created before TensorFlow runs any op ({err})"
        ) from None


def _tpu():
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", ""))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as err:
        raise ValueError(f"cannot reach the TPU ({' '.join(str(err).split())})") from None
    return tf.distribute.TPUStrategy(resolver)


def agree(strategy, value):
    """The one value every replica holds (a number, or a function called on each replica); ValueError
    if they differ. A collective (all-gather), so it is also a barrier: no worker passes it before
    all have reached it."""
    fn = value if callable(value) else (lambda: value)

    @tf.function
    def gather():
        per_replica = strategy.run(lambda: tf.reshape(tf.cast(fn(), tf.float64), [1]))
        return strategy.gather(per_replica, axis=0)

    values = gather().numpy().tolist()
    if len(set(values)) != 1:
        raise ValueError(f"the replicas disagree: {values}")
    return values[0]


def keras_logs(logs):
    """train_step's logs as Keras' fit can reduce them: across workers it takes a collective mean
    along axis 0, which a scalar lacks (Keras 3's TF trainer), so there they travel as shape [1]."""
    strategy = tf.distribute.get_strategy()
    multi_worker = getattr(strategy.extended, "_in_multi_worker_mode", lambda: False)()
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and multi_worker:
        return {name: tf.reshape(value, [1]) for name, value in logs.items()}
    return logs


def set_seed(seed, deterministic=True):
    """Seed Python, NumPy and TF (weight init); make TF ops deterministic (bit-identical runs), or, with
    deterministic=False, not: Keras declines XLA (jit_compile) while deterministic ops are on."""
    keras.utils.set_random_seed(int(seed))
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    else:
        from tensorflow.python.framework import config as tf_config  # no public switch-off in TF 2.21

        tf_config.disable_op_determinism()


def assign_on_every_replica(variables, fn):
    """variable <- fn(variable) for each variable, applied identically on every replica (from inside a
    replica context, e.g. WGAN's weight clipping in a train step)."""

    def merge_fn(strategy, variables):
        for variable in variables:
            strategy.extended.update(variable.value, lambda v: v.assign(fn(v)), group=False)

    tf.distribute.get_replica_context().merge_call(merge_fn, args=(variables,))
