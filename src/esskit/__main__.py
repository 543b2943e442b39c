"""`python -m esskit`, and the `esskit` command's entry point."""

import contextlib
import gc
import os
import signal
import sys
from typing import NoReturn


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C: one line and exit 130, whatever esskit was doing (importing, reading, printing)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.write(sys.stderr.fileno(), b"esskit: interrupted\n")
    os._exit(130)


def handle_interrupts() -> None:
    """From now on, Ctrl-C ends esskit with one line and exit 130."""
    signal.signal(signal.SIGINT, _interrupted)


def main() -> None:
    """Run the `esskit` command; Ctrl-C is handled, and the cycle collector is off (see
    `esskit.cli.main`), before anything heavy is imported."""
    handle_interrupts()
    gc.disable()
    from esskit.cli import main as run

    try:
        run()
    except SystemExit as done:
        end(done.code)
    end(0)


def end(code: object) -> NoReturn:
    """Exit with `code` as `sys.exit` would, without the interpreter's teardown: freeing every
    object one by one is a twelfth of what a command does, and far more after a large catalogue,
    while the system frees them all at once. The command has written and flushed its output."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        with contextlib.suppress(OSError, ValueError):
            print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()  # flushed already as it was written, unless a future path forgets to
    except OSError:
        code = code or 2  # output that could not be written is an error, as everywhere else
    except (ValueError, AttributeError):  # closed, or replaced by nothing: nothing left to write
        pass
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
