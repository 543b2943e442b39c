"""`python -m esskit`, and the `esskit` command's entry point."""

import contextlib
import gc
import os
import signal
import sys
from typing import NoReturn


def _stopped(signum: int, frame: object) -> None:
    """Ctrl-C or a SIGTERM: one line and exit 130 or 143 (128 and the signal's number), whatever
    esskit was doing (importing, reading, printing)."""
    word = b"interrupted" if signum == signal.SIGINT else b"terminated"
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.write(sys.stderr.fileno(), b"esskit: " + word + b"\n")
    os._exit(128 + signum)


def handle_interrupts() -> None:
    """From now on, Ctrl-C and SIGTERM end esskit with one line and exit 130 or 143."""
    signal.signal(signal.SIGINT, _stopped)
    signal.signal(signal.SIGTERM, _stopped)


MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 20, 500, 80
"""Widths esskit draws at: at most 500 columns (ten million would take minutes and gigabytes of
help), and 80 when COLUMNS gives fewer than 20 (0 would draw nothing)."""


def width(text: str) -> int:
    """A width from COLUMNS (or a terminal): DEFAULT_WIDTH below MIN_WIDTH or for what is not a
    number, MAX_WIDTH above it."""
    value = text.strip()
    number = int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0
    return DEFAULT_WIDTH if number < MIN_WIDTH else min(number, MAX_WIDTH)


def _sizes(environ: dict[str, str] | os._Environ[str]) -> None:
    """Keep the terminal sizes that Rich and Typer read from the environment (COLUMNS, LINES,
    TERMINAL_WIDTH) within what can be drawn (`width`); a height that is not a small number is
    left out."""
    for name in ("COLUMNS", "TERMINAL_WIDTH"):
        if name in environ:
            environ[name] = str(width(environ[name]))
    lines = environ.get("LINES", "").strip()
    if lines and not (lines.isascii() and lines.isdigit() and 0 < int(lines[:6]) < 100_000):
        del environ["LINES"]


def _writable_streams() -> None:
    """Standard output and error made writable whatever PYTHONIOENCODING says: an encoding that
    cannot write text (`idna`) is replaced by UTF-8, and characters an encoding lacks are written
    as `?`. A closed stream (`>&-`) is read as a reader that has gone."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
            continue
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            "esskit: é\n".encode(encoding, "replace")
        except (UnicodeError, LookupError):
            encoding = "utf-8"
        if hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, LookupError):
                stream.reconfigure(encoding=encoding, errors="replace")


def main() -> None:
    """Run the `esskit` command: signals handled, the cycle collector off (a command makes no
    garbage cycles worth collecting, while the collector would rescan every record of a large
    catalogue as it is built), sizes and streams made safe, before anything heavy is imported."""
    handle_interrupts()
    gc.disable()
    _sizes(os.environ)
    _writable_streams()
    from esskit import i18n

    i18n.use(i18n.from_locale(os.environ) or "en")  # before Typer reads its words at import
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
    for stream in (sys.stdout, sys.stderr):  # flushed already, as the command wrote them
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
