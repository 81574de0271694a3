"""Statistical judging of random initializers: fair to every correct sampler, sharp on every known mistake.

Shared by the public tests (tests/test_initializers.py) and the grader's checks, so a learner reads the same
checks and wording in both. numpy and math only at import;
``torch_target`` imports torch when it is called.

Fair: a correct implementation -- whatever way it draws its numbers -- fails a check with probability at most
``ALPHA`` = 1e-8. A public run makes fewer than 100 such checks (tests/test_initializers.py counts them), so
by the union bound it fails by chance with probability below 1e-6, with a fixed seed or a random one. Each
band below says how it was derived:

- mean: |mean - mu| <= Z * sigma / sqrt(n). Z = 6.0: the two-sided normal tail at 6.0 is 2.0e-9, and the
  margin over z(1e-8) = 5.73 absorbs the central limit theorem's error in the far tail (the sample mean of
  >= 1e4 uniform or normal values is normal to far better than that).
- std: the sample variance has relative standard error sqrt((kurtosis - 1) / n) (kurtosis 1.8 for a
  uniform, 3 for a normal), so s**2 / sigma**2 must lie in 1 +- Z * that. The margin of Z over 5.73 covers
  the chi-square skewness (Cornish-Fisher shift <= 0.15 standard errors for n >= 1e4).
- shape: the Kolmogorov-Smirnov distance D = sup |F_n - F| to the target CDF. The Dvoretzky-Kiefer-Wolfowitz
  inequality (Massart's constant) gives P(D > c / sqrt(n)) <= 2 exp(-2 c**2) for every n and every
  distribution, so c = sqrt(ln(2 / ALPHA) / 2) = 3.09 is exact, not asymptotic.
- uniform bounds: no value outside [a, b] (deterministic); and the largest value is within t * (b - a) of
  b, t = ln(1 / ALPHA) / n, because P(max < b - t (b - a)) = (1 - t)**n <= exp(-n t) = ALPHA (same for min).
- rounding: float16 / bfloat16 (and float32) values are rounded, at most twice, by half an ulp, i.e. by a
  relative 2**-(p-1) for p mantissa bits. Each band widens by what that rounding can move the statistic:
  u * mean|x| for the mean, u * rms(x) for the std, u * sup|x f(x)| (+ 2**-p for sampling grids) for D.

Sharp: with n >= 2e4 values the std band is under +-1.5 % (+-0.6 % at n = 5e5), so the known mistakes --
factors of sqrt(2), sqrt(3), 5/3, or a variance used as a std -- fail by dozens of standard errors.

Hints: a failing sample's summary statistics (``summary``) are matched to the stored statistics of the known
mistakes (drawn with a fixed generator and stored in tests/data/initializers.npz, or drawn on the same inputs
when grading), within ``STAT_TOL`` -- the wrong formulas themselves are never written here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

ALPHA = 1e-8  # false-alarm probability of one check on a correct implementation
Z = 6.0  # normal quantile used for the mean and std bands (see the module docstring)
KS_C = math.sqrt(math.log(2.0 / ALPHA) / 2.0)  # 3.09: DKW constant for ALPHA
TAIL_T = math.log(1.0 / ALPHA)  # 18.4: n * (distance of a uniform sample's max to its bound)

MANTISSA_BITS = {"float64": 53, "float32": 24, "float16": 11, "bfloat16": 8}
KURTOSIS = {"uniform": 1.8, "normal": 3.0}  # E[(x - mu)**4] / sigma**4


def bits(dtype: Any) -> int:
    """Mantissa bits (with the implicit one) of a floating dtype given as a name, numpy or torch dtype."""
    return MANTISSA_BITS[str(dtype).removeprefix("torch.")]


def rounding(dtype: Any) -> float:
    """Relative error of a value rounded twice to ``dtype`` (each rounding at most half an ulp)."""
    return 2.0 ** (1 - bits(dtype))


# --- target distributions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The distribution an initializer must draw from: U(a, b) or N(a, b**2)."""

    family: str  # "uniform" or "normal"
    a: float  # uniform: lower bound; normal: mean
    b: float  # uniform: upper bound; normal: std

    @property
    def mean(self) -> float:
        return (self.a + self.b) / 2 if self.family == "uniform" else self.a

    @property
    def std(self) -> float:
        return (self.b - self.a) / math.sqrt(12.0) if self.family == "uniform" else self.b

    @property
    def name(self) -> str:
        return "uniform" if self.family == "uniform" else "normal"

    def cdf(self, x: np.ndarray) -> np.ndarray:
        if self.family == "uniform":
            return np.clip((x - self.a) / (self.b - self.a), 0.0, 1.0)
        return 0.5 * (1.0 + _erf((x - self.a) / (self.b * math.sqrt(2.0))))

    def sup_x_pdf(self) -> float:
        """sup over x of |x| * pdf(x): how far a relative rounding of x can move the CDF."""
        if self.family == "uniform":
            return max(abs(self.a), abs(self.b)) / (self.b - self.a)
        grid = self.a + self.b * np.linspace(-12.0, 12.0, 24001)
        pdf = np.exp(-0.5 * ((grid - self.a) / self.b) ** 2) / (self.b * math.sqrt(2 * math.pi))
        return float(np.max(np.abs(grid) * pdf)) * 1.001  # grid step 1e-3 sigma: +0.1 % covers it


def _erf(x: np.ndarray) -> np.ndarray:
    """erf on a float64 array, ~1 ulp (torch.special.erf: vectorised C; a np.vectorize'd math.erf was the
    judges' bottleneck). torch is already imported wherever initializers are checked."""
    import torch

    return torch.special.erf(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()


@cache
def torch_target(fn: str, shape: tuple[int, ...], kwargs: tuple[tuple[str, Any], ...]) -> Target:
    """The distribution torch.nn.init draws from for the same call: the independent oracle.

    Runs the torch function on an empty tensor of the same shape and records the arguments of the
    ``Tensor.uniform_`` / ``Tensor.normal_`` call it makes, without sampling (so no random state is used).
    LeCun is not in torch.nn.init: it is ``kaiming_*_(nonlinearity="linear")``. ``kwargs`` is a sorted
    tuple of (name, value) pairs.
    """
    from unittest import mock

    import torch

    name, extra = ORACLES[fn]
    calls: list[tuple[str, tuple, dict]] = []

    def spy(method: str):
        def record(self, *args, **kw):
            calls.append((method, args, kw))
            return self

        return record

    with (
        mock.patch.object(torch.Tensor, "uniform_", spy("uniform_")),
        mock.patch.object(torch.Tensor, "normal_", spy("normal_")),
    ):
        getattr(torch.nn.init, name)(torch.empty(shape), **dict(kwargs), **extra)
    if len(calls) != 1:
        raise RuntimeError(f"torch.nn.init.{name} made {len(calls)} sampler calls, expected one")
    method, args, kw = calls[0]
    keys = ("from", "to") if method == "uniform_" else ("mean", "std")
    defaults = (0.0, 1.0)
    values = [
        float(args[i]) if i < len(args) else float(kw.get(k, d))
        for i, (k, d) in enumerate(zip(keys, defaults, strict=True))
    ]
    return Target("uniform" if method == "uniform_" else "normal", values[0], values[1])


# learner function -> (torch.nn.init function, extra keyword arguments)
ORACLES: dict[str, tuple[str, dict[str, Any]]] = {
    "uniform_": ("uniform_", {}),
    "normal_": ("normal_", {}),
    "xavier_uniform_": ("xavier_uniform_", {}),
    "xavier_normal_": ("xavier_normal_", {}),
    "kaiming_uniform_": ("kaiming_uniform_", {}),
    "kaiming_normal_": ("kaiming_normal_", {}),
    "lecun_uniform_": ("kaiming_uniform_", {"nonlinearity": "linear"}),
    "lecun_normal_": ("kaiming_normal_", {"nonlinearity": "linear"}),
}


def target_for(fn: str, shape: Sequence[int], kwargs: Mapping[str, Any]) -> Target:
    return torch_target(fn, tuple(int(s) for s in shape), tuple(sorted(kwargs.items())))


@cache
def torch_sparse_zeros(rows: int, cols: int, sparsity: float) -> int:
    """The oracle for sparse_: zeros per column of torch.nn.init.sparse_ (its global RNG use is forked)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        w = torch.nn.init.sparse_(torch.ones(rows, cols), sparsity, std=1.0)
    return int((w == 0).sum(dim=0).min())


# --- checks ------------------------------------------------------------------------------------------


def ks_statistic(x: np.ndarray, cdf) -> float:
    """sup |F_n - F| of the sample x against the CDF ``cdf`` (exact for ties as well).

    With F at the sorted sample and i = 1..n: D = max(max(i/n - F), max(F - (i-1)/n)), the second term being
    1/n - min(i/n - F). A float32 sample is sorted as float32 (the same order as in float64, about twice as
    fast: this sort is most of a judge's time on an initializer)."""
    xs = np.asarray(x).ravel()
    if xs.dtype not in (np.float32, np.float64):
        xs = xs.astype(np.float64)
    xs = np.sort(xs)
    n = xs.size
    diff = np.arange(1, n + 1, dtype=np.float64) / n - cdf(xs.astype(np.float64, copy=False))
    return float(max(diff.max(), 1.0 / n - diff.min()))


def distribution_problems(sample: np.ndarray, target: Target, dtype: Any) -> list[str]:
    """Why ``sample`` does not look drawn from ``target`` (empty when it does).

    Each check rejects a correct sample with probability <= ALPHA; ``checks_for(target)`` counts them.
    """
    x = np.asarray(sample, dtype=np.float64).ravel()
    n = x.size
    if n == 0:
        return ["the tensor has no elements"]
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).sum())
        return [f"{bad} / {n} values are NaN or inf (was every element filled, in place?)"]
    u = rounding(dtype)
    mu, sigma = target.mean, target.std
    problems: list[str] = []

    mean = float(x.mean())
    allowed = Z * sigma / math.sqrt(n) + u * float(np.abs(x).mean())
    if abs(mean - mu) > allowed:
        problems.append(
            f"mean: the sample mean is {mean:.4g}; the target mean is {mu:.4g} "
            f"(allowed +-{allowed:.2g} at n = {n})"
        )

    s = float(x.std())
    v = Z * math.sqrt((KURTOSIS[target.family] - 1.0) / n)
    slack = u * float(np.sqrt(np.mean(x * x))) / sigma
    lo, hi = math.sqrt(max(0.0, 1.0 - v)) - slack, math.sqrt(1.0 + v) + slack
    ratio = s / sigma
    if not lo <= ratio <= hi:
        problems.append(
            f"std: the sample std is {ratio:.4g} x the target std (allowed {lo:.4f} to {hi:.4f} "
            f"at n = {n})"
        )

    d = ks_statistic(np.asarray(sample), target.cdf)  # in the sample's own dtype: a faster sort
    crit = KS_C / math.sqrt(n) + u * target.sup_x_pdf() + 2.0 ** -bits(dtype) + 1e-12
    if d > crit:
        problems.append(
            f"shape: the values do not look {target.name}ly distributed: Kolmogorov-Smirnov distance "
            f"{d:.4f} to the target distribution (allowed {crit:.4f} at n = {n})"
        )

    if target.family == "uniform":
        a, b, width = target.a, target.b, target.b - target.a
        top, bottom = float(x.max()), float(x.min())
        if top > b + u * abs(b) or bottom < a - u * abs(a):
            problems.append(
                f"bounds: values lie outside the target range: from a to b, the smallest value sits at "
                f"{_rel(bottom, a, b)} and the largest at {_rel(top, a, b)} of the way (both must be in "
                f"[0, 1])"
            )
        t = TAIL_T / n
        # a [0, 1) draw made in the tensor's own half dtype tops out one grid step (an ulp of 1) below 1, and
        # scaling it to [a, b) rounds again: slack u * (|bound| + 2 width) covers both (float32: 2e-7 of width)
        if top < b - t * width - u * (abs(b) + 2 * width):
            problems.append(
                f"bounds: the largest value gets only {_rel(top, a, b)} of the way from a to the upper "
                f"bound b; {n} uniform draws get past {1 - t:.5f}"
            )
        if bottom > a + t * width + u * (abs(a) + 2 * width):
            problems.append(
                f"bounds: the smallest value gets only {_rel(bottom, b, a)} of the way from b to the lower "
                f"bound a; {n} uniform draws get past {1 - t:.5f}"
            )
    return problems


def _rel(value: float, start: float, end: float) -> str:
    return f"{(value - start) / (end - start):.4f}"


def checks_for(family: str) -> int:
    """How many random checks ``distribution_problems`` makes for a family (for the false-alarm budget)."""
    return {"uniform": 5, "normal": 3}[family]  # mean, std, KS (+ max and min near the bounds)


# --- orthogonal_ and sparse_ -------------------------------------------------------------------------


def gram_deviation(w: np.ndarray, gain: float) -> tuple[float, float]:
    """(max |diag - 1|, max |off-diagonal|) of the Gram matrix of w's smaller side, divided by gain**2.

    w is flattened to (rows, cols); rows >= cols: W^T W, else W W^T, should be gain**2 * I.
    """
    m = np.asarray(w, dtype=np.float64).reshape(w.shape[0], -1)
    g = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    g = g / (gain * gain)
    diag = np.diag(g)
    off = g - np.diag(diag)
    return float(np.max(np.abs(diag - 1.0))), float(np.max(np.abs(off)) if off.size else 0.0)


def gram_tolerance(dtype: Any, size: int) -> float:
    """Deterministic bound on |Gram / gain**2 - I| of a correct result.

    float32/float64 QR is orthogonal to ~size * eps; casting an orthogonal Q to a p-bit dtype moves each
    entry by a relative 2**-p, so each Gram entry by <= 2 * 2**-p (Cauchy-Schwarz over unit columns).
    """
    eps = 2.0**-52 if bits(dtype) == 53 else 2.0**-23
    return 2.0 * 2.0 ** -bits(dtype) * 1.01 + 50.0 * size * eps


def gram_stats(w: np.ndarray, gain: float, dtype: Any) -> dict[str, Any]:
    """For hints: the Gram matrix's mean diagonal / gain**2 and whether its off-diagonal part is ~0."""
    m = np.asarray(w, dtype=np.float64).reshape(w.shape[0], -1)
    g = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    _, off = gram_deviation(m, gain)
    return {
        "gram_diag": float(np.mean(np.diag(g))) / gain**2,
        "gram_offdiag_ok": np.bool_(off <= gram_tolerance(dtype, max(m.shape))),
    }


def sign_band(draws: int) -> float:
    """Half-width of the band around 1/2 for the fraction of draws with W[0, 0] < 0.

    For a uniformly (Haar) distributed Q, W[0, 0] is symmetric about 0; Hoeffding's inequality gives
    P(|fraction - 1/2| > t) <= 2 exp(-2 draws t**2) = ALPHA for this t.
    """
    return math.sqrt(math.log(2.0 / ALPHA) / (2.0 * draws))


def zero_counts(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(zeros in each column, zeros in each row) of a 2-D sample."""
    z = np.asarray(w) == 0
    return z.sum(axis=0), z.sum(axis=1)


def sparse_stats(w: np.ndarray) -> dict[str, Any]:
    """For hints: the common number of zeros per column (-1 when columns disagree), how many columns and
    rows share their most common count, and the log std of the non-zero values."""
    w = np.asarray(w, dtype=np.float64)
    cols, rows = zero_counts(w)
    col_mode = int(np.bincount(cols).argmax())
    row_mode = int(np.bincount(rows).argmax())
    col_frac = float(np.mean(cols == col_mode))
    return {
        "zeros_per_column": np.int64(col_mode if col_frac > 0.5 else -1),
        "col_mode_frac": col_frac,
        "row_mode_frac": float(np.mean(rows == row_mode)),
        "log_std": summary(w[w != 0])["log_std"],
    }


def extra_zeros_allowed(dtype: Any, std: float, nonzeros: int) -> int:
    """How many zeros beyond ceil(sparsity * rows) per column a correct sparse_ may show in total.

    A correct normal draw is exactly 0 with probability p0 <= 2**-23 (a Box-Muller radius of 0 on a 24-bit
    grid), plus, in float16, the chance 2 * 2**-25 * pdf(0) / std of underflowing to 0. The number of such
    accidents is about Poisson(p0 * nonzeros); return the smallest e with P(more than e) <= ALPHA.
    """
    underflow = {"float16": 2.0**-25}.get(str(dtype).removeprefix("torch."), 0.0)
    p0 = 2.0**-23 + 2.0 * underflow / (std * math.sqrt(2.0 * math.pi))
    lam = p0 * nonzeros
    e, term, cdf = 0, math.exp(-lam), math.exp(-lam)
    while 1.0 - cdf > ALPHA:
        e += 1
        term *= lam / e
        cdf += term
    return e


# --- summaries for hints -----------------------------------------------------------------------------

# Matching tolerance per summary statistic: far above the sampling noise of two samples of >= 2e4 values
# (e.g. log std: standard error <= 0.007), far below the gaps between known mistakes. 0 = exact.
STAT_TOL: dict[str, float] = {
    "log_std": 0.03,
    "mean_over_std": 0.05,
    "kurtosis": 0.3,
    "neg00": 0.2,
    "gram_diag": 0.05,
    "col_mode_frac": 0.25,
    "row_mode_frac": 0.25,
}
# The same, as the stored cases declare it (exercises.feedback.stored.Spec.tolerance): stored statistics are
# compared as the hints compare them, so a QR or a vectorized normal_ that rounds differently on another
# machine does not count as a change.
STAT_TOLERANCES: dict[str, tuple[float, float]] = {k: (0.0, v) for k, v in STAT_TOL.items()}


def summary(sample: np.ndarray) -> dict[str, float]:
    """Scale-free statistics of a sample that tell the known mistakes apart (stored in tests/data/)."""
    x = np.asarray(sample, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"log_std": -1e9, "mean_over_std": 0.0, "kurtosis": 0.0}
    s = float(x.std())
    m = float(x.mean())
    kurt = float(np.mean((x - m) ** 4) / s**4) if s > 0 else 0.0
    return {
        "log_std": math.log(s) if s > 0 else -1e9,
        "mean_over_std": m / s if s > 0 else 0.0,
        "kurtosis": kurt,
    }


def _tol(name: str) -> float:
    """STAT_TOL of a statistic, also when its name is prefixed (``"wide.gram_diag"``)."""
    return STAT_TOL.get(name.rsplit(".", 1)[-1], 0.0)


def _differs(a: Any, b: Any, name: str) -> bool:
    tol = _tol(name)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return True
    if tol == 0.0 or a.dtype.kind in "biu" or b.dtype.kind in "biu":
        return not np.array_equal(a, b)
    return bool(np.any(np.abs(a.astype(np.float64) - b.astype(np.float64)) > tol))


def match_mistakes(
    got: Mapping[str, Any],
    expected: Mapping[str, Any],
    mistakes: Mapping[str, Mapping[str, Any]],
    limit: int = 2,
) -> list[str]:
    """Hint ids of the known mistakes whose statistics the learner's reproduce (best first).

    A mistake is a candidate when the learner matches it on every statistic it moved away from the
    reference's (beyond STAT_TOL), so a learner with a second, unrelated mistake still gets the hint.
    Candidates that also agree with the learner on the statistics they did not move come first (of two
    mistakes that explain the same number, the one that explains everything else too), then the closest.
    """
    found: list[tuple[int, float, str]] = []
    for hint, outs in mistakes.items():
        moved = [k for k in outs if k in expected and _differs(outs[k], expected[k], k)]
        if not moved or not all(k in got and not _differs(got[k], outs[k], k) for k in moved):
            continue
        unexplained = sum(
            1 for k in outs if k not in moved and k in got and _differs(got[k], outs[k], k)
        )
        distance = max(
            float(np.max(np.abs(np.asarray(got[k], float) - np.asarray(outs[k], float))))
            / (_tol(k) or 1.0)
            for k in moved
        )
        found.append((unexplained, distance, hint))
    return [h for *_, h in sorted(found)][:limit]
