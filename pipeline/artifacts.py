"""The stage contract: artifact directories with a manifest, cache keys, atomic publication.

Every stage writes DIR/<stage>/manifest.json:
    {stage, status, config_fingerprint, inputs: {upstream: fingerprint}, fingerprint, outputs, timings,
     files: {path: {bytes, sha256}}}
`fingerprint` (the cache key) hashes the stage, the gan_tf version, the config sections it reads and
its inputs' fingerprints, so a changed config or a re-run upstream stage changes the key of every
stage after it. `files` lists every file the stage published: a stage whose files are missing or
altered is not up to date (it re-runs), and a stage reading them fails with one line naming the file.
"""

import hashlib
import json
import os
import shutil
import tempfile
import time

SECTIONS = {
    "ingest": ("seed", "data"),
    "train": ("seed", "model", "gan", "train", "distribution"),
    "evaluate": ("seed", "eval", "export"),  # export.refine: evaluation scores what export serves
    "export": ("export",),
}
# Where a stage keeps a cache, not what it produces: left out of the stage's key.
NOT_FINGERPRINTED = {"eval": ("classifier_dir",)}
UPSTREAM = {
    "ingest": (),
    "train": ("ingest",),
    "evaluate": ("ingest", "train"),
    "export": ("train", "evaluate"),
}
MANIFEST = "manifest.json"
GENERATOR = "generator.keras"  # the train stage's generator (its weight average with train.ema_decay)
DISCRIMINATOR = "discriminator.keras"  # the train stage's discriminator, for guided sampling


class PipelineError(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def fingerprint(obj):
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_json(path):
    with open(path) as f:
        return json.load(f)


def write_json(path, obj):
    """Write JSON atomically (temp file + rename); non-finite floats become null."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(_finite(obj), f, indent=2, sort_keys=True, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


def _finite(obj):
    if isinstance(obj, float) and not (obj == obj and abs(obj) != float("inf")):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


_SHA256_CACHE = {}  # (path, size, mtime_ns) -> sha256, so a file is hashed once per process


def sha256_file(path):
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA256_CACHE:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _SHA256_CACHE[key] = digest.hexdigest()
    return _SHA256_CACHE[key]


def inventory(directory):
    """{relative path: {"bytes", "sha256"}} of every file under directory but the manifest."""
    files = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, directory)
            if rel != MANIFEST:
                files[rel] = {"bytes": os.path.getsize(path), "sha256": sha256_file(path)}
    return dict(sorted(files.items()))


def check_files(directory, files):
    """None when every listed file is there with its size and sha256, else what is wrong (one line)."""
    for rel, want in files.items():
        path = os.path.join(directory, rel)
        if not os.path.isfile(path):
            return f"{path} is missing"
        if want is None:  # listed without a checksum: existence is all that is known
            continue
        size = os.path.getsize(path)
        if size != want["bytes"]:
            return f"{path} is truncated or altered ({size} bytes, {want['bytes']} expected)"
        if sha256_file(path) != want["sha256"]:
            return f"{path} is altered (its sha256 differs from the manifest's)"
    return None


def read_manifest(stage_dir):
    path = os.path.join(stage_dir, MANIFEST)
    return read_json(path) if os.path.exists(path) else None


class Stage:
    """One run of a stage: its key, its upstream artifacts and its manifest."""

    def __init__(self, name, config, workdir):
        self.name, self.config, self.workdir = name, config, workdir
        self.dir = os.path.join(workdir, name)
        sections = {
            key: config[key].to_dict() if hasattr(config[key], "to_dict") else config[key]
            for key in SECTIONS[name]
        }
        for key, fields in NOT_FINGERPRINTED.items():
            for field in fields:
                sections.get(key, {}).pop(field, None)
        self.config_fingerprint = fingerprint(sections)
        self.inputs = {}
        for upstream in UPSTREAM[name]:
            manifest = read_manifest(os.path.join(workdir, upstream))
            if not manifest or manifest.get("status") != "done":
                raise PipelineError(
                    f"{name} needs the {upstream} stage's output in {workdir}/{upstream}; run it first"
                )
            problem = check_files(os.path.join(workdir, upstream), manifest.get("files", {}))
            if problem:
                raise PipelineError(
                    f"{upstream} output is damaged: {problem}; re-create it with "
                    f"`python -m pipeline.{upstream} --force` (same --config and --workdir)"
                )
            self.inputs[upstream] = manifest["fingerprint"]
        # The code version is part of the key (as TFX keys on component versions): bump
        # gan_tf.__version__ when a change alters what a stage produces.
        from gan_tf import __version__  # here, not at the top: importing gan_tf starts TensorFlow

        self.fingerprint = fingerprint([name, __version__, self.config_fingerprint, self.inputs])
        self.started = time.time()

    def input_dir(self, upstream):
        return os.path.join(self.workdir, upstream)

    def cached(self):
        """True (and says so) when DIR/<stage> was produced by this very key and its files are intact."""
        manifest = read_manifest(self.dir)
        if manifest and manifest.get("status") == "done" and manifest.get("fingerprint") == self.fingerprint:
            problem = check_files(self.dir, manifest.get("files", {}))
            if problem:
                print(f"{self.name}: {problem}; running the stage again")
                return False
            print(f"{self.name}: up to date (fingerprint {self.fingerprint}), nothing to do")
            return True
        return False

    def manifest(self, outputs, files=None, **extra):
        return {
            "stage": self.name,
            "status": "done",
            "config_fingerprint": self.config_fingerprint,
            "inputs": self.inputs,
            "fingerprint": self.fingerprint,
            "outputs": outputs,
            "timings": {"started": self.started, "seconds": round(time.time() - self.started, 3)},
            "files": files or {},
            **extra,
        }

    def temp_dir(self):
        """A fresh scratch directory next to DIR/<stage>, published by `publish`."""
        os.makedirs(self.workdir, exist_ok=True)
        return tempfile.mkdtemp(prefix=f".{self.name}.tmp-", dir=self.workdir)

    def publish(self, tmp, outputs, **extra):
        """Write the manifest into tmp, then swap tmp in for DIR/<stage> (old output removed)."""
        write_json(os.path.join(tmp, MANIFEST), self.manifest(outputs, files=inventory(tmp), **extra))
        replace_dir(tmp, self.dir)
        print(f"{self.name}: wrote {self.dir} ({time.time() - self.started:.1f} s)")


def discard_temp_dirs(workdir, stage):
    """Remove the scratch directories a failed run of `stage` left (published outputs are untouched)."""
    import glob

    for path in glob.glob(os.path.join(workdir, f".{stage}.tmp-*")) + glob.glob(
        os.path.join(workdir, stage, f".{stage}.tmp-*")
    ):
        shutil.rmtree(path, ignore_errors=True)


def replace_dir(src, dst):
    """Move src to dst, replacing dst; dst is never seen half-written."""
    old = None
    if os.path.exists(dst):
        old = tempfile.mkdtemp(prefix=".old-", dir=os.path.dirname(os.path.abspath(dst)))
        os.rename(dst, os.path.join(old, "x"))
    os.rename(src, dst)
    if old:
        shutil.rmtree(old, ignore_errors=True)
