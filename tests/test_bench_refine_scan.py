"""bench/refine_scan: the spread of samples about their modes, the runs it refuses, its tables and
--settings, on values made up here."""

import numpy as np
import pytest


def test_refine_scan_spread_in_units_of_std():
    """Samples at known offsets from their centres give the RMS per-axis offset over std; far samples
    (beyond 3 std) are left out; Gaussian modes truncated at 3 std give sqrt(E[r^2 | r < 3] / 2)."""
    from bench import refine_scan

    centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.1, 0.0], [10.0, -0.2], [5.0, 0.0]])  # offsets 1 and 2 std; the last is far
    assert np.isclose(refine_scan.spread(samples, centers, 0.1), np.sqrt((1.0 + 4.0) / 2 / 2))
    rng = np.random.default_rng(0)
    gaussian = centers[rng.integers(2, size=200_000)] + 0.1 * rng.standard_normal((200_000, 2))
    # r^2 ~ chi^2_2 = Exp(mean 2): E[r^2 | r^2 < 9] = 2 - 9 e^-4.5 / (1 - e^-4.5)
    expected = np.sqrt((2 - 9 * np.exp(-4.5) / (1 - np.exp(-4.5))) / 2)
    assert abs(refine_scan.spread(gaussian, centers, 0.1) - expected) < 3e-3


def test_refine_scan_refuses_runs_it_cannot_scan(tmp_path):
    """An image run (no mode centres) and an unfinished train stage: one clear error each."""
    import json

    from bench import refine_scan

    (tmp_path / "ingest").mkdir()
    (tmp_path / "train").mkdir()
    (tmp_path / "ingest" / "dataset.json").write_text(json.dumps({"shape": [8, 8, 1]}))
    with pytest.raises(ValueError, match="not a 2D mixture run"):
        refine_scan.scan(str(tmp_path), 0)
    (tmp_path / "ingest" / "dataset.json").write_text(json.dumps({"centers": [[0, 0]], "mode_std": 0.1}))
    with pytest.raises(ValueError, match="has not finished"):
        refine_scan.scan(str(tmp_path), 0)


def test_refine_scan_updates_the_scanned_rows_tables_in_place():
    from bench import refine_scan

    previous = "### header\n\n#### `zz_other`, seeds 0\n| a |\n\n#### `grid25_default`, seeds 0\n| old |\n"
    new = {"ring8_default": ["#### `ring8_default`, seeds 0", "| new ring |", ""]}
    merged = refine_scan.merge(previous, {**new, "grid25_default": ["#### `grid25_default`, seeds 1", ""]})
    assert list(merged) == ["grid25_default", "ring8_default", "zz_other"]  # ROWS order, then the rest
    assert merged["grid25_default"] == ["#### `grid25_default`, seeds 1", ""]  # replaced
    assert merged["zz_other"] == ["#### `zz_other`, seeds 0", "| a |", ""]  # kept
    kept = refine_scan.merge(previous, new)
    assert kept["grid25_default"] == ["#### `grid25_default`, seeds 0", "| old |", ""]


def test_refine_scan_settings_parse_steps_by_step_size_after_raw():
    from bench import refine_scan

    assert refine_scan.parse_settings(["10x0.005", "30x3e-3"]) == ((0, 0.0), (10, 0.005), (30, 0.003))
    assert refine_scan.parse_settings([]) == ((0, 0.0),)
    assert (
        refine_scan.parse_settings(refine_scan.SETTINGS_FLAG.default) == refine_scan.SETTINGS
    )  # the default
    for bad in ("10", "x0.005", "ten x0.1", "0x0.005", "10x0", "10x-1", "10xnan", "10xinf"):
        with pytest.raises(ValueError, match="--settings"):
            refine_scan.parse_settings([bad])
