"""Labs: the seed lectures' practice exercises, each a small function you write plus a figure it draws.

Four labs, each checked by properties (what must be true of any correct answer), never by timings:

1. Distributions under layer norm (labs.1-3): draw four differently shaped samples, normalize every
   sample (row), and see that the result has mean 0 and std 1 whatever went in -- and that gamma
   and beta then set the std and the mean.
2. eps and numerical stability (labs.4-5): on near-constant rows the variance vanishes, 1/sqrt(var + eps)
   is then ruled by eps, and the gradient of layer norm can grow like 1/sqrt(eps).
3. gamma initialization and training (labs.6-8): the seed's MNIST network with a LayerNorm whose gain
   starts at 0.1, 1 or 10; one loss curve per start.
4. Efficiency (labs.9-10): the same layer norm written as a Python loop over rows and as torch tensor
   ops. The provided harness (exercises/lab_tools.py) times them next to your vectorized numpy version
   (labs.2), your LayerNormFunction and torch.compile, draws a table and a bar chart -- and first checks
   that every implementation gives the same output, which is all the tests ask of you.

Provided, not graded: exercises/lab_tools.py (timing harness, figure saving, the gamma lab's driver),
exercises/mnist.py (the MNIST loader). Labs carry 0 points unless your instructor says otherwise;
`pytest -m labs` gives feedback like every other group.
"""

# Your file: replace each `raise NotImplementedError(...)` with your code, then run
# `pytest -m labs` for feedback.

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

DISTRIBUTIONS = ("normal", "uniform", "exponential", "bimodal")


# --- lab 1: distributions under layer norm ---------------------------------------------------------


def make_distributions(n_samples: int, n_features: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Four (n_samples, n_features) samples of differently shaped distributions, drawn from one seed.

    Formula:  "normal":      Normal(mean 5, std 2)
              "uniform":     Uniform(-3, 7)
              "exponential": Exponential(scale 2) (skewed: a long right tail)
              "bimodal":     an equal mixture of Normal(-4, 1) and Normal(+4, 1): every value picks
                             one of the two bumps at random, independently
              Other means and spreads are fine as long as each keeps its shape (the tests look at
              skewness and kurtosis, not at the exact parameters): normal symmetric, uniform
              flat, exponential skewed to the right, bimodal with two well-separated bumps; every
              spread > 0 (continuous values: a bump of spread 0 is a spike, not a Normal).
    Shapes:   each value (n_samples, n_features), float64.
    Returns:  a dict with exactly the keys "normal", "uniform", "exponential", "bimodal".
    Pitfalls: draw from np.random.default_rng(seed), not the global np.random: the same seed must
              give the same arrays, another seed other arrays.
              Two bumps only look like two bumps if their means are several stds apart: a mixture of
              Normal(-0.5, 1) and Normal(0.5, 1) has one peak.
    Example:
        >>> d = make_distributions(3, 5, seed=1)
        >>> sorted(d), d["normal"].shape
        (['bimodal', 'exponential', 'normal', 'uniform'], (3, 5))
    """
    raise NotImplementedError("Exercise labs.1: draw the four samples from one seeded generator")


def normalize_per_sample(
    x: np.ndarray,
    gamma: float | np.ndarray = 1.0,
    beta: float | np.ndarray = 0.0,
    eps: float = 1e-5,
) -> np.ndarray:
    """Layer norm of every row of x (numpy, vectorized): normalize each sample, then scale and shift.

    Formula:  for each row r of x (one sample, D features):
                  mu_r = mean(x[r]),  var_r = mean((x[r] - mu_r)**2)      (biased: divide by D)
                  out[r] = gamma * (x[r] - mu_r) / sqrt(var_r + eps) + beta
              With scalars gamma and beta, every row of out has mean beta and std
              |gamma| * sqrt(var_r / (var_r + eps)) -- about |gamma| unless var_r is tiny.
    Shapes:   x (N, D); gamma and beta scalars or (D,) arrays -> out (N, D).
    Returns:  out, a new float array; x is not modified.
    Pitfalls: the statistics are per ROW (axis=-1, one per sample), not per column: batch norm
              normalizes columns. Keep the reduced axis (keepdims=True) so that (N, 1) broadcasts
              against (N, D). eps goes inside the square root. beta is added after the scaling
              (gamma * xhat + beta), not gamma * (xhat + beta).
    Example:
        >>> normalize_per_sample(np.array([[1.0, 3.0], [10.0, 30.0]]), gamma=2.0, beta=1.0).round(3)
        array([[-1.,  3.],
               [-1.,  3.]])
    """
    raise NotImplementedError(
        "Exercise labs.2: normalize every row, then scale by gamma and shift by beta"
    )


def plot_distributions(
    dists: dict[str, np.ndarray], gamma: float = 1.0, beta: float = 0.0, bins: int = 50
) -> Figure:
    """A 2 x 4 figure: the top row shows each distribution's values, the bottom row the same values
    after normalize_per_sample(x, gamma, beta).

    Formula:  column j = the j-th distribution of dists (in dict order); in both rows, one
              histogram of ALL the values of that array with ``bins`` bins (e.g.
              ax.hist(x.ravel(), bins)); every axes titled with its distribution's name ("normal"
              on top, "normal after LN" below, ...).
    Shapes:   dists: name -> (N, D) arrays, four of them (make_distributions' output).
    Returns:  the matplotlib Figure (fig from plt.subplots(2, 4), of any size), not the axes.
    Pitfalls: the bottom row must show the normalized values: after layer norm every histogram is
              centred on beta and about |gamma| wide, whatever the top row looked like. Change
              gamma and beta and watch the bottom row move and stretch; the shapes (skew, two
              bumps) survive: layer norm shifts and scales each sample, it does not gaussianize.
    """
    raise NotImplementedError(
        "Exercise labs.3: one histogram per distribution, raw on top, normalized below"
    )


# --- lab 2: eps and numerical stability -----------------------------------------------------------


def max_grad_vs_eps(x: np.ndarray, dout: np.ndarray, eps_values: np.ndarray) -> np.ndarray:
    """For each eps, the largest |dL/dx| of layer norm (gamma = 1, beta = 0) at x, given dout = dL/dout.

    Formula:  out = (x - mean(x)) / sqrt(var(x) + eps) per row (normalize_per_sample with gamma 1,
              beta 0); L = sum(out * dout); result[k] = max over all entries of |dL/dx| computed
              with eps = eps_values[k]. Get dL/dx however you like: your layer_norm_backward,
              torch autograd on float64 tensors, or your own derivation.
              What to expect: the gradient carries a factor 1/sqrt(var + eps). While eps << var it
              hardly depends on eps; once eps >> var (near-constant rows) it grows like
              1/sqrt(eps): a slope of -1/2 on log-log axes.
    Shapes:   x (N, D), dout (N, D), eps_values (K,) -> (K,) float64.
    Returns:  a numpy array of K non-negative numbers.
    Pitfalls: work in float64: near-constant rows (std 1e-6 around 3.0) lose every digit of
              x - mean(x) in float32. Take |.| before the max (the largest gradient may be
              negative). It is the gradient with respect to x, not the output, that blows up.
    """
    raise NotImplementedError(
        "Exercise labs.4: layer norm's input gradient for every eps; keep its largest magnitude"
    )


def plot_grad_vs_eps(eps_values: np.ndarray, curves: dict[str, np.ndarray]) -> Figure:
    """One line per curve: max |dL/dx| (max_grad_vs_eps) against eps, on log-log axes.

    Formula:  for each (label, values) in curves: ax.plot(eps_values, values, label=label); both
              axes logarithmic; a legend; axis labels "eps" and "max |dL/dx|".
    Shapes:   eps_values (K,); each curve (K,) (e.g. one per row std: "std 1", "std 1e-3", ...).
    Returns:  the matplotlib Figure.
    Pitfalls: on linear axes every curve is a wall at eps -> 0; only log-log shows the slope -1/2
              (the x axis AND the y axis: ax.set_xscale("log") and ax.set_yscale("log"), or
              ax.loglog). Plot the values you were given, in their order. The figure's size and the
              markers are yours to choose.
    """
    raise NotImplementedError("Exercise labs.5: one line per curve on log-log axes, with a legend")


# --- lab 3: gamma initialization and training dynamics --------------------------------------------


def make_ln_net(gamma_init: float, in_features: int = 784, seed: int = 0) -> nn.Module:
    """The seed's MNIST network with a layer norm after its first layer, its gain set to gamma_init.

    Formula:  Linear(in_features, 64) -> LayerNorm(64) -> ReLU -> Linear(64, 32) -> ReLU
              -> Linear(32, 10) -> log_softmax(dim=1); torch.manual_seed(seed) before building it,
              so that two nets of the same seed differ only in gamma. Then the LayerNorm's weight
              (gamma) is filled with gamma_init; its bias (beta) stays 0.
    Shapes:   input (B, in_features) float32 -> output (B, 10) log-probabilities.
    Returns:  the nn.Module (train it with nn.NLLLoss).
    Pitfalls: nn.LayerNorm starts with weight 1: set it after building, under torch.no_grad()
              (e.g. .fill_(gamma_init)), or the gamma you chose never takes effect.
              The LayerNorm may be nn.LayerNorm or your own (class named LayerNorm with .weight
              and .bias); it normalizes the 64 hidden features of each sample.
    """
    raise NotImplementedError(
        "Exercise labs.6: build the net with a LayerNorm, then set its gain to gamma_init"
    )


def train_losses(model: nn.Module, train_loader, num_steps: int, lr: float = 0.01) -> np.ndarray:
    """Train model with SGD(lr) and NLLLoss for num_steps batches; return the loss of every step.

    Formula:  optimizer = SGD(model.parameters(), lr); model.train(); for step t = 0 .. num_steps-1,
              with (X, y) the next batch of train_loader (start the loader again when it runs out):
                  loss_t = NLLLoss()(model(X), y); zero the gradients; loss_t.backward(); step
              losses[t] = loss_t.item(), the loss BEFORE step t's update.
    Shapes:   X (B, features) float32, y (B,) int64 labels -> losses (num_steps,) float64.
    Returns:  a numpy array of num_steps floats.
    Pitfalls: zero the gradients every step (they add up otherwise). Record loss.item(), not the
              tensor (that keeps every step's graph alive). num_steps may exceed one epoch.
    """
    raise NotImplementedError(
        "Exercise labs.7: SGD on NLLLoss for num_steps batches; keep every step's loss"
    )


def plot_loss_curves(curves: dict[str, np.ndarray]) -> Figure:
    """All loss curves on one plot: one line per gamma init, labelled, training step on x.

    Formula:  for each (label, losses) in curves: ax.plot(np.arange(len(losses)), losses,
              label=label); a legend; axis labels "step" and "loss".
    Shapes:   curves: label (e.g. "gamma=0.1") -> (T,) losses.
    Returns:  the matplotlib Figure.
    Pitfalls: one axes, one line per curve, each with its label (the legend must tell them
              apart). Plot the raw losses you were given (smooth them on a second line if you like,
              without a label of the same name). The figure's size is yours to choose.
    """
    raise NotImplementedError("Exercise labs.8: one labelled line per curve on a single axes")


# --- lab 4: efficiency of layer-norm implementations ----------------------------------------------


def layer_norm_rows_loop(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> np.ndarray:
    """normalize_per_sample written the slow way: a Python loop over the rows, one row at a time.

    Formula:  the same as normalize_per_sample, but each row's mean, variance and output are
              computed inside a `for` loop over the N rows (numpy inside the loop is fine).
    Shapes:   x (N, D), gamma (D,), beta (D,) -> out (N, D) float64.
    Returns:  out; equal to normalize_per_sample(x, gamma, beta, eps) to rounding.
    Pitfalls: np.std / np.var default to the biased estimate (ddof=0) -- keep it; torch.var does
              the opposite. Write into a preallocated array (np.empty) or collect rows and stack.
              The harness (exercises/lab_tools.py) checks that your implementations agree before
              it times them: a fast wrong answer is not a result.
    """
    raise NotImplementedError("Exercise labs.9: the same normalization, one row per loop iteration")


def layer_norm_torch_ops(
    x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5
) -> torch.Tensor:
    """normalize_per_sample in torch tensor ops (so that torch.compile can fuse it; autograd works too).

    Formula:  the same as normalize_per_sample over the last dim, written with torch ops
              (mean, var or a mean of squares, rsqrt/sqrt). Not F.layer_norm: that is the baseline
              the harness compares you with.
    Shapes:   x (N, D), gamma (D,), beta (D,) tensors -> out (N, D), x's dtype and device.
    Returns:  a torch.Tensor.
    Pitfalls: x.var() is UNBIASED by default (divides by D - 1): pass unbiased=False (or
              correction=0). Keep dims (keepdim=True) for broadcasting. No .numpy() round trip:
              it breaks autograd, GPUs and torch.compile.
    """
    raise NotImplementedError("Exercise labs.10: the same normalization in torch tensor ops")
