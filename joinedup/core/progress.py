"""Progress of long work, as a command shows it: lines of text, and a bar for work that counts its way through.

Services take `progress`, a callable given one line of text (or None). A command passes a `Reporter`: its lines go
to standard error and, when standard error is a terminal, `progress_bar(progress, …)` draws a bar there (tqdm) for
work counted in items (children evaluated, rows written). Anything else passed as `progress` (a list's `append`, a
log, a bench's printer) gets the lines only, as before: `progress_bar` returns None and the service says its lines.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO

from tqdm import tqdm

Progress = Callable[[str], None]


class Reporter:
    """A command's progress: each line written to `stream` (standard error by default); bars when `bars` (default:
    when the stream is a terminal, so that a log or a pipe gets lines only)."""

    def __init__(self, write: Progress | None = None, *, stream: IO[str] | None = None, bars: bool | None = None):
        self.stream = stream or sys.stderr
        self._write = write
        self.bars = self.stream.isatty() if bars is None else bars

    def __call__(self, line: str) -> None:
        if self._write is not None:
            self._write(line)
        else:
            print(line, file=self.stream, flush=True)

    def bar(self, *, total: int, desc: str, unit: str) -> tqdm | None:
        if not self.bars:
            return None
        return tqdm(total=total, desc=desc, unit=unit, file=self.stream, leave=False, smoothing=0.1)


def command_reporter(stderr) -> Reporter:
    """A management command's progress: lines through its `self.stderr` (so that a caller can capture them), in plain
    text (Django colours standard error as errors on a terminal; progress is not an error), and bars on a terminal."""
    return Reporter(lambda line: stderr.write(line, style_func=_plain))


def _plain(text: str) -> str:
    return text


def progress_bar(progress: Progress | None, *, total: int, desc: str, unit: str = " items") -> tqdm | None:
    """A bar for `total` items when `progress` draws bars (a `Reporter` on a terminal), else None: the caller then
    says its progress in lines. Close the bar before saying what the work came to."""
    make = getattr(progress, "bar", None)
    if make is None or total <= 0:
        return None
    return make(total=total, desc=desc, unit=unit)
