"""Hypothesis strategies shared by the public tests (one place, minitorch-style)."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Stable feedback for learners: 25 derandomized examples, the same ones on every run; a wider, random search in
# CI (HYPOTHESIS_PROFILE=ci). Loaded here, on import, because @given takes the profile in force when a test is
# decorated: every test module that searches imports this module first (and the groups that do not never
# import hypothesis at all).
settings.register_profile(
    "learner",
    derandomize=True,
    deadline=None,
    max_examples=25,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    derandomize=False,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "learner"))


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
