"""`python -m grader gradescope --out autograder.zip [--force]`: a Gradescope autograder bundle.

The zip holds ``setup.sh`` (Gradescope's Ubuntu image: a venv with the pinned CPU torch and the kit),
``run_autograder`` (grades /autograder/submission with `python -m grader grade` and writes
/autograder/results/results.json), and the kit itself under ``normlab/`` (no caches, no venv). Both scripts honour
``NORMLAB_AUTOGRADER_ROOT`` (default /autograder) and ``NORMLAB_PYTHON`` (default: the venv setup.sh made), so
the kit's tests run them in a temp dir on a real submission.
"""

from __future__ import annotations

import argparse
import stat
import sys
import zipfile
from pathlib import Path

from grader import ROOT

KIT_PATHS = (
    "exercises",
    "solutions",
    "grader",
    "tests",
    "data",
    "conftest.py",
    "pyproject.toml",
    "README.md",
)
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", "hostile"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when the autograder image is built (Ubuntu, as root).
set -euo pipefail
ROOT="${NORMLAB_AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source"
if ! command -v python3.11 >/dev/null 2>&1; then
  apt-get update && apt-get install -y python3.11 python3.11-venv
fi
python3.11 -m venv "$ROOT/venv"
# CPU torch from PyTorch's CPU index (PyPI's default build for Linux is a multi-GB CUDA one)
"$ROOT/venv/bin/pip" install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
"$ROOT/venv/bin/pip" install -e "$ROOT/source/normlab"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade it, then write results/results.json.
set -uo pipefail
ROOT="${NORMLAB_AUTOGRADER_ROOT:-/autograder}"
PY="${NORMLAB_PYTHON:-$ROOT/venv/bin/python}"
KIT="$ROOT/source/normlab"
work="$(mktemp -d)"
mkdir -p "$work/class" "$ROOT/results"
# One learner, the submission as it came (files at its root, under exercises/, or a notebook)
cp -r "$ROOT/submission" "$work/class/submission"
cd "$KIT"
"$PY" -m grader grade "$work/class" --out "$work/out" --jobs 1 --timeout "${NORMLAB_TIMEOUT:-10}"
status=$?
if [ -f "$work/out/submission/results.json" ]; then
  cp "$work/out/submission/results.json" "$ROOT/results/results.json"
else
  printf '{"score": 0, "output": "The autograder could not grade this submission (exit %s). Please contact the course staff.", "tests": []}\\n' "$status" > "$ROOT/results/results.json"
fi
rm -rf "$work"
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument(
        "--out", type=Path, default=d["out"], help="zip to write (default %(default)s)"
    )
    parser.add_argument(
        "--force", action="store_true", default=d["force"], help="replace an existing zip"
    )


def main(*, out: Path = Path("autograder.zip"), force: bool = False) -> int:
    out = Path(out)
    if out.exists() and not force:
        print(f"gradescope: {out} exists; pass --force to replace it", file=sys.stderr)
        return 2
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_script(zf, "setup.sh", SETUP_SH)
        _add_script(zf, "run_autograder", RUN_AUTOGRADER)
        count = 0
        for rel in KIT_PATHS:
            path = ROOT / rel
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for f in files:
                parts = set(f.relative_to(ROOT).parts)
                if parts & SKIP_PARTS or f.suffix == ".pyc":
                    continue
                zf.write(f, f"normlab/{f.relative_to(ROOT)}")
                count += 1
    tmp.replace(out)
    print(f"gradescope: wrote {out} (setup.sh, run_autograder, {count} kit files)")
    print("gradescope: upload it as the assignment's autograder (Ubuntu base image)")
    return 0


def _add_script(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)
