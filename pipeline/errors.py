"""One-line errors for the command-line tools: `prog: error: ...` on stderr and exit status 1, never a
traceback (unless --traceback)."""

import sys

from absl import flags, logging

from pipeline.artifacts import PipelineError

TRACEBACK = flags.DEFINE_bool("traceback", False, "On failure, show the full Python traceback.")


def guarded(fn, prog="gan-pipeline"):
    """Call fn(); on error print `prog: error: ...` (one line) and exit 1."""
    if not flags.FLAGS["verbosity"].present:  # TF's INFO chatter only with --verbosity=0
        logging.set_verbosity(logging.WARNING)
    try:
        fn()
    except (PipelineError, ValueError, FileNotFoundError, OSError, RuntimeError) as err:
        _fail(err, " ".join(str(err).split()) or type(err).__name__, prog)
    except Exception as err:  # anything else is a bug or an input no check anticipated: still one line
        text = " ".join(str(err).split())
        _fail(err, f"unexpected {type(err).__name__}: {text} (rerun with --traceback for the details)", prog)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; re-run the same command to resume", file=sys.stderr)
        sys.exit(130)


def _fail(err, message, prog):
    if TRACEBACK.value:
        raise err
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(1)


def list_in_help(*modules):
    """Show the flags of `modules` in the running program's --help (absl lists the key flags of the
    main module, named by sys.argv[0]; adopt_module_key_flags would adopt them into its caller)."""
    for module in modules:
        for flag in flags.FLAGS.get_key_flags_for_module(module):
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)


def flag_error(message, prog="gan-pipeline"):
    """A bad command line: one line and --help's pointer, exit 1."""
    print(f"{prog}: error: bad flag: {message}\nTry --help.", file=sys.stderr)
    sys.exit(1)


def parse_flags(argv, prog):
    """absl's flag parsing with a failure as one line (for tools without --config)."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as err:
        flag_error(err, prog)
