"""Run the pipeline: ingest -> train -> evaluate -> export (each stage skipped when up to date).

python -m pipeline.run --config=configs/grid25.py --workdir=runs/grid25 [--stages=train,evaluate]
gan-pipeline --config=configs/ring8.py --workdir=runs/ring8 --config.train.steps=500
"""

import sys

from absl import app, flags

from pipeline import cli, errors

STAGES_FLAG = flags.DEFINE_list(
    "stages",
    list(cli.STAGES),
    "Stages to run, comma separated, always in pipeline order: " + ",".join(cli.STAGES),
)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    cli.guarded(
        lambda: cli.run_stages(STAGES_FLAG.value, cli.CONFIG.value, cli.WORKDIR.value, cli.FORCE.value)
    )


def entry_point():
    """The `gan-pipeline` console script."""
    errors.list_in_help(cli, errors)
    app.run(main, argv=sys.argv, flags_parser=cli.parse_flags)


if __name__ == "__main__":
    entry_point()
