"""Weight initializers from scratch: torch.nn.init, plus LeCun.

A deep network multiplies its input by one weight matrix after another. If each layer scales the variance of
its activations by a factor c, twenty layers scale it by c**20: activations (and gradients) explode for c > 1
and vanish for c < 1 (run exercises/init_demo.py to watch it happen). The initializers here choose the weights'
spread so that c is about 1:

- each output sums ``fan_in`` products ``w * x``, so Var(out) = fan_in * Var(w) * E[x**2]; keeping it equal
  to E[x**2] needs Var(w) = 1 / fan_in (LeCun, 1998). Backpropagation sums ``fan_out`` products, which asks
  for 1 / fan_out; Glorot & Bengio (2010) compromise on Var(w) = 2 / (fan_in + fan_out);
- a nonlinearity changes the second moment it passes on: ReLU zeroes the negative half of its inputs, and
  He et al. (2015) make up for it with Var(w) = 2 / fan_in. These are the variances each scheme targets, as
  the lecture "What statistic distributions get used for random weight initializations?" states them; the rest -- the std, a uniform's bound, a nonlinearity's
  gain -- is yours to derive;
- torch's convention: a ``gain`` multiplies the weights' *std* (so the variance by gain**2);
  ``calculate_gain`` holds the factors, and torch publishes some of them as constants (tanh 5/3, selu 3/4);
- the same variance can come from a uniform or a normal distribution: U(-b, b) has variance b**2 / 3, a
  normal N(0, s**2) has variance s**2, and ``normal_`` takes s, the standard deviation.

fan_in and fan_out of a weight tensor (``calculate_fan_in_and_fan_out``):

- ``nn.Linear(in_features, out_features).weight`` has shape (out, in): fan_in = size(1) = in_features,
  fan_out = size(0) = out_features (the layer computes x @ W.T).
- ``nn.Conv2d(in_ch, out_ch, (kh, kw)).weight`` has shape (out, in, kh, kw): every output sums over
  in * kh * kw inputs, so fan_in = in * kh * kw and fan_out = out * kh * kw (receptive field kh * kw).

Conventions (the same as torch.nn.init's, plus one stricter rule):

- every ``*_`` function fills ``tensor`` in place under ``torch.no_grad()`` (so it works on an
  ``nn.Parameter`` that requires grad) and returns that same tensor, with its device and dtype unchanged;
- every random one takes ``generator`` and draws *all* of its randomness from it (torch's own ``sparse_``
  does not); with a generator, the global random state is left untouched, so runs are reproducible;
- float16 and bfloat16 tensors work (``orthogonal_`` runs its QR decomposition in float32).

Forbidden here: ``torch.nn.init.*`` and ``nn.Linear/Conv*.reset_parameters`` -- write the computation.
Tensor methods such as ``tensor.uniform_`` and ``tensor.normal_`` are fine.
"""

from __future__ import annotations

import math
import warnings

import torch
from torch import Tensor

__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "lecun_uniform_",
    "normal_",
    "orthogonal_",
    "sparse_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
]


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Return (fan_in, fan_out) of a weight tensor: how many inputs feed one output, and the reverse.

    Formula:  receptive_field = product of tensor.shape[2:]   (1 for a 2-D tensor)
              fan_in  = tensor.size(1) * receptive_field
              fan_out = tensor.size(0) * receptive_field

    Args:
        tensor: a weight tensor with at least 2 dimensions, laid out as torch does:
            (out_features, in_features) for Linear, (out_channels, in_channels, *kernel_size) for Conv.

    Returns:
        (fan_in, fan_out) as Python ints.

    Pitfalls:
        - dimension 0 is the *output* size: a Linear weight is (out, in), so a (1000, 500) weight has
          fan_in 500 and fan_out 1000. Swapping them is invisible for Xavier (it uses the sum) but
          changes Kaiming's and LeCun's spread on this shape.
        - for a Conv weight (out, in, kh, kw) both fans include the receptive field kh * kw: fan_in of
          Conv2d(32, 64, 3) is 32 * 9 = 288, not 32.
        - fewer than 2 dimensions (a bias vector) has no fans: raise ValueError.

    Example:
        >>> calculate_fan_in_and_fan_out(torch.empty(1000, 500))  # nn.Linear(500, 1000).weight
        (500, 1000)
        >>> calculate_fan_in_and_fan_out(torch.empty(64, 32, 3, 3))  # nn.Conv2d(32, 64, 3).weight
        (288, 576)
    """
    ### BEGIN SOLUTION initializers.1: check the dimensions, then compute both fans from the weight's layout
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)})"
        )
    receptive_field = math.prod(tensor.shape[2:])
    fan_in = tensor.size(1) * receptive_field
    fan_out = tensor.size(0) * receptive_field
    return fan_in, fan_out
    ### END SOLUTION


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Return the recommended gain for a nonlinearity: the factor it asks the weights' std to grow by.

    Formula:  nonlinearity                        gain
              linear, conv1d/2d/3d,
              conv_transpose1d/2d/3d, sigmoid     1                 (torch's convention)
              tanh                                5 / 3             (torch's published constant)
              selu                                3 / 4             (torch's published constant)
              relu                                derive it: the gain that makes a ReLU layer pass on
                                                  the second moment E[z**2] of its input. For z
                                                  symmetric around 0, what fraction of E[z**2] does
                                                  relu(z) keep? The gain multiplies the std.
              leaky_relu                          the same derivation with negative slope s:
                                                  s = param, or torch's default 0.01 when param is None

    Args:
        nonlinearity: the name of the nonlinear function (``torch.nn.functional`` name).
        param: optional parameter of the nonlinearity: the negative slope of ``leaky_relu``.

    Returns:
        the gain as a Python float (``linear`` & co. may return the int 1).

    Pitfalls:
        - what ReLU changes is the second moment (a variance, for a centred input), while a gain
          multiplies the *std*: derive the factor on the variance first, then turn it into one on the std.
        - ``calculate_gain("leaky_relu")`` uses torch's default slope 0.01, but a slope of 0 is a valid
          slope, not "no slope given": ``calculate_gain("leaky_relu", 0)`` is exactly the ReLU gain. Test
          ``param is None``, never ``param or 0.01``. This is why
          ``kaiming_*_(a=0, nonlinearity="leaky_relu")`` (the default) has the ReLU gain.
        - a ``param`` that is not a number (a bool or a string) is a ValueError (any message); an unknown
          nonlinearity is a ValueError whose message names it (say which name was not understood).
        - for SELU's self-normalizing fixed point use ``"linear"``: 3/4 trades it for gradient flow.

    Example:
        >>> calculate_gain("tanh") == 5 / 3
        True
        >>> z = torch.randn(1_000_000, generator=torch.Generator().manual_seed(0))  # check your derivation:
        >>> round(torch.relu(calculate_gain("relu") * z).pow(2).mean().item(), 2)  # E[z**2] is kept
        1.0
        >>> s = 0.2
        >>> round(torch.nn.functional.leaky_relu(calculate_gain("leaky_relu", s) * z, s).pow(2).mean().item(), 2)
        1.0
    """
    ### BEGIN SOLUTION initializers.2: return each nonlinearity's gain (derive the rectifiers'); reject unknown names and bad params
    linear_fns = (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
    )
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"Unsupported nonlinearity {nonlinearity}, please use one of "
        f"{[*linear_fns, 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']}"
    )
    ### END SOLUTION


def uniform_(
    tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """Fill the tensor in place with values drawn from the uniform distribution U(a, b).

    Formula:  x ~ U(a, b): mean (a + b) / 2, variance (b - a)**2 / 12 (b**2 / 3 when a = -b)

    Args:
        tensor: an n-dimensional ``torch.Tensor`` (any device, any floating dtype).
        a: the lower bound of the uniform distribution.
        b: the upper bound of the uniform distribution.
        generator: the ``torch.Generator`` to sample from (default: None, the global one).

    Returns:
        ``tensor`` itself (the same object, filled), so calls can be chained.

    Pitfalls:
        - fill in place (``tensor.uniform_``), don't return a new tensor: callers keep their reference,
          and ``nn.Parameter`` must stay the same object.
        - wrap the fill in ``torch.no_grad()``: an in-place change of a leaf tensor that requires grad
          (every ``nn.Parameter``) is an error otherwise.
        - pass ``generator`` on: the same seed must give the same weights, and a call with a generator
          must not consume the global random state.

    Example:
        >>> w = uniform_(torch.empty(3, 5), -0.1, 0.1, generator=torch.Generator().manual_seed(0))
        >>> bool(w.abs().max() <= 0.1), w.shape
        (True, torch.Size([3, 5]))
    """
    ### BEGIN SOLUTION initializers.3: fill in place from U(a, b) with the generator, under torch.no_grad()
    with torch.no_grad():
        return tensor.uniform_(a, b, generator=generator)
    ### END SOLUTION


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """Fill the tensor in place with values drawn from the normal distribution N(mean, std**2).

    Formula:  x ~ N(mean, std**2)   (std is the standard deviation, not the variance)

    Args:
        tensor: an n-dimensional ``torch.Tensor`` (any device, any floating dtype).
        mean: the mean of the normal distribution.
        std: the standard deviation of the normal distribution.
        generator: the ``torch.Generator`` to sample from (default: None, the global one).

    Returns:
        ``tensor`` itself, filled.

    Pitfalls:
        - the second parameter of ``Tensor.normal_`` is the std: passing a variance there is the most
          common initialization bug (see the "variance used as std" hint).
        - in place, under ``torch.no_grad()``, with ``generator`` passed on (see ``uniform_``).

    Example:
        >>> w = normal_(torch.empty(1000, 100), 0.0, 0.5, generator=torch.Generator().manual_seed(0))
        >>> round(w.std().item(), 1)
        0.5
    """
    ### BEGIN SOLUTION initializers.4: fill in place from N(mean, std**2) with the generator, under torch.no_grad()
    with torch.no_grad():
        return tensor.normal_(mean, std, generator=generator)
    ### END SOLUTION


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill the tensor in place with the value ``val``.

    Formula:  x = val everywhere

    Args:
        tensor: an n-dimensional ``torch.Tensor``.
        val: the value to fill the tensor with.

    Returns:
        ``tensor`` itself, filled.

    Pitfalls:
        - constant weights are only for biases and norm layers: every unit of a layer with constant
          weights computes the same thing and gets the same gradient, so they never differ (symmetry).
        - in place, under ``torch.no_grad()`` (see ``uniform_``).

    Example:
        >>> constant_(torch.empty(2, 3), 0.3)
        tensor([[0.3000, 0.3000, 0.3000],
                [0.3000, 0.3000, 0.3000]])
    """
    ### BEGIN SOLUTION initializers.5: fill in place with val, under torch.no_grad()
    with torch.no_grad():
        return tensor.fill_(val)
    ### END SOLUTION


def xavier_uniform_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """Fill the tensor with values from a Xavier (Glorot) uniform distribution U(-bound, bound).

    Described in "Understanding the difficulty of training deep feedforward neural networks",
    Glorot, X. & Bengio, Y. (2010): keep the variance of activations (forward) and of gradients
    (backward) alike by averaging the two fans.

    Formula:  the target: Var(w) = 2 / (fan_in + fan_out) (the lecture's Xavier variance), with ``gain``
              multiplying the std that gives it. Derive the bound: U(-bound, bound) has variance
              bound**2 / 3; choose bound so that the draws have the target variance.

    Args:
        tensor: an n-dimensional ``torch.Tensor`` with at least 2 dimensions.
        gain: an optional scaling factor (e.g. ``calculate_gain("tanh")``).
        generator: the ``torch.Generator`` to sample from (default: None).

    Returns:
        ``tensor`` itself, filled.

    Pitfalls:
        - the bound is not the std: U(-std, std) is narrower than asked (work out its variance).
        - suits tanh, sigmoid and linear layers (symmetric activations around 0); for ReLU networks
          it halves the variance at every layer, use ``kaiming_*`` there.
        - for a Conv weight, the fans include the receptive field (``calculate_fan_in_and_fan_out``).

    Example:
        >>> w = xavier_uniform_(torch.empty(1000, 500), generator=torch.Generator().manual_seed(0))
        >>> round(w.var().item() * (500 + 1000) / 2, 1)  # Var(w) * (fan_in + fan_out) / 2
        1.0
    """
    ### BEGIN SOLUTION initializers.6: get the fans, derive the bound that gives Xavier's variance (with the gain), fill from U(-bound, bound)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # Xavier: uniform bound from the std
    return uniform_(tensor, -bound, bound, generator)
    ### END SOLUTION


def xavier_normal_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """Fill the tensor with values from a Xavier (Glorot) normal distribution N(0, std**2).

    Described in "Understanding the difficulty of training deep feedforward neural networks",
    Glorot, X. & Bengio, Y. (2010).

    Formula:  the target: Var(w) = 2 / (fan_in + fan_out) (the lecture's Xavier variance), with ``gain``
              multiplying the std; ``normal_`` takes that std.

    Args:
        tensor: an n-dimensional ``torch.Tensor`` with at least 2 dimensions.
        gain: an optional scaling factor (e.g. ``calculate_gain("tanh")``).
        generator: the ``torch.Generator`` to sample from (default: None).

    Returns:
        ``tensor`` itself, filled.

    Pitfalls:
        - std, not variance: 2 / (fan_in + fan_out) is a variance, and ``normal_`` takes a standard
          deviation.
        - ``xavier_normal_(w, gain=calculate_gain("tanh"))`` is *not* LeCun initialization: Xavier
          averages both fans and this gain multiplies the std by 5/3, while LeCun's variance uses fan_in
          alone, with no gain (see ``lecun_normal_``).
        - suits tanh / sigmoid / linear layers, not deep ReLU networks (see ``kaiming_normal_``).

    Example:
        >>> w = xavier_normal_(torch.empty(1000, 500), generator=torch.Generator().manual_seed(0))
        >>> round(w.var().item() * (500 + 1000) / 2, 1)
        1.0
    """
    ### BEGIN SOLUTION initializers.7: get the fans, derive the std of Xavier's variance (with the gain), fill from N(0, std**2)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))  # Xavier: the std itself
    return normal_(tensor, 0.0, std, generator)
    ### END SOLUTION


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """Return fan_in or fan_out of the tensor, as ``mode`` asks (a helper for ``kaiming_*``).

    Formula:  mode "fan_in" -> fan_in, "fan_out" -> fan_out   (case-insensitive, as torch)

    Args:
        tensor: a weight tensor with at least 2 dimensions.
        mode: ``"fan_in"`` or ``"fan_out"``.

    Returns:
        the chosen fan, an int.

    Pitfalls:
        - any other mode is a ValueError naming the bad mode and the valid ones, e.g.
          ``Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']``.

    Example:
        >>> _calculate_correct_fan(torch.empty(1000, 500), "fan_out")
        1000
    """
    ### BEGIN SOLUTION initializers.8: check the mode, then return fan_in or fan_out
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out
    ### END SOLUTION


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> Tensor:
    """Fill the tensor with values from a Kaiming (He) uniform distribution U(-bound, bound).

    Described in "Delving deep into rectifiers: Surpassing human-level performance on ImageNet
    classification", He, K. et al. (2015): a (leaky) ReLU cuts the second moment it passes on, so the
    weights' variance grows to keep activations from shrinking layer after layer.

    Formula:  the target: the lecture's Var(w) = 2 / fan_in for ReLU; in general the variance a linear
              layer needs, 1 / fan (fan = fan_in or fan_out, as mode says), with the gain of
              ``calculate_gain(nonlinearity, a)`` multiplying its std. Derive the std, then the bound
              of a U(-bound, bound) with that std (its variance is bound**2 / 3).

    Args:
        tensor: an n-dimensional ``torch.Tensor`` with at least 2 dimensions.
        a: the negative slope of the rectifier after this layer (only used with ``"leaky_relu"``).
        mode: ``"fan_in"`` (default) keeps the variance of the activations in the forward pass;
            ``"fan_out"`` keeps the variance of the gradients in the backward pass.
        nonlinearity: the nonlinear function after this layer (``nn.functional`` name); meant for
            ``"relu"`` or ``"leaky_relu"`` (default).
        generator: the ``torch.Generator`` to sample from (default: None).

    Returns:
        ``tensor`` itself, filled (a zero-element tensor is returned unchanged, with a warning).

    Pitfalls:
        - the defaults a=0, nonlinearity="leaky_relu" give the ReLU gain: a=0 is passed to
          ``calculate_gain`` as the slope, it does not mean "use the default slope 0.01".
        - check yourself: ``nn.Linear`` and ``nn.Conv*`` initialize themselves with
          ``kaiming_uniform_(w, a=sqrt(5))``, which torch documents as
          U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)).
        - the bound is not the std; a bad mode is a ValueError naming the bad mode and the valid ones
          (``_calculate_correct_fan``).
        - fan_in is ``size(1)`` times the receptive field, not ``size(0)``.

    Example:
        >>> w = kaiming_uniform_(torch.empty(1000, 500), generator=torch.Generator().manual_seed(0))
        >>> round(w.var().item() * 500 / 2, 1)  # Var(w) * fan_in / 2 for ReLU
        1.0
    """
    ### BEGIN SOLUTION initializers.9: get the fan for mode and the gain, derive the std and then the bound, fill from U(-bound, bound)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)  # Kaiming: std from gain and fan
    bound = math.sqrt(3.0) * std  # Kaiming: uniform bound from the std
    return uniform_(tensor, -bound, bound, generator)
    ### END SOLUTION


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: torch.Generator | None = None,
) -> Tensor:
    """Fill the tensor with values from a Kaiming (He) normal distribution N(0, std**2).

    Described in "Delving deep into rectifiers: Surpassing human-level performance on ImageNet
    classification", He, K. et al. (2015).

    Formula:  the target: the lecture's Var(w) = 2 / fan_in for ReLU; in general the variance a linear
              layer needs, 1 / fan (fan = fan_in or fan_out, as mode says), with the gain of
              ``calculate_gain(nonlinearity, a)`` multiplying its std; ``normal_`` takes that std.

    Args:
        tensor: an n-dimensional ``torch.Tensor`` with at least 2 dimensions.
        a: the negative slope of the rectifier after this layer (only used with ``"leaky_relu"``).
        mode: ``"fan_in"`` (default, forward pass) or ``"fan_out"`` (backward pass).
        nonlinearity: the nonlinear function after this layer; meant for ``"relu"`` or
            ``"leaky_relu"`` (default).
        generator: the ``torch.Generator`` to sample from (default: None).

    Returns:
        ``tensor`` itself, filled (a zero-element tensor is returned unchanged, with a warning).

    Pitfalls:
        - the lecture's 2 / fan_in is a *variance*; don't pass a variance to ``normal_``.
        - the gain multiplies the std, not the variance (``calculate_gain``).
        - ``mode`` must change the result: fan_out for a Conv (out, in, kh, kw) is out * kh * kw; a bad
          mode is a ValueError naming the bad mode and the valid ones (``_calculate_correct_fan``).
        - the method for ReLU networks: it keeps the activations' std about constant with depth,
          where Xavier halves the variance at every ReLU layer.

    Example:
        >>> w = kaiming_normal_(torch.empty(1000, 500), mode="fan_out", nonlinearity="relu",
        ...                     generator=torch.Generator().manual_seed(0))
        >>> round(w.var().item() * 1000 / 2, 1)  # Var(w) * fan_out / 2
        1.0
    """
    ### BEGIN SOLUTION initializers.10: get the fan for mode and the gain, derive the std, fill from N(0, std**2)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)  # Kaiming: the std itself
    return normal_(tensor, 0.0, std, generator)
    ### END SOLUTION


def lecun_uniform_(tensor: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Fill the tensor with values from a LeCun uniform distribution U(-bound, bound).

    Described in "Efficient BackProp", LeCun, Y. et al. (1998): Var(w) = 1 / fan_in keeps the variance
    of a layer's output equal to that of its input. Not in torch.nn.init; it is what Keras calls
    ``lecun_uniform`` and equals ``kaiming_uniform_(w, nonlinearity="linear")``.

    Formula:  the target: Var(w) = 1 / fan_in (the lecture's LeCun variance). Derive the bound of a
              U(-bound, bound) with that variance (bound**2 / 3).

    Args:
        tensor: an n-dimensional ``torch.Tensor`` with at least 2 dimensions.
        generator: the ``torch.Generator`` to sample from (default: None).

    Returns:
        ``tensor`` itself, filled.

    Pitfalls:
        - only fan_in counts (no average with fan_out, no gain).
        - suits SELU (self-normalizing networks) and tanh-like activations of unit slope at 0.
        - the bound is not the std (see ``xavier_uniform_``).

    Example:
        >>> w = lecun_uniform_(torch.empty(1000, 500), generator=torch.Generator().manual_seed(0))
        >>> round(w.var().item() * 500, 1)  # Var(w) * fan_in
        1.0
    """
    ### BEGIN SOLUTION initializers.11: get fan_in, derive the bound that gives LeCun's variance, fill from U(-bound, bound)
    fan_in, _ = calculate_fan_in_and_fan_out(tensor)
    std = 1.0 / math.sqrt(fan_in)  # LeCun: std from fan_in alone
    bound = math.sqrt(3.0) * std  # LeCun: uniform bound from the std
    return uniform_(tensor, -bound, bound, generator)
    ### END SOLUTION


def lecun_normal_(tensor: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Fill the tensor with values from a LeCun normal distribution N(0, 1 / fan_in).

    Described in "Efficient BackProp", LeCun, Y. et al. (1998); the initialization of self-normalizing
    networks (SELU), Klambauer, G. et al. (2017). Not in torch.nn.init; it equals
    ``kaiming_normal_(w, nonlinearity="linear")``.

    Formula:  the target: Var(w) = 1 / fan_in (the lecture's LeCun variance); a plain normal, not
              truncated; ``normal_`` takes the std.

    Args:
        tensor: an n-dimensional ``torch.Tensor`` with at least 2 dimensions.
        generator: the ``torch.Generator`` to sample from (default: None).

    Returns:
        ``tensor`` itself, filled.

    Pitfalls:
        - LeCun is *not* ``xavier_normal_(w, gain=calculate_gain("tanh"))``: that one depends on fan_out
          and carries the tanh gain 5/3. The lecture "What statistic distributions get used for random
          weight initializations?" makes this substitution; don't.
        - std, not variance: 1 / fan_in is the variance.

    Example:
        >>> w = lecun_normal_(torch.empty(1000, 500), generator=torch.Generator().manual_seed(0))
        >>> round(w.var().item() * 500, 1)  # Var(w) * fan_in
        1.0
    """
    ### BEGIN SOLUTION initializers.12: get fan_in, derive the std of LeCun's variance, fill from N(0, std**2)
    fan_in, _ = calculate_fan_in_and_fan_out(tensor)
    std = 1.0 / math.sqrt(fan_in)  # LeCun: the std itself
    return normal_(tensor, 0.0, std, generator)
    ### END SOLUTION


def orthogonal_(
    tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None
) -> Tensor:
    """Fill the tensor with a (semi-)orthogonal matrix, drawn uniformly (Haar), times ``gain``.

    Described in "Exact solutions to the nonlinear dynamics of learning in deep linear neural
    networks", Saxe, A. et al. (2013). An orthogonal layer keeps the norm of every input, so a deep
    linear stack neither explodes nor vanishes. Tensors with more than 2 dimensions are flattened to
    (rows, cols) = (size(0), numel / size(0)).

    Formula:  A = (rows, cols) matrix of N(0, 1) draws; transpose it when rows < cols (QR needs a
              tall matrix); Q, R = qr(A); Q = Q * sign(diag(R)) (per column); transpose back;
              tensor = gain * Q.
              Result: W^T W = gain**2 I when rows >= cols, W W^T = gain**2 I when rows < cols.

    Args:
        tensor: an n-dimensional ``torch.Tensor`` with n >= 2.
        gain: optional scaling factor.
        generator: the ``torch.Generator`` to sample from (default: None).

    Returns:
        ``tensor`` itself, filled (dtype and device kept).

    Pitfalls:
        - the sign fix: a QR routine returns R with diagonal entries of either sign (LAPACK's
          Householder QR makes W[0, 0] negative every time); multiplying each column of Q by the sign
          of R's diagonal makes Q uniformly distributed (Mezzadri, 2007, arXiv math-ph/0609050).
          Treat a 0 on R's diagonal as +1 so no column is zeroed.
        - a wide matrix (rows < cols) cannot have orthonormal columns: factor its transpose and
          transpose Q back, so that the *rows* are orthonormal. A reshape is not a transpose.
        - float16 / bfloat16: QR does not run in half precision; compute in float32 and copy back.
        - fewer than 2 dimensions is a ValueError.

    Example:
        >>> w = orthogonal_(torch.empty(3, 5), gain=2.0, generator=torch.Generator().manual_seed(0))
        >>> torch.allclose(w @ w.T, 4 * torch.eye(3), atol=1e-5)
        True
    """
    ### BEGIN SOLUTION initializers.13: QR of a Gaussian matrix, sign fix, transpose for wide, times gain
    if tensor.ndimension() < 2:
        raise ValueError(
            f"Only tensors with 2 or more dimensions are supported (got shape {tuple(tensor.shape)})"
        )
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    half = tensor.dtype in (torch.float16, torch.bfloat16)
    work_dtype = torch.float32 if half else tensor.dtype
    with torch.no_grad():
        flattened = torch.empty((rows, cols), dtype=work_dtype, device=tensor.device)
        normal_(flattened, 0.0, 1.0, generator)
        if rows < cols:
            flattened = flattened.T
        q, r = torch.linalg.qr(flattened)
        d = torch.diagonal(r)
        q = q * torch.where(d < 0, -torch.ones_like(d), torch.ones_like(d))  # the sign fix
        if rows < cols:
            q = q.T
        tensor.copy_(gain * q.reshape(tensor.shape))
    return tensor
    ### END SOLUTION


def sparse_(
    tensor: Tensor, sparsity: float, std: float = 0.01, generator: torch.Generator | None = None
) -> Tensor:
    """Fill the 2-D tensor as a sparse matrix: N(0, std**2) values with a fixed number of zeros per column.

    Described in "Deep learning via Hessian-free optimization", Martens, J. (2010): each unit (a column
    of the (rows, cols) tensor) keeps only a few non-zero incoming weights.

    Formula:  num_zeros = ceil(sparsity * rows)
              every column: num_zeros entries at random rows set to 0 (a random subset per column,
              drawn independently), the others ~ N(0, std**2)

    Args:
        tensor: a 2-dimensional ``torch.Tensor`` (rows, cols).
        sparsity: the fraction of elements in each *column* to be set to zero.
        std: the standard deviation of the normal distribution of the non-zero values.
        generator: the ``torch.Generator`` to sample from (default: None). Unlike torch's ``sparse_``,
            which picks the zero positions from the global random state, this one draws the positions
            from ``generator`` too.

    Returns:
        ``tensor`` itself, filled.

    Pitfalls:
        - per column, not per row: every column has exactly ceil(sparsity * rows) zeros.
        - ceil, not floor or round: sparsity 0.1 on 25 rows zeroes 3 per column (2.5 rounded up).
        - draw the zero positions from ``generator`` as well (``torch.randperm``/``torch.rand`` take
          ``generator=`` too), or the same seed gives different zeros.
        - only 2-D tensors: anything else is a ValueError.

    Example:
        >>> w = sparse_(torch.empty(10, 4), sparsity=0.25, generator=torch.Generator().manual_seed(0))
        >>> (w == 0).sum(dim=0)  # ceil(0.25 * 10) = 3 zeros in every column
        tensor([3, 3, 3, 3])
    """
    ### BEGIN SOLUTION initializers.14: fill from N(0, std**2), then zero the docstring's number of random entries in every column
    if tensor.ndimension() != 2:
        raise ValueError(
            f"Only tensors with 2 dimensions are supported (got shape {tuple(tensor.shape)})"
        )
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with torch.no_grad():
        normal_(tensor, 0.0, std, generator)
        # Sorting i.i.d. keys gives an independent random permutation of the rows for every column.
        keys = torch.rand((rows, cols), generator=generator, device=tensor.device)
        zero_rows = keys.argsort(dim=0)[:num_zeros]
        tensor.scatter_(0, zero_rows, 0.0)
    return tensor
    ### END SOLUTION
