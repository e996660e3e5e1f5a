"""Evaluators: small classes chosen by the data and config.

Each has a `name` and `run(context)` -> {metric: {"value", "num_samples", "reference"}}.
"""

import fcntl
import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from gan_tf import __version__, metrics, noise
from gan_tf.metrics import features as extractors
from pipeline import conditioning, ingest
from pipeline.artifacts import PipelineError, fingerprint, read_manifest, replace_dir, write_json

# The digits classifier is used only if it reads at least this share of its held-out digits; below it,
# it is trained again from another initialisation, at most CLASSIFIER_ATTEMPTS times in all.
CLASSIFIER_GATE, CLASSIFIER_ATTEMPTS = 0.97, 3


class Context:
    """What evaluators share: the config, dataset.json, the real records and the generator."""

    def __init__(self, config, meta, ingest_dir, generator, out_dir, sampler=None):
        self.config, self.meta, self.ingest_dir, self.generator, self.out_dir = (
            config,
            meta,
            ingest_dir,
            generator,
            out_dir,
        )
        self.sampler = sampler  # a pipeline.guided.Sampler (export.refine), or None: G(z)
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.classes = int(meta.get("num_classes") or 0) if len(generator.inputs) > 1 else 0
        self.eligible = None  # real examples a metric may use (None: all)

    def leave_out_digits(self, trained_on):
        """Use only real examples made of digits outside `trained_on` (a feature extractor's training
        set); a no-op for data that is not made of scikit-learn digits."""
        ids = ingest.digit_ids(self.ingest_dir)
        if ids is not None:
            self.eligible = ~np.isin(ids, trained_on).any(axis=1)

    @property
    def real_count(self):
        return int(self.eligible.sum()) if self.eligible is not None else int(self.meta["count"])

    def generate_batches(self, n, rows=False):
        """Generated samples in batches of config.eval.batch_size, z from the "evaluate" noise stream
        (never the noise of a training step); a conditional generator's labels cycle through the
        classes sample by sample (rows=True: 8 samples per class in turn, a picture's rows)."""
        batch = self.config.eval.batch_size
        for start in range(0, n, batch):
            size = min(batch, n - start)
            z = noise.normal([size, self.latent_dim], self.config.seed, "evaluate", counter=start)
            if self.sampler is not None:
                yield np.asarray(self.sampler.samples(z, counter=start))
            elif self.classes:  # a conditional generator: every class in turn
                labels = tf.constant(self.labels(start, size, rows))
                yield self.generator([z, labels], training=False).numpy()
            else:
                yield self.generator(z, training=False).numpy()

    def labels(self, start, size, rows=False):
        """The labels `generate_batches` asks a conditional generator for, samples start.. start+size."""
        if rows:
            return conditioning.grid_labels(start + size, self.classes)[start:]
        return ((start + np.arange(size)) % self.classes).astype(np.int32)

    def generate(self, n, rows=False):
        return np.concatenate(list(self.generate_batches(n, rows)))

    def real_batches(self, n, offset=0, with_labels=False):
        """Real examples [offset, offset + n) of a seeded shuffle of the eligible ingested set, batched
        (with_labels: (x, label) batches)."""
        ds = ingest.read_records(self.ingest_dir, with_labels=with_labels)
        if self.eligible is not None:
            keep = tf.data.Dataset.from_tensor_slices(self.eligible)
            ds = tf.data.Dataset.zip(ds, keep).filter(lambda example, k: k).map(lambda example, k: example)
        seed = self.config.seed

        def shuffled(_):
            # TF pairs an op's seed with the global one, which the train stage sets (to config.seed)
            # only when it trains: fix the pair, so an evaluate-only run reads the same real halves.
            tf.compat.v1.get_default_graph().seed = seed
            return ds.shuffle(self.real_count, seed=seed, reshuffle_each_iteration=False)

        ds = tf.data.Dataset.range(1).flat_map(shuffled)
        yield from ds.skip(offset).take(n).batch(self.config.eval.batch_size).as_numpy_iterator()

    def real(self, n, offset=0):
        """The same examples as `real_batches`, as one array."""
        return np.concatenate(list(self.real_batches(n, offset)))


def _entry(value, n, reference=None):
    return {"value": value, "num_samples": int(n), "reference": reference}


class ModeCoverage:
    """VEEGAN/PacGAN modes, high-quality fraction and reverse KL on a Gaussian mixture."""

    name = "mode_coverage"

    def run(self, ctx):
        n = ctx.config.eval.num_samples
        centers, std = np.asarray(ctx.meta["centers"]), ctx.meta["mode_std"]
        fake = metrics.mode_coverage(ctx.generate(n), centers, std)
        real = metrics.mode_coverage(ctx.real(min(n, ctx.meta["count"])), centers, std)
        return {k: _entry(fake[k], n, real[k]) for k in fake}


class _Accumulator:
    """Streams extractor outputs: FID moments of every batch, the first `keep` rows kept for KID/PR."""

    def __init__(self, keep):
        self.keep, self.stats, self.kept, self.probs, self.classes, self.n = keep, None, [], [], [], 0

    def add(self, out):
        feats = out["features"]
        self.stats = self.stats or metrics.FeatureStats(feats.shape[1])
        self.stats.update(feats)
        room = self.keep - sum(len(k) for k in self.kept)
        if room > 0:
            self.kept.append(feats[:room])
        if "probs" in out:
            self.probs.append(_joint(out["probs"]))
            self.classes.append(out["classes"])
            self.num_classes = out["num_classes"]
        self.n += len(feats)
        return self


def _joint(probs):
    """p(class) of C independent digits: the outer product of the per-channel probabilities."""
    joint = probs[:, 0]
    for c in range(1, probs.shape[1]):
        joint = (joint[:, :, None] * probs[:, c, None, :]).reshape(len(probs), -1)
    return joint


_KL_PARTS = ("class_kl_channels", "class_total_correlation")


class ImageMetrics:
    """FID (streamed), KID, precision/recall/density/coverage in the extractor's feature space; with
    the digits classifier also the Inception Score, the modes hit and KL(class histogram || uniform).

    Generated samples are compared with one half of the (shuffled) real set; the reference line
    compares the other half with it, so it shows what a perfect generator would score. Real examples
    the feature extractor was trained on are left out of both halves. Modes and class KL depend on the
    sample count, so for stacked digits (independent channels; unconditional G) the reference counts
    them over as many real classes as there are samples, recombined channel by channel
    (`metrics.recombined_classes`). For stacked digits the class KL is also split into the sum of the
    channels' digit KLs and their total correlation (`metrics.class_kl_parts`)."""

    name = "image_metrics"

    def __init__(self, extractor):
        self.extractor = extractor

    def _collect(self, batches, keep):
        acc = _Accumulator(keep)
        for batch in batches:
            acc.add(self.extractor(batch))
        return acc

    def run(self, ctx):
        cfg = ctx.config.eval
        trained_on = getattr(self.extractor, "trained_on", None)
        if trained_on is not None:
            ctx.leave_out_digits(trained_on)
        half = ctx.real_count // 2
        if half < 2:
            raise PipelineError(
                f"image metrics need at least 4 real examples the feature extractor never saw, "
                f"got {ctx.real_count} of {ctx.meta['count']}"
            )
        real = self._collect(ctx.real_batches(min(half, cfg.num_samples)), cfg.max_kept)
        other = self._collect(ctx.real_batches(min(half, cfg.num_samples), offset=half), cfg.max_kept)
        fake = self._collect(ctx.generate_batches(cfg.num_samples), cfg.max_kept)
        values = {}
        for tag, acc in (("fake", fake), ("reference", other)):
            values[tag] = self._compare(real, acc, cfg)
        reference_n = {}
        ids = ingest.digit_ids(ctx.ingest_dir)
        if other.classes and ids is not None and ids.shape[1] > 1:  # stacked digits
            classes = {"fake": np.concatenate(fake.classes), "reference": np.concatenate(other.classes)}
            if not ctx.classes:  # unconditional (independent channels): count at the generator's n
                classes["reference"] = metrics.recombined_classes(classes["reference"], ids.shape[1], fake.n)
                values["reference"]["modes"], values["reference"]["class_kl"] = metrics.class_coverage(
                    classes["reference"], other.num_classes
                )
                reference_n = dict.fromkeys(("modes", "class_kl", *_KL_PARTS), fake.n)
            for tag, labels in classes.items():  # class KL = the channels' KLs + their total correlation
                channel_kls, total_correlation = metrics.class_kl_parts(labels, ids.shape[1])
                values[tag].update(zip(_KL_PARTS, (sum(channel_kls), total_correlation), strict=True))
        return {
            name: {
                "value": value,
                "num_samples": fake.n,
                "reference": values["reference"][name],
                "reference_num_samples": reference_n.get(name, other.n),
                "real_num_samples": real.n,
                "features": self.extractor.name,
                "extractor_held_out_accuracy": getattr(self.extractor, "held_out_accuracy", None),
            }
            for name, value in values["fake"].items()
        }

    def _compare(self, real, acc, cfg):
        out = {
            "fid": metrics.frechet_distance_from_moments(
                real.stats.mean, real.stats.cov, acc.stats.mean, acc.stats.cov
            )
        }
        real_kept, kept = np.concatenate(real.kept), np.concatenate(acc.kept)
        out["kid"], out["kid_std"] = metrics.kernel_inception_distance(
            real_kept, kept, subsets=cfg.kid_subsets, subset_size=cfg.kid_subset_size, seed=0
        )
        out.update(metrics.precision_recall(real_kept, kept, k=3))
        if acc.probs:
            probs = np.concatenate(acc.probs)
            out["inception_score"], out["inception_score_std"] = metrics.inception_score(
                probs, splits=min(10, len(probs))
            )
            out["modes"], out["class_kl"] = metrics.class_coverage(
                np.concatenate(acc.classes), acc.num_classes
            )
        return out


class SlicedWasserstein:
    """The multi-scale sliced Wasserstein distance (ProGAN) on Laplacian-pyramid patches: the image
    metric that needs no pretrained network. `swd` is the mean over levels, `swd_<N>px` each level;
    the reference compares the two real halves, as ImageMetrics does."""

    name = "sliced_wasserstein"

    def run(self, ctx):
        n = min(ctx.config.eval.num_samples, ctx.real_count // 2)
        if n < 2:
            raise PipelineError(
                f"the sliced Wasserstein distance needs at least 4 real images, got {ctx.real_count}"
            )
        real, other = ctx.real(n), ctx.real(n, offset=ctx.real_count // 2)
        fake = ctx.generate(n)
        values = metrics.sliced_wasserstein_distance(real, fake, seed=ctx.config.seed)
        reference = metrics.sliced_wasserstein_distance(real, other, seed=ctx.config.seed)
        names = {key: "swd" if key == "mean" else f"swd_{key}" for key in values}
        return {names[k]: _entry(values[k], n, reference[k]) for k in values}


class ConditionalMetrics:
    """A conditional run, in the digits classifier's eyes: `conditional_accuracy`, how often it reads
    the requested label in a generated sample (reference: its accuracy on held-out real digits), and
    `intra_fid`, the mean over classes of the FID between one half of that class's real examples and
    as many samples generated for it (reference: the other half; classes with < 4 real examples are
    left out, and the metric when no class has 20 per half). Real examples the classifier was trained
    on are left out."""

    name = "conditional_metrics"

    def __init__(self, extractor):
        self.extractor = extractor

    def run(self, ctx):
        n = ctx.config.eval.num_samples
        ctx.leave_out_digits(self.extractor.trained_on)
        fake = [self.extractor(batch) for batch in ctx.generate_batches(n)]
        labels = ctx.labels(0, n)
        accuracy = float(np.mean(np.concatenate([batch["classes"] for batch in fake]) == labels))
        out = {"conditional_accuracy": _entry(accuracy, n, self.extractor.held_out_accuracy)}
        fake_features = np.concatenate([batch["features"] for batch in fake])
        real, real_labels = [], []
        for x, y in ctx.real_batches(ctx.real_count, with_labels=True):
            real.append(self.extractor(x)["features"])
            real_labels.append(y)
        real, real_labels = np.concatenate(real), np.concatenate(real_labels)
        values, references, used = [], [], 0
        for c in range(ctx.classes):
            mine, generated = real[real_labels == c], fake_features[labels == c]
            half = min(len(mine) // 2, len(generated))
            if half >= 20:  # fewer makes the class's FID noise
                values.append(metrics.frechet_distance(mine[:half], generated[:half]))
                references.append(metrics.frechet_distance(mine[:half], mine[half : 2 * half]))
                used += half
        if values:
            out["intra_fid"] = {**_entry(float(np.mean(values)), used, float(np.mean(references)))}
            out["intra_fid"]["classes"] = len(values)
        return out


def digits_classifier(workdir, seed, size=8, cache_dir=""):
    """The digits classifier (at scikit-learn's 8 px) as a DigitsClassifier extractor that knows the
    digits it was trained on; trained once and cached in DIR/classifier_<size>_seed<seed>/, DIR =
    `cache_dir` (eval.classifier_dir: one cache for many runs) or the workdir. Runs sharing a cache
    take turns (a lock file): one trains, the others then load its classifier."""
    root = cache_dir or workdir
    directory = os.path.join(root, f"classifier_{size}_seed{seed}")
    key = fingerprint(["digits_classifier", __version__, size, seed])
    try:
        os.makedirs(root, exist_ok=True)
        lock = open(directory + ".lock", "a")  # held until the classifier is loaded
    except OSError:
        raise PipelineError(
            f"cannot cache the digits classifier: {root} is not a writable directory (eval.classifier_dir)"
        ) from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        manifest = read_manifest(directory)
        if not manifest or manifest.get("fingerprint") != key:
            print(f"evaluate: training the digits classifier at {size} px (cached in {directory})")
            _train_classifier_into(directory, key, size, seed)
        model = keras.models.load_model(os.path.join(directory, "classifier.keras"))
        accuracy = read_manifest(directory)["held_out_accuracy"]
    trained_on, held_out = extractors.digits_split(seed)
    print(f"evaluate: digits classifier, {accuracy:.3f} accuracy on the {len(held_out)} digits it never saw")
    return extractors.DigitsClassifier(model, trained_on=trained_on, held_out_accuracy=accuracy)


def _train_classifier_into(directory, key, size, seed):
    """Train it (again from another initialisation while its held-out accuracy is below the gate, at
    most CLASSIFIER_ATTEMPTS trainings in all) and publish it to `directory` whole (a temp dir, then a
    rename), or leave nothing."""
    for attempt in range(CLASSIFIER_ATTEMPTS):
        model, accuracy = extractors.train_digits_classifier(size, seed, attempt=attempt)
        if accuracy >= CLASSIFIER_GATE:
            break
        if attempt + 1 < CLASSIFIER_ATTEMPTS:
            print(
                f"evaluate: the digits classifier reached {accuracy:.3f} held-out accuracy "
                f"(< {CLASSIFIER_GATE}); training it again from another initialisation "
                f"({attempt + 2} of {CLASSIFIER_ATTEMPTS})"
            )
    else:
        raise PipelineError(
            f"the digits classifier reached only {accuracy:.3f} held-out accuracy (< {CLASSIFIER_GATE}) "
            f"in {CLASSIFIER_ATTEMPTS} initialisations"
        )
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(directory)}.tmp-", dir=os.path.dirname(directory))
    try:
        model.save(os.path.join(tmp, "classifier.keras"))
        write_json(
            os.path.join(tmp, "manifest.json"),
            {
                "stage": "classifier",
                "status": "done",
                "fingerprint": key,
                "outputs": {"model": "classifier.keras"},
                "held_out_accuracy": accuracy,
                "attempt": attempt,
                "split": "gan_tf.metrics.features.digits_split(seed): trained on the first half",
            },
        )
        replace_dir(tmp, directory)
    except BaseException as err:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(err, OSError):
            raise PipelineError(f"cannot write the digits classifier to {directory}: {err}") from None
        raise


def for_data(config, meta, workdir):
    """The evaluators that apply to this dataset and config."""
    if meta.get("centers"):
        return [ModeCoverage()]
    features = config.eval.features
    if features == "none":  # images with no feature extractor: the metric that needs none
        return [SlicedWasserstein()]
    if features == "inception_v3":
        try:
            return [ImageMetrics(extractors.InceptionFeatures(config.eval.inception_weights))]
        except FileNotFoundError as err:
            raise PipelineError(str(err)) from None
    if features == "digits_classifier":
        if meta["shape"][0] != meta["shape"][1] or meta["shape"][0] < 8:
            raise PipelineError(
                f"the digits classifier needs square images of at least 8 px, got {meta['shape']}"
            )
        seed, cache = config.eval.classifier_seed, config.eval.classifier_dir
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise PipelineError(f"eval.classifier_seed must be an integer >= 0, got {seed!r}")
        extractor = digits_classifier(workdir, seed, cache_dir=cache)
        conditional = config.gan.conditional != "none" and meta.get("num_classes") == 10 ** meta["shape"][-1]
        return [ImageMetrics(extractor)] + ([ConditionalMetrics(extractor)] if conditional else [])
    raise PipelineError(f"unknown eval.features {features!r}; valid: none, digits_classifier, inception_v3")
