"""Hypothesis strategies shared by the public tests (one place, minitorch-style)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


@st.composite
def ln_shapes(draw, max_batch_dims: int = 2, max_norm_dims: int = 3) -> tuple[tuple[int, ...], int]:
    """(x.shape, k): x has 0..max_batch_dims batch axes, then k normalized axes (product >= 2)."""
    batch = draw(st.lists(st.integers(1, 4), min_size=0, max_size=max_batch_dims))
    norm = draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_norm_dims))
    if int(np.prod(norm)) < 2:
        norm[-1] = 2
    return tuple(batch + norm), len(norm)


@st.composite
def ln_inputs(draw, dtype=np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, gamma, beta) with spread-out rows (std >= 0.1 per sample, so normalization is well posed)."""
    shape, k = draw(ln_shapes())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    loc = draw(st.floats(-50, 50))
    scale = draw(st.floats(0.1, 20))
    x = (loc + scale * rng.standard_normal(shape)).astype(dtype)
    gamma = rng.uniform(0.5, 2.0, shape[len(shape) - k :]).astype(dtype)
    beta = rng.standard_normal(shape[len(shape) - k :]).astype(dtype)
    return x, gamma, beta


finite_floats = hnp.from_dtype(
    np.dtype(np.float64), allow_nan=False, allow_infinity=False, min_value=-1e3, max_value=1e3
)
