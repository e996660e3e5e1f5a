"""bench/quality's report: statistics over seeds and goal verdicts, on results made up here."""

import numpy as np

from bench import quality, quality_report


def record(row, seed, modes, hq, kl, seconds=10.0):
    return {
        "row": row,
        "seed": seed,
        "wall_seconds": seconds,
        "scores": {"modes": modes, "high_quality": hq, "reverse_kl": kl},
    }


def test_report_means_stds_and_goals(tmp_path):
    rows = quality._rows()
    results = [record("grid25_default", s, 25, hq, 0.02) for s, hq in enumerate([0.97, 0.99])]
    results += [record("ring8_default", 0, 7, 0.99, 0.01)]
    results += [{"row": "ring8_wgan", "seed": 0, "wall_seconds": 3.0, "error": "diverged"}]
    path = tmp_path / "B.md"
    quality_report.write(results, rows, str(path))
    text = path.read_text()
    line = next(x for x in text.splitlines() if x.startswith("| grid25_default |"))
    assert f"{98.0:.1f} ± {np.std([97.0, 99.0]):.1f}" in line and "| 2 |" in line
    assert "| ring8_wgan |" in text and "0 (+1 failed)" in text
    assert (
        "`grid25_default` (25 modes, HQ ≥ 97 %, rKL ≤ 0.03): met by 2 of 2 seeds run (of 10 planned)" in text
    )
    assert "`ring8_default` (8 modes, HQ ≥ 98 %, rKL ≤ 0.02): met by 0 of 1 seeds run" in text
    assert "`stacked_digits_default`" in text and "not run yet" in text
    assert "| grid25: PacGAN4 | published | | 24.8 | 93.6 | 0.04 | |" in text


def test_every_row_names_a_config_file_that_exists():
    import os

    for name, (_group, config, overrides, seeds) in quality._rows().items():
        assert os.path.exists(os.path.join(quality.ROOT, config)), name
        assert seeds >= 1 and all(o.startswith("--config.") for o in overrides)
