"""Every benchmark, one after the other (make bench)."""

from bench import metrics_bench, train_bench

if __name__ == "__main__":
    metrics_bench.main([])
    train_bench.main([])
