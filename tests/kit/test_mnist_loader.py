"""The provided MNIST loader (exercises/mnist.py): a kit test, not learner feedback (it is not the learner's code)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch


def test_mnist_loader_gives_normalised_seeded_splits():
    from exercises.mnist import load_mnist

    train, test = load_mnist()
    assert (len(train.dataset), len(test.dataset)) == (4500, 500)
    assert len(train) == 4500 // 32
    assert len(test) == -(-500 // 32)
    X, y = next(iter(train))
    assert X.shape == (32, 784)
    assert X.dtype == torch.float32
    assert y.dtype == torch.int64
    full = train.dataset.tensors[0]
    assert float(full.min()) == 0.0
    assert float(full.max()) == 1.0
    assert set(np.unique(test.dataset.tensors[1].numpy())) <= set(range(10))
    train2, test2 = load_mnist(seed=0)
    train3, _ = load_mnist(seed=0)
    assert torch.equal(test.dataset.tensors[0], test2.dataset.tensors[0])
    assert torch.equal(next(iter(train2))[1], next(iter(train3))[1])  # same batch order per seed
    _, other = load_mnist(seed=1)
    assert not torch.equal(test.dataset.tensors[1], other.dataset.tensors[1])
    rows = {r.tobytes() for r in train.dataset.tensors[0].numpy()}
    assert not any(r.tobytes() in rows for r in test.dataset.tensors[0].numpy()[:50])


def _csv(tmp_path: Path, name: str, rows: np.ndarray, header: str | None = None) -> Path:
    text = "\n".join(",".join(str(int(v)) for v in row) for row in rows) + "\n"
    if header:
        text = header + "\n" + text
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    return path


@pytest.mark.parametrize("header", [None, "label," + ",".join(f"pixel{i}" for i in range(784))])
def test_mnist_loader_reads_label_first_csv(tmp_path, header):
    from exercises.mnist import load_mnist, mnist_arrays

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 20)
    pixels = rng.integers(0, 256, (20, 784))
    path = _csv(tmp_path, "small.csv", np.column_stack([labels, pixels]), header)
    images, got = mnist_arrays(path)
    assert np.array_equal(got, labels)
    assert np.allclose(images, pixels / 255.0)
    train, test = load_mnist(batch_size=4, path=path)
    assert (len(train.dataset), len(test.dataset)) == (18, 2)
    last = _csv(tmp_path, "last.csv.gz", np.column_stack([pixels, labels]))
    assert np.array_equal(mnist_arrays(last)[1], labels)


def test_mnist_loader_explains_a_missing_or_corrupt_file(tmp_path, monkeypatch):
    from exercises.mnist import MNISTDataError, mnist_arrays

    cases = {
        "missing": tmp_path / "nowhere" / "mnist_5k.csv.gz",
        "not gzip": tmp_path / "bad.csv.gz",
        "bad sha": tmp_path / "mnist_5k.csv.gz",
        "columns": _csv(tmp_path, "short.csv", np.zeros((3, 100))),
    }
    cases["not gzip"].write_bytes(b"\x1f\x8bnot really gzip")
    cases["bad sha"].write_bytes(gzip.compress(b"0,1,2\n"))
    for why, path in cases.items():
        with pytest.raises(MNISTDataError) as err:
            mnist_arrays(path)
        text = str(err.value)
        for needle in (str(path), "README.md", "mnist_5k.csv.gz"):
            assert needle in text, (why, needle, text)
    monkeypatch.setenv("NORMLAB_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(MNISTDataError, match="does not exist"):
        mnist_arrays()


def test_mnist_loader_limit_takes_mnist_subsets_digits():
    """load_mnist(limit=n): the n digits mnist_subset draws with the same seed, split and batched as the full
    loader splits and batches all of them."""
    from exercises.mnist import load_mnist, mnist_subset

    train, test = load_mnist(batch_size=16, test_fraction=0.2, seed=3, limit=250)
    assert (len(train.dataset), len(test.dataset)) == (200, 50)
    images, labels = mnist_subset(250, seed=3)
    order = np.random.default_rng(3).permutation(250)
    x_test, y_test = test.dataset.tensors
    assert np.array_equal(x_test.numpy(), images[order[:50]])
    assert np.array_equal(y_test.numpy(), labels[order[:50]])
    assert len(train) == 200 // 16  # the last incomplete batch dropped
    with pytest.raises(ValueError, match="n must be between"):
        load_mnist(limit=0)
