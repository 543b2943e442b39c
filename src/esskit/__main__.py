"""`python -m esskit`, and the `esskit` command's entry point."""

import contextlib
import gc
import os
import signal
import sys


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

    run()


if __name__ == "__main__":
    main()
