"""Learner feedback latency: wall time of the learner's pytest commands, median of N runs.

    python benchmarks/feedback.py [--runs 5] [--groups layer_norm,initializers,histograms,all] [--markdown]

For each command and implementation (references via --impl solutions, untouched stubs via --impl exercises) it
times whole `python -m pytest` processes, in two modes:
- warm: bytecode caches (__pycache__) written by a first, uncounted run and reused;
- cold: PYTHONDONTWRITEBYTECODE=1 and an empty PYTHONPYCACHEPREFIX: no bytecode is read or written, every
  module (numpy, pytest, torch included) is compiled from source on every run -- what a machine that sets
  PYTHONDONTWRITEBYTECODE and never had caches sees.
It also times `import torch` and `import numpy, pytest` alone, to show how much of a torch group's time is
torch's import. Runs are interleaved (each round runs every configuration once) so machine drift hits all alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "layer_norm": ["-m", "layer_norm"],
    "initializers": ["-m", "initializers"],
    "histograms": ["-m", "histograms"],
    "layer_norm_torch": ["-m", "layer_norm_torch"],
    # the learner's whole suite: every group's public tests, not the kit's own
    "all": ["-m", "not kit"],
}


def _env(cold: bool, pycache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MPLBACKEND"] = "Agg"
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = os.path.join(pycache, "empty")  # never written: stays empty
    else:
        env["PYTHONPYCACHEPREFIX"] = os.path.join(pycache, "warm")  # private warm cache
    return env


def _time(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return time.perf_counter() - start, proc.returncode


def _configs(groups: list[str]) -> list[tuple[str, list[str]]]:
    """(label, python arguments) of each command timed: the bare imports, then pytest per group and impl."""
    configs: list[tuple[str, list[str]]] = [
        ("import numpy, pytest", ["-c", "import numpy, pytest"]),
        ("import torch", ["-c", "import torch"]),
    ]
    for group in groups:
        for impl in ("solutions", "exercises"):
            configs.append(
                (
                    f"pytest {' '.join(COMMANDS[group]) or '(all groups)'} --impl {impl}",
                    [
                        "-m",
                        "pytest",
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        "--impl",
                        impl,
                        *COMMANDS[group],
                    ],
                )
            )
    return configs


def _print(rows: list[tuple], runs: int, markdown: bool) -> None:
    if markdown:
        print(
            f"Median of {runs} runs, {os.cpu_count()} CPUs; warm = bytecode cached, "
            "cold = PYTHONDONTWRITEBYTECODE=1.\n"
        )
        print("| command | warm median s | warm min–max s | cold median s | exit |")
        print("|---|---:|---:|---:|---:|")
        for label, wm, wmin, wmax, cm, code in rows:
            print(f"| `{label}` | {wm:.2f} | {wmin:.2f}–{wmax:.2f} | {cm:.2f} | {code} |")
    else:
        print(f"{'command':<62} {'warm':>7} {'min–max':>13} {'cold':>7} exit")
        for label, wm, wmin, wmax, cm, code in rows:
            print(f"{label:<62} {wm:7.2f} {wmin:6.2f}–{wmax:<6.2f} {cm:7.2f} {code:4d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--groups", default="layer_norm,initializers,histograms,all")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args()

    pycache = tempfile.mkdtemp(prefix="normlab-pycache-")
    configs = _configs(args.groups.split(","))
    times: dict[tuple[str, str], list[float]] = {}
    codes: dict[tuple[str, str], int] = {}
    try:
        for _, cmd in configs:  # warm-up: fills the private bytecode cache
            _time(cmd, _env(False, pycache))
        for _ in range(args.runs):
            for label, cmd in configs:
                for mode in ("warm", "cold"):
                    t, code = _time(cmd, _env(mode == "cold", pycache))
                    times.setdefault((label, mode), []).append(t)
                    codes[(label, mode)] = code
    finally:
        shutil.rmtree(pycache, ignore_errors=True)

    rows = []
    for label, _ in configs:
        w, c = times[(label, "warm")], times[(label, "cold")]
        rows.append(
            (
                label,
                statistics.median(w),
                min(w),
                max(w),
                statistics.median(c),
                codes[(label, "warm")],
            )
        )
    _print(rows, args.runs, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
