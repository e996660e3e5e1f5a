"""Time FID / KID / precision-recall for 10 000 samples of 2048-d features (InceptionV3's size).

python -m bench.metrics_bench [--n 10000] [--dim 2048]
"""

import argparse
import time

import numpy as np

from gan_tf import metrics


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--kept", type=int, default=5000, help="features kept for precision/recall")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(args.dim, args.dim)) / np.sqrt(args.dim)
    a = rng.normal(size=(args.n, args.dim)).astype(np.float32) @ mix.astype(np.float32)
    b = (rng.normal(size=(args.n, args.dim)).astype(np.float32) + 0.1) @ mix.astype(np.float32)

    def streamed_fid():
        sa, sb = metrics.FeatureStats(args.dim), metrics.FeatureStats(args.dim)
        for chunk in range(0, args.n, 500):
            sa.update(a[chunk : chunk + 500])
            sb.update(b[chunk : chunk + 500])
        return metrics.frechet_distance_from_moments(sa.mean, sa.cov, sb.mean, sb.cov)

    rows = []
    fid, t = timed(lambda: metrics.frechet_distance(a, b))
    rows.append(("FID (matrices)", t, f"{fid:.4f}"))
    fid_s, t = timed(streamed_fid)
    rows.append(("FID (streamed, 500/batch)", t, f"{fid_s:.4f}"))
    (kid, kid_std), t = timed(lambda: metrics.kernel_inception_distance(a, b))
    rows.append(("KID (100 subsets x 1000)", t, f"{kid:.5f} +- {kid_std:.5f}"))
    pr, t = timed(lambda: metrics.precision_recall(a[: args.kept], b[: args.kept]))
    rows.append(
        (
            f"precision/recall/density/coverage ({args.kept})",
            t,
            f"P {pr['precision']:.3f} R {pr['recall']:.3f}",
        )
    )
    print(f"metrics on {args.n} x {args.dim} features per set")
    for name, seconds, value in rows:
        print(f"  {name:<44} {seconds:8.2f} s   {value}")
    return rows


if __name__ == "__main__":
    main()
