"""The theory lab: each claim of the derivations, demonstrated numerically, written up as a report.

    python -m pipeline.theory --workdir=runs/theory [--experiments=saturation,kl_vs_js]
    gan-theory --workdir=runs/theory

Writes DIR/theory/report.md (one section per claim: the claim and its formula, the setup, the measured
numbers, the target and whether it held, a PNG plot), DIR/theory/results.json and the PNGs, all at
once (a temp dir renamed). Exit status 1, after writing, when a target did not hold.
"""

import dataclasses
import json
import os
import sys
import tempfile
import time

from absl import app, flags

PROG = "gan-theory"


def _define_flags():
    """--workdir and --experiments, defined when the command runs: pipeline.cli (imported beside this
    module by tests or by Python users) defines its own --workdir."""
    flags.DEFINE_string("workdir", None, "Artifact root: the report goes to DIR/theory/.")
    flags.DEFINE_list("experiments", [], "Comma-separated experiment names (default: all).")


def run(workdir, names=None):
    """Run the experiments; write DIR/theory; return {name: Finding}."""
    from gan_tf import lab
    from pipeline.artifacts import replace_dir

    available = lab.experiments()
    names = list(names or available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown experiment(s) {', '.join(unknown)}; valid: {', '.join(available)}")
    os.makedirs(workdir, exist_ok=True)
    findings, seconds = {}, {}
    for name in names:
        start = time.perf_counter()
        findings[name] = available[name]()
        seconds[name] = round(time.perf_counter() - start, 1)
        verdict = "holds" if findings[name].passed else "DOES NOT HOLD"
        print(f"theory: {name}: {verdict} ({seconds[name]} s)", flush=True)
    tmp = tempfile.mkdtemp(prefix=".theory.tmp-", dir=workdir)
    for name, finding in findings.items():
        with open(os.path.join(tmp, f"{name}.png"), "wb") as f:
            f.write(finding.plot)
    results = {
        name: {**{k: v for k, v in dataclasses.asdict(f).items() if k != "plot"}, "seconds": seconds[name]}
        for name, f in findings.items()
    }
    with open(os.path.join(tmp, "results.json"), "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
    with open(os.path.join(tmp, "report.md"), "w") as f:
        f.write(report(findings, seconds))
    replace_dir(tmp, os.path.join(workdir, "theory"))
    return findings


def report(findings, seconds):
    """The Markdown report: a summary table, then one section per claim."""
    lines = [
        "# gan-tf theory lab",
        "",
        "Each claim of the derivations gan-tf grew from, checked numerically with gan-tf's own losses, "
        "layers and models (`python -m pipeline.theory`).",
        "",
        "| experiment | target | held | seconds |",
        "|---|---|---|---|",
    ]
    for name, f in findings.items():
        target = f.target.replace("|", "\\|")  # a cell's own bars (|D − D*|) must not end it
        held = "yes" if f.passed else "**no**"
        lines.append(f"| [{f.title}](#{name}) | {target} | {held} | {seconds[name]} |")
    for name, f in findings.items():
        lines += ["", f'<a id="{name}"></a>', f"## {f.title}", ""]
        lines += [f"**Claim.** {f.claim}", "", f"**Checks:** {f.derivation}.", ""]
        lines += [f"**Setup.** {f.setup}", "", "**Measured.**", ""]
        lines += [f"- `{key}`: {_fmt(value)}" for key, value in f.numbers.items()]
        lines += ["", f"**Target.** {f.target}: {'held' if f.passed else 'NOT held'}.", ""]
        lines += [f"![{f.title}]({name}.png)"]
    return "\n".join(lines) + "\n"


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list) and len(value) > 6:
        return f"{len(value)} values from {_fmt(value[0])} to {_fmt(value[-1])}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def main(argv):
    from pipeline.errors import guarded

    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")

    def theory():
        workdir = flags.FLAGS.workdir
        if not workdir:
            raise ValueError("--workdir is required (the report goes to DIR/theory/)")
        findings = run(workdir, flags.FLAGS.experiments)
        print(f"theory: wrote {os.path.join(workdir, 'theory', 'report.md')}")
        missed = [name for name, f in findings.items() if not f.passed]
        if missed:
            raise RuntimeError(f"target not held by {', '.join(missed)} (see the report)")

    guarded(theory, PROG)


def entry_point():
    """The `gan-theory` console script."""
    from pipeline import errors

    _define_flags()
    errors.list_in_help(errors)
    app.run(main, argv=sys.argv, flags_parser=lambda argv: errors.parse_flags(argv, PROG))


if __name__ == "__main__":
    entry_point()
