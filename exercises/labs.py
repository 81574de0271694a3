"""Labs: experiments on what the lectures claim. Each lab asks a question; you answer it from your own data.

Every lab goes the same way:

1. Read its question (below, and in its predict_* function) and write down what you expect in
   ``predict_<lab>()`` BEFORE you run anything. A prediction is never marked wrong; it is there so that
   you can compare.
2. Write the lab's measuring functions (the tests check them on inputs of their own).
3. Run the experiment: ``python -m exercises.lab_tools <lab>`` calls YOUR functions, prints what you
   measured and saves the figure (figures/labs_<lab>.png).
4. Read your table and your figure, then fill in ``answer_<lab>()``. The tests replay the same
   experiment with your functions and check that your answer agrees with what you measured -- not with
   anyone else's result.

A prediction or an answer you have not written yet shows as NOT IMPLEMENTED YET, like any stub.

| lab | question | lecture | exercises |
|---|---|---|---|
| distributions | what does layer norm keep, and what does it change, of a sample's distribution? and gamma and beta? | Understanding Distributions in Neural Networks (practice 1, 3) | labs.1-5 |
| eps | how does the input gradient depend on eps, and where does eps start to matter? | Layer Normalization Formula Explained (practice 2) | labs.6-10 |
| init | which starting gamma or beta learns fastest, which slowest, in the first steps on MNIST? | Layer Normalization Formula Explained (practice 3) | labs.11-15 |
| efficiency | how much faster is a vectorized layer norm than a Python loop over rows? | Layer Normalization Formula Explained (practice 5) | labs.16-19 |
| gradients | how does the gradient's size change from the last layer back to the first, by init, with and without layer norm? | Fundamental Concepts for Understanding Layer Normalization | labs.20-24 |
| activations | how do the hidden layers' activations drift while a network trains, with and without layer norm? | Understanding Distributions in Neural Networks (practice 2, 4) | labs.25-27 |
| optimizers | how do SGD, Adam and weight decay move the weights and the biases of the MNIST network? | Distributions of Weights Pre- and Post-Learning (Further Exploration) | labs.28-32 |

Provided, not graded: exercises/lab_tools.py (each lab's experiment and figure, the timing harness),
exercises/mnist.py (the bundled MNIST digits). The experiments use your earlier exercises where they fit
(your LayerNorm, your initializers, your histogram plots) and say so when they borrow torch's instead.
Labs carry 0 points unless your instructor says otherwise; `pytest -m labs` gives feedback like every
other group. torch is imported inside the functions that use it, so that the numpy labs stay fast.
"""

# Your file: replace each `raise NotImplementedError(...)` with your code, then run
# `pytest -m labs` for feedback.

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # annotations only
    import torch
    from torch import nn

DISTRIBUTIONS = ("normal", "uniform", "exponential", "bimodal")
STATS = ("mean", "std", "skewness", "kurtosis")

# The choices a prediction or an answer picks from (each predict_*/answer_* docstring says which).
EFFECTS = ("fixed", "kept", "changed")  # lab distributions: what layer norm does to one statistic
SETS = ("mean", "std", "skewness", "kurtosis", "none")  # lab distributions: what gamma / beta set
BENDS = ("variance", "std", "fixed")  # lab eps: what eps has to reach before it matters
INIT_RUNS = ("gamma=0.1", "gamma=1", "gamma=10", "beta=-1", "beta=+1")  # lab init: the five starts
GRADIENT_RUNS = (
    "default",
    "xavier",
    "kaiming",
    "normal",
    "default+ln",
    "xavier+ln",
    "kaiming+ln",
    "normal+ln",
)  # lab gradients: init scheme, "+ln" with a LayerNorm after every hidden Linear
TRENDS = ("vanishes", "stable", "explodes")  # lab gradients: going back from the last layer
CHANGES = ("grew", "stayed", "shrank")  # lab activations: a layer's spread after training
DEPTH_TRENDS = ("deeper more", "even", "deeper less")  # lab activations: drift against depth
FURTHER = ("sgd", "adam", "same")  # lab optimizers
SPREADS = ("narrower", "same", "wider")  # lab optimizers: weight decay's effect on the spread
BIAS_MOVES = ("more", "same", "less")  # lab optimizers: biases against weights


# --- lab distributions: what layer norm does to a distribution (labs.1-5) ---------------------------


def make_distributions(n_samples: int, n_features: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Four (n_samples, n_features) samples of differently shaped distributions, drawn from one seed.

    Formula:  one sample = one row of n_features values, drawn from:
              "normal":      a Normal (bell-shaped, symmetric)
              "uniform":     a Uniform (flat, symmetric)
              "exponential": skewed to the right (a long right tail); an exponential alone, or plus a
                             normal of a smaller or similar spread as the lecture draws it
              "bimodal":     two bumps: values from two Normals whose means are several stds apart
              The means and spreads are yours to choose (the checks look at each sample's shape:
              symmetry, flatness, a tail, a dip between two bumps), every spread > 0.
    Shapes:   each value (n_samples, n_features), float64.
    Returns:  a dict with exactly the keys "normal", "uniform", "exponential", "bimodal".
    Pitfalls: draw from a generator seeded with ``seed`` (np.random.default_rng(seed); the lecture's
              np.random.seed(seed) works too, but resets numpy's global generator for everyone): the
              same seed must give the same arrays, another seed other arrays.
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
    """Layer norm of every sample of x (numpy): standardize each sample, then scale by gamma, shift by beta.

    Formula:  for each sample r (a row of x, or x itself when it is 1-D), over its D features:
                  mu_r = mean(x[r]),  var_r = mean((x[r] - mu_r)**2)      (biased: divide by D)
                  out[r] = gamma * (x[r] - mu_r) / sqrt(var_r + eps) + beta
    Shapes:   x (D,) one sample, or (N, D) N samples; gamma and beta scalars or (D,) -> out like x.
    Returns:  out, a new float64 array; x is not modified.
    Pitfalls: the statistics are per SAMPLE (over the last axis, one mean per row), not per column:
              batch norm normalizes columns. Keep the reduced axis (keepdims=True) so that (N, 1)
              broadcasts against (N, D). eps goes inside the square root. beta is added after the
              scaling (gamma * xhat + beta), not gamma * (xhat + beta).
    Example:
        >>> normalize_per_sample(np.array([[1.0, 3.0], [10.0, 30.0]]), gamma=2.0, beta=1.0).round(3)
        array([[-1.,  3.],
               [-1.,  3.]])
    """
    raise NotImplementedError(
        "Exercise labs.2: normalize every sample over its last axis, then scale and shift"
    )


def sample_stats(x: np.ndarray) -> dict[str, float]:
    """Four statistics of each sample's distribution, averaged over the samples: your measuring tool.

    Formula:  for each sample r (a row of x; a 1-D x is one sample) with D values:
                  mean_r = mean(x[r]),  std_r = sqrt(mean((x[r] - mean_r)**2))  (population std)
                  z = (x[r] - mean_r) / std_r                                   (standardized)
                  skewness_r = mean(z**3)        (0 when symmetric, > 0 with a long right tail)
                  kurtosis_r = mean(z**4) - 3    (EXCESS kurtosis: 0 for a normal, < 0 when flat or
                                                  two-bumped, > 0 with heavy tails)
              result[s] = the mean over the samples of s_r, for s in "mean", "std", "skewness",
              "kurtosis".
    Shapes:   x (D,) or (N, D), D >= 2, every sample with a spread > 0.
    Returns:  a dict {"mean": float, "std": float, "skewness": float, "kurtosis": float}.
    Pitfalls: per sample, then averaged -- not over all the values of x pooled (rows of different
              means would widen a pooled spread). Skewness and kurtosis are moments of the
              STANDARDIZED values (divide by std**3, std**4). scipy.stats.skew and
              scipy.stats.kurtosis (their defaults) compute the same per-row numbers.
    Example:
        >>> sample_stats(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]))["mean"]
        3.0
    """
    raise NotImplementedError(
        "Exercise labs.3: per-sample moments of the standardized values, averaged over samples"
    )


def predict_distributions() -> dict[str, str]:
    """Your prediction, BEFORE you run the lab: what does layer norm do to a sample's distribution?

    The question: take the four samples of make_distributions and normalize each one
    (normalize_per_sample with gamma = 1, beta = 0). For each statistic of sample_stats, is it
      "fixed":   set to one value, the same whatever distribution went in;
      "kept":    the same after as before, for each distribution;
      "changed": changed, but neither of the above?
    And then with gamma and beta (gamma > 0): which one statistic does gamma set, and which beta?
    (one of "mean", "std", "skewness", "kurtosis", or "none").
    Returns:  {"mean": EFFECT, "std": EFFECT, "skewness": EFFECT, "kurtosis": EFFECT,
               "gamma": SET, "beta": SET}, each EFFECT one of EFFECTS, each SET one of SETS.
    Pitfalls: write it before you look; it is never marked wrong.
    """
    raise NotImplementedError("Exercise labs.4: record your prediction before you run the lab")


def answer_distributions() -> dict[str, str]:
    """Your answer, AFTER running ``python -m exercises.lab_tools distributions``: the same question.

    Read the table it prints (your sample_stats of each distribution before and after your
    normalize_per_sample, then with gamma and beta) and the figure (raw histograms on top, normalized
    below). The tests replay that experiment with your functions and check that each entry agrees with
    your own numbers.
    Returns:  the same form as predict_distributions.
    """
    raise NotImplementedError("Exercise labs.5: answer from your own table and figure")


# --- lab eps: eps and numerical stability (labs.6-10) -----------------------------------------------


def max_grad_vs_eps(x: np.ndarray, dout: np.ndarray, eps_values: np.ndarray) -> np.ndarray:
    """For each eps, the largest |dL/dx| of layer norm (gamma = 1, beta = 0) at x, given dout = dL/dout.

    Formula:  out = (x - mean(x)) / sqrt(var(x) + eps) per row (normalize_per_sample with gamma 1,
              beta 0); L = sum(out * dout); result[k] = max over all entries of |dL/dx| computed
              with eps = eps_values[k]. Get dL/dx however you like: your layer_norm_backward
              (exercises/layer_norm.py), torch autograd on float64 tensors, or your own derivation.
    Shapes:   x (N, D), dout (N, D), eps_values (K,) -> (K,) float64.
    Returns:  a numpy array of K non-negative numbers.
    Pitfalls: work in float64: near-constant rows (std 1e-6 around 3.0) lose every digit of
              x - mean(x) in float32. Take |.| before the max (the largest gradient may be
              negative). It is the gradient with respect to x, not the output.
    """
    raise NotImplementedError(
        "Exercise labs.6: layer norm's input gradient for every eps; keep its largest magnitude"
    )


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """The slope of the straight line that best fits the points (log x, log y): a power law's exponent.

    Formula:  the least-squares line through (log x[i], log y[i]); return its slope. If y = c * x**k
              exactly, the slope is k. Any log base gives the same slope (use it on both axes).
    Shapes:   x (K,), y (K,), K >= 2, every value > 0.
    Returns:  a float.
    Pitfalls: fit the LOGS, not the values: a straight line through (x, y) measures something else.
    Example:
        >>> round(loglog_slope(np.array([1.0, 10.0, 100.0]), np.array([3.0, 30.0, 300.0])), 6)
        1.0
    """
    raise NotImplementedError("Exercise labs.7: least-squares slope of log y against log x")


def bend_eps(eps_values: np.ndarray, values: np.ndarray) -> float:
    """Where a curve "bends": the eps at which it has fallen to half of its first value.

    Formula:  target = values[0] / 2. k = the first index with values[k] <= target. On log-log
              axes, join the points k - 1 and k with a straight line: the bend is the eps at which
              that line crosses log(target) (the same fraction of the way from log(eps[k-1]) to
              log(eps[k]) as log(target) lies from log(values[k-1]) to log(values[k])). If no value
              falls to the target, return np.inf.
    Shapes:   eps_values (K,) increasing, values (K,) > 0.
    Returns:  a float (np.inf when the curve never falls to half its first value).
    Pitfalls: interpolate on LOG axes (eps spans many decades: a straight line between two points
              on linear axes lands near the larger eps). The first crossing counts, not the last.
    Example:
        >>> round(bend_eps(np.array([1e-4, 1e-3, 1e-2]), np.array([8.0, 8.0, 2.0])), 6)
        0.003162
    """
    raise NotImplementedError(
        "Exercise labs.8: the first crossing of half the first value, interpolated on log-log axes"
    )


def predict_eps() -> dict[str, Any]:
    """Your prediction, BEFORE you run the lab: how does the input gradient depend on eps?

    The question: for rows of a small spread, plot max_grad_vs_eps against eps on log-log axes.
      "slope": once eps is well past the bend, the curve is (close to) a straight line on log-log
               axes: what is its slope? (a number)
      "bend":  the curve bends where eps starts to matter. As the rows' spread changes, the bend
               moves with the rows' "variance", with their "std", or stays at one "fixed" eps?
    Returns:  {"slope": float, "bend": one of BENDS}.
    Pitfalls: write it before you look; it is never marked wrong.
    """
    raise NotImplementedError("Exercise labs.9: record your prediction before you run the lab")


def answer_eps() -> dict[str, Any]:
    """Your answer, AFTER running ``python -m exercises.lab_tools eps``: the same question.

    It prints, for rows of several spreads, your bend_eps of your max_grad_vs_eps curve and your
    loglog_slope of the curve past the bend, and draws the curves. The tests replay it and check your
    "slope" within 0.1 of the slope you measured, and your "bend" against how your bends moved.
    Returns:  the same form as predict_eps.
    """
    raise NotImplementedError("Exercise labs.10: answer from your own table and figure")


# --- lab init: gamma and beta initialization and training dynamics (labs.11-15) --------------------


def make_ln_net(
    gamma_init: float,
    beta_init: float = 0.0,
    in_features: int = 784,
    seed: int = 0,
    norm_cls: type | None = None,
) -> nn.Module:
    """The lecture's MNIST network with a layer norm after its first layer, starting at gamma_init, beta_init.

    Formula:  Linear(in_features, 64) -> LayerNorm(64) -> ReLU -> Linear(64, 32) -> ReLU
              -> Linear(32, 10) -> log_softmax(dim=1); torch.manual_seed(seed) before building it,
              so that two nets of the same seed differ only in gamma and beta. Then the LayerNorm's
              weight (gamma) is filled with gamma_init and its bias (beta) with beta_init.
              norm_cls is the LayerNorm class to build it with (None: torch.nn.LayerNorm); the lab's
              experiment passes your LayerNorm from exercises/layer_norm_torch.py once it works.
    Shapes:   input (B, in_features) float32 -> output (B, 10) log-probabilities.
    Returns:  the nn.Module (train it with nn.NLLLoss).
    Pitfalls: a LayerNorm starts with weight 1 and bias 0: set both after building, under
              torch.no_grad() (e.g. .fill_(gamma_init)), or the start you chose never takes effect.
    """
    raise NotImplementedError(
        "Exercise labs.11: build the net with a LayerNorm, then set its gain and shift"
    )


def train_losses(model: nn.Module, train_loader: Any, optimizer: Any, num_steps: int) -> np.ndarray:
    """Train model with the given optimizer on NLLLoss for num_steps batches; return every step's loss.

    Formula:  model.train(); for step t = 0 .. num_steps-1, with (X, y) the next batch of train_loader
              (start the loader again when it runs out):
                  loss_t = NLLLoss()(model(X), y); optimizer.zero_grad(); loss_t.backward();
                  optimizer.step()
              losses[t] = loss_t.item(), the loss BEFORE step t's update.
              optimizer is built over model's parameters by the caller (the lab's experiment passes
              torch.optim.SGD(model.parameters(), lr)); any object with zero_grad() and step() works.
    Shapes:   X (B, features) float32, y (B,) int64 labels -> losses (num_steps,) float64.
    Returns:  a numpy array of num_steps floats.
    Pitfalls: zero the gradients every step (they add up otherwise). Record loss.item(), not the
              tensor (that keeps every step's graph alive). num_steps may exceed one epoch.
    """
    raise NotImplementedError(
        "Exercise labs.12: step the optimizer on NLLLoss for num_steps batches; keep every loss"
    )


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """The mean of every run of ``window`` consecutive values: a noisy curve, smoothed.

    Formula:  out[i] = mean(values[i : i + window]) for i = 0 .. len(values) - window.
    Shapes:   values (T,), 1 <= window <= T -> (T - window + 1,) float64.
    Returns:  a numpy array; its last value is the mean of the last ``window`` values.
    Pitfalls: only full windows: no padding at the ends (np.convolve's default mode "full" and mode
              "same" pad with zeros, which drags the ends towards 0). window < 1 or > T: ValueError.
    Example:
        >>> moving_average(np.array([1.0, 2.0, 3.0, 4.0]), 2)
        array([1.5, 2.5, 3.5])
    """
    raise NotImplementedError("Exercise labs.13: the mean of every full window")


def predict_init() -> dict[str, str]:
    """Your prediction, BEFORE you run the lab: which start of the LayerNorm learns fastest, which slowest?

    The question: make_ln_net trained by SGD for the same few steps on the same MNIST batches from five
    starts (INIT_RUNS): gamma 0.1, 1 or 10 with beta 0; beta -1 or +1 with gamma 1. Measured by the
    smoothed loss at the end (the last value of moving_average). Which start ends lowest ("fastest"),
    which highest ("slowest")?
    Returns:  {"fastest": one of INIT_RUNS, "slowest": one of INIT_RUNS}.
    Pitfalls: write it before you look; it is never marked wrong.
    """
    raise NotImplementedError("Exercise labs.14: record your prediction before you run the lab")


def answer_init() -> dict[str, str]:
    """Your answer, AFTER running ``python -m exercises.lab_tools init``: the same question.

    It trains your make_ln_net with your train_losses from the five starts, prints each run's
    smoothed final loss (your moving_average) and draws the loss curves. The tests replay it and check
    your answer against your numbers (runs closer than 0.02 count as a tie: either is accepted).
    Returns:  the same form as predict_init.
    """
    raise NotImplementedError("Exercise labs.15: answer from your own table and figure")


# --- lab efficiency: the same layer norm, written three ways (labs.16-19) ---------------------------


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
    raise NotImplementedError(
        "Exercise labs.16: the same normalization, one row per loop iteration"
    )


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
    raise NotImplementedError("Exercise labs.17: the same normalization in torch tensor ops")


def predict_efficiency() -> dict[str, float]:
    """Your prediction, BEFORE you run the lab: how many times faster is the vectorized version?

    The question: on the harness's input (1024 rows of 512 features, float32), how many times faster
    is normalize_per_sample (numpy, vectorized) than layer_norm_rows_loop (a Python loop over rows)?
    Returns:  {"speedup": float > 0}, the loop's time divided by the vectorized version's.
    Pitfalls: write it before you look; it is never marked wrong. Timings are never tested.
    """
    raise NotImplementedError("Exercise labs.18: record your prediction before you run the lab")


def answer_efficiency() -> dict[str, float]:
    """Your answer, AFTER running ``python -m exercises.lab_tools efficiency``: the same question.

    Copy from the table it prints the median times (ms) of your row loop and of your vectorized
    version, and the speedup you conclude. Timings depend on your machine and are never tested: the
    check is only that your speedup is what your two times say (within 10 %).
    Returns:  {"loop_ms": float > 0, "vectorized_ms": float > 0, "speedup": float > 0}.
    """
    raise NotImplementedError("Exercise labs.19: answer from your own timing table")


# --- lab gradients: vanishing and exploding gradients (labs.20-24) ----------------------------------


def make_deep_mlp(
    depth: int,
    width: int = 64,
    init: str = "default",
    layer_norm: bool = False,
    in_features: int = 784,
    num_classes: int = 10,
    seed: int = 0,
    init_module: Any = None,
    norm_cls: type | None = None,
) -> nn.Sequential:
    """A deep ReLU MLP of ``depth`` Linear layers, its weights from one init scheme, optionally layer-normed.

    Formula:  torch.manual_seed(seed), then one nn.Sequential, in this order:
                  Linear(in_features, width), then depth - 2 times Linear(width, width), then
                  Linear(width, num_classes); after every Linear but the last:
                  [norm_cls(width) when layer_norm] then nn.ReLU(); at the end nn.LogSoftmax(dim=1).
              Then every Linear's weight is filled by the scheme ``init`` (each layer in order):
                  "default": left as torch built it (nn.Linear's own init);
                  "xavier":  init_module.xavier_normal_(weight);
                  "kaiming": init_module.kaiming_normal_(weight, nonlinearity="relu");
                  "normal":  init_module.normal_(weight, 0.0, 1.0);
              and for these three every bias is filled with 0 (init_module.zeros_, or .zero_()).
              init_module defaults to torch.nn.init (the lab's experiment passes your
              exercises/initializers.py once it works); norm_cls defaults to torch.nn.LayerNorm.
    Shapes:   input (B, in_features) -> output (B, num_classes) log-probabilities.
    Returns:  the nn.Sequential.
    Pitfalls: the LayerNorm goes between each hidden Linear and its ReLU. An unknown init is a
              ValueError naming the valid choices (torch's wording: "... not supported, please use
              one of ..."). depth >= 2.
    """
    raise NotImplementedError(
        "Exercise labs.20: stack the layers, then fill every Linear's weight by the scheme"
    )


def grad_norms_per_layer(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """How large the gradient is at every layer: the norm of dL/d(output) of each nn.Linear, first layer first.

    Formula:  one forward pass out = model(x), L = NLLLoss()(out, y) (the mean over the batch), one
              backward pass; for every nn.Linear module of model, in the order the forward pass meets
              them, the L2 norm (over the whole batch) of the gradient of L with respect to that
              layer's OUTPUT.
    Shapes:   x (B, in_features) float32, y (B,) int64 -> (number of Linear layers,) float64.
    Returns:  a numpy array, entry 0 for the first (input) layer, the last entry for the output layer.
    Pitfalls: the gradient with respect to the layer's output (what backpropagation hands that layer),
              not with respect to its input and not its weight's .grad. Ways to get it: a backward
              hook (register_full_backward_hook: its grad_output), or keep each output from a forward
              hook and call .retain_grad() on it. Remove your hooks afterwards (handle.remove()).
    """
    raise NotImplementedError(
        "Exercise labs.21: keep every Linear's output, retain its gradient, read it after backward"
    )


def growth_per_layer(values: np.ndarray) -> float:
    """The average factor by which a quantity changes from one layer to the next, in the order given.

    Formula:  for values v_0 .. v_{n-1} (one per layer), the geometric mean of the n - 1 ratios
              v_{i+1} / v_i, which is (v_{n-1} / v_0) ** (1 / (n - 1)). Above 1: it grows along the
              list; below 1: it shrinks.
    Shapes:   values (n,), n >= 2, every value > 0.
    Returns:  a float.
    Pitfalls: a factor PER LAYER (the root), not the total change from the first to the last value.
              Read the list in the order you were given it; reverse it yourself to go the other way.
    Example:
        >>> growth_per_layer(np.array([1.0, 2.0, 4.0, 8.0]))
        2.0
    """
    raise NotImplementedError(
        "Exercise labs.22: the geometric mean of the ratios of consecutive values"
    )


def predict_gradients() -> dict[str, str]:
    """Your prediction, BEFORE you run the lab: do the gradients vanish, stay stable or explode?

    The question: a 10-layer ReLU MLP (make_deep_mlp) on a batch of MNIST digits, for each init
    scheme, without and with layer norm (GRADIENT_RUNS, e.g. "xavier" and "xavier+ln"). Going back
    from the last layer to the first, does the gradient norm (grad_norms_per_layer) shrink
    ("vanishes"), stay about the same size ("stable"), or grow ("explodes")?
    Returns:  {run: one of TRENDS for every run in GRADIENT_RUNS}.
    Pitfalls: write it before you look; it is never marked wrong.
    """
    raise NotImplementedError("Exercise labs.23: record your prediction before you run the lab")


def answer_gradients() -> dict[str, str]:
    """Your answer, AFTER running ``python -m exercises.lab_tools gradients``: the same question.

    It prints, per run, your grad_norms_per_layer and your growth_per_layer of them read from the last
    layer back to the first, and plots the norms against depth (log scale). The tests replay it and
    check each entry against your factor: clearly below 1 is "vanishes", clearly above 1 "explodes",
    near 1 "stable" (in between, either neighbour is accepted).
    Returns:  the same form as predict_gradients.
    """
    raise NotImplementedError("Exercise labs.24: answer from your own table and figure")


# --- lab activations: activation distributions by layer, during training (labs.25-27) ---------------


def layer_outputs(model: nn.Module, x: torch.Tensor) -> list[np.ndarray]:
    """What each hidden layer hands on: the output of every nn.ReLU module of model, for one batch x.

    Formula:  one forward pass of x under torch.no_grad(); for every nn.ReLU module, in the order the
              forward pass meets them, its output as a float64 numpy array.
    Shapes:   x (B, in_features) -> a list of (B, units) arrays, one per ReLU.
    Returns:  the list (empty when model has no nn.ReLU module).
    Pitfalls: forward hooks (register_forward_hook) see each module's output; copy it (detach, cpu,
              numpy) inside the hook, and remove every hook you added afterwards, also when the
              forward pass fails (try/finally), so that the model is as you found it.
    """
    raise NotImplementedError(
        "Exercise labs.25: forward hooks on every ReLU; keep a copy of each output"
    )


def predict_activations() -> dict[str, str]:
    """Your prediction, BEFORE you run the lab: do the activations drift while the network trains?

    The question: a 6-layer ReLU MLP (make_deep_mlp, Kaiming init) without and with layer norm,
    trained for a few steps on MNIST. Compare the spread (std) of each hidden layer's output
    (layer_outputs) on the same batch before and after training:
      "without_ln", "with_ln": the LAST hidden layer's spread "grew", "stayed" or "shrank";
      "drift_by_depth": without layer norm, does that change get larger the deeper the layer
                        ("deeper more"), stay about the same ("even"), or get smaller ("deeper less")?
    Returns:  {"without_ln": one of CHANGES, "with_ln": one of CHANGES,
               "drift_by_depth": one of DEPTH_TRENDS}.
    Pitfalls: write it before you look; it is never marked wrong.
    """
    raise NotImplementedError("Exercise labs.26: record your prediction before you run the lab")


def answer_activations() -> dict[str, str]:
    """Your answer, AFTER running ``python -m exercises.lab_tools activations``: the same question.

    It prints each hidden layer's spread before and after training (with your layer_outputs), the
    after / before ratios and your growth_per_layer of them, and draws the per-layer histograms. The
    tests replay it: a ratio clearly above 1 is "grew", clearly below "shrank", near 1 "stayed"; a
    growth_per_layer of the ratios clearly above 1 is "deeper more" (in between, either neighbour
    is accepted).
    Returns:  the same form as predict_activations.
    """
    raise NotImplementedError("Exercise labs.27: answer from your own table and figure")


# --- lab optimizers: SGD, Adam, weight decay, biases (labs.28-32) ----------------------------------


def make_optimizer(model: nn.Module, name: str, lr: float, weight_decay: float = 0.0) -> Any:
    """A torch optimizer over model's parameters: "sgd" (torch.optim.SGD) or "adam" (torch.optim.Adam).

    Formula:  name "sgd" -> torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay);
              name "adam" -> torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay).
    Returns:  the optimizer.
    Pitfalls: pass weight_decay on (it is the L2 term the lecture mentions): an optimizer built
              without it decays nothing. Any other name: ValueError naming the valid choices.
    """
    raise NotImplementedError(
        "Exercise labs.28: choose the optimizer class by name; pass lr and weight_decay on"
    )


def train_and_snapshot(
    model: nn.Module, train_loader: Any, optimizer: Any, num_steps: int, every: int = 10
) -> dict[str, np.ndarray]:
    """Train with optimizer on NLLLoss for num_steps batches; keep a copy of every parameter as it goes.

    Formula:  model.train(); a snapshot before the first step and after every ``every`` steps
              (after steps every, 2 * every, ..., so num_steps // every + 1 snapshots). A step: the
              next batch (X, y) of train_loader (start it again when it runs out), loss =
              NLLLoss()(model(X), y), zero the gradients, backward, optimizer.step().
              A snapshot: for every parameter (model.named_parameters()), a flat float64 copy of
              its values.
    Shapes:   -> {parameter name: (num_steps // every + 1, number of values)} float64 arrays.
    Returns:  the dict, keyed like model.named_parameters() (e.g. "input.weight", "input.bias").
    Pitfalls: a snapshot must be a COPY (p.detach().cpu().numpy().copy()): a view
              of the parameter changes with every later step. The first snapshot comes before any
              update. Zero the gradients every step.
    """
    raise NotImplementedError(
        "Exercise labs.29: train; copy every parameter at the start and every `every` steps"
    )


def relative_drift(snapshots: np.ndarray) -> np.ndarray:
    """How far the values have moved from where they started, relative to their starting size.

    Formula:  for each snapshot t (a row), ||s_t - s_0|| / ||s_0|| with ||.|| the L2 norm over the
              row's values: 0 for the first snapshot, 1 when the change is as large as the start.
    Shapes:   snapshots (S, P) -> (S,) float64.
    Returns:  a numpy array.
    Pitfalls: relative to the START (s_0), and the norm of the difference, not the difference of
              the norms (values may move a lot while their overall size stays the same).
    Example:
        >>> relative_drift(np.array([[3.0, 4.0], [3.0, 4.0], [6.0, 8.0]]))
        array([0., 0., 1.])
    """
    raise NotImplementedError(
        "Exercise labs.30: the norm of each row's change from the first row, over the first row's "
        "norm"
    )


def predict_optimizers() -> dict[str, str]:
    """Your prediction, BEFORE you run the lab: how do the optimizer and weight decay move the parameters?

    The question: the lecture's MNIST network (784-64-32-10) trained for the same steps on the same
    batches three ways: "sgd" (lr 0.05), "adam" (lr 0.001), "sgd+wd" (lr 0.05, weight decay 0.1).
      "further":      which optimizer moved the weights further from their start (relative_drift
                      of all the weights at the end): "sgd", "adam", or about the "same"?
      "weight_decay": the spread (std) of all the weights at the end of "sgd+wd" against "sgd":
                      "narrower", "same" or "wider"?
      "biases_sgd", "biases_adam": did the biases drift "more", the "same" or "less" than the
                      weights (relative_drift at the end), with that optimizer?
    Returns:  {"further": one of FURTHER, "weight_decay": one of SPREADS,
               "biases_sgd": one of BIAS_MOVES, "biases_adam": one of BIAS_MOVES}.
    Pitfalls: write it before you look; it is never marked wrong.
    """
    raise NotImplementedError("Exercise labs.31: record your prediction before you run the lab")


def answer_optimizers() -> dict[str, str]:
    """Your answer, AFTER running ``python -m exercises.lab_tools optimizers``: the same question.

    It trains the three ways with your make_optimizer and train_and_snapshot, prints the drifts (your
    relative_drift) and spreads, and draws the weight and bias histograms over training. The tests
    replay it: a ratio clearly above 1 (or below) decides an entry, near 1 is "same" (in between,
    either neighbour is accepted).
    Returns:  the same form as predict_optimizers.
    """
    raise NotImplementedError("Exercise labs.32: answer from your own table and figure")
