"""The progress bar `grade` shows while a class is graded: rich's on a terminal when rich is installed, a plain
counter on a terminal without it, nothing when stderr is not a terminal."""

from __future__ import annotations

import sys


class Progress:
    """A progress bar on a TTY (rich when installed), nothing otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.reused = 0
        self._bar = None
        if sys.stderr.isatty():
            try:
                from rich.progress import Progress

                self._bar = Progress(transient=True)
                self._bar.start()
                self._task = self._bar.add_task("grading", total=total)
            except ImportError:
                self._bar = None
        self._plain = sys.stderr.isatty() and self._bar is None

    def __call__(self, result: object, reused: bool) -> None:
        self.done += 1
        self.reused += int(reused)
        if self._bar is not None:
            self._bar.update(
                self._task, advance=1, description=f"grading {getattr(result, 'learner', '')}"
            )
        elif self._plain:
            print(f"\rgrading: {self.done}/{self.total}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self._plain:
            print(file=sys.stderr)
            self._plain = False
