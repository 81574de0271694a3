"""Progressive hints: for every exercise id, levels a learner asks for one at a time when stuck.

Level 1 points at the concept, level 2 at the structure of a solution. Where the exercise is a derivation (the
backward passes), level 2 names the paths and the local derivatives you need without their values, level 3 gives
the local derivatives, and level 4 the compact result -- which your instructor may keep back. Elsewhere the last
level may give the finished formula. They complement the misconception hints (exercises/feedback/hints.py),
which the checks choose by themselves.

Ask for them:

    pytest -m layer_norm --hint-level 2          # failures show levels 1..2 of the exercises they concern
    python -m exercises.hints layer_norm.2       # level 1 of one exercise, without running the tests
    python -m exercises.hints layer_norm.2 3     # levels 1..3
    python -m exercises.hints                    # every exercise id and how many levels it has

Exercise ids are the ones in the stubs' ``NotImplementedError("Exercise <id>: ...")``. Your copy holds the
levels your instructor released (CAP below); a level that is not here is not shown.
"""

from __future__ import annotations

import re
import sys
import textwrap

# The highest level this copy holds (None: every level); a release writes its cap here and keeps only the
# levels up to it in LEVELS.
CAP: int | None = None
# The cap of a release unless the instructor chooses another: it keeps the compact results of the derivations
# (level 4) back. An instructor can release them (a higher cap).
DEFAULT_RELEASE_CAP = 3

# Exercise id -> the function or method (qualified name) it lives in; failure messages name it.
WHERE: dict[str, str] = {
    "layer_norm.1": "layer_norm_forward",
    "layer_norm.2": "layer_norm_backward",
    "layer_norm_torch.1": "LayerNormFunction.forward",
    "layer_norm_torch.2": "LayerNormFunction.backward",
    "layer_norm_torch.3": "LayerNorm.__init__",
    "layer_norm_torch.4": "LayerNorm.reset_parameters",
    "layer_norm_torch.5": "LayerNorm.forward",
    "layer_norm_torch.6": "LayerNorm.extra_repr",
    "initializers.1": "calculate_fan_in_and_fan_out",
    "initializers.2": "calculate_gain",
    "initializers.3": "uniform_",
    "initializers.4": "normal_",
    "initializers.5": "constant_",
    "initializers.6": "xavier_uniform_",
    "initializers.7": "xavier_normal_",
    "initializers.8": "_calculate_correct_fan",
    "initializers.9": "kaiming_uniform_",
    "initializers.10": "kaiming_normal_",
    "initializers.11": "lecun_uniform_",
    "initializers.12": "lecun_normal_",
    "initializers.13": "orthogonal_",
    "initializers.14": "sparse_",
    "histograms.1": "get_weight_histogram",
    "histograms.2": "HistogramTracker.__init__",
    "histograms.3": "HistogramTracker.record",
    "histograms.4": "HistogramTracker.counts",
    "histograms.5": "train_and_track_weights",
    "histograms.6": "plot_histogram_overlay",
    "histograms.7": "plot_histogram_heatmap",
    "histograms.8": "activation_stats",
    "labs.1": "make_distributions",
    "labs.2": "normalize_per_sample",
    "labs.3": "sample_stats",
    "labs.4": "predict_distributions",
    "labs.5": "answer_distributions",
    "labs.6": "max_grad_vs_eps",
    "labs.7": "loglog_slope",
    "labs.8": "bend_eps",
    "labs.9": "predict_eps",
    "labs.10": "answer_eps",
    "labs.11": "make_ln_net",
    "labs.12": "train_losses",
    "labs.13": "moving_average",
    "labs.14": "predict_init",
    "labs.15": "answer_init",
    "labs.16": "layer_norm_rows_loop",
    "labs.17": "layer_norm_torch_ops",
    "labs.18": "predict_efficiency",
    "labs.19": "answer_efficiency",
    "labs.20": "make_deep_mlp",
    "labs.21": "grad_norms_per_layer",
    "labs.22": "growth_per_layer",
    "labs.23": "predict_gradients",
    "labs.24": "answer_gradients",
    "labs.25": "layer_outputs",
    "labs.26": "predict_activations",
    "labs.27": "answer_activations",
    "labs.28": "make_optimizer",
    "labs.29": "train_and_snapshot",
    "labs.30": "relative_drift",
    "labs.31": "predict_optimizers",
    "labs.32": "answer_optimizers",
    "layer_norm_triton.1": "_layer_norm_fwd_kernel",
    "layer_norm_triton.2": "_layer_norm_bwd_dx_kernel",
    "layer_norm_triton.3": "_layer_norm_bwd_dwdb_kernel",
    "layer_norm_triton.4": "layer_norm_fwd",
    "layer_norm_triton.5": "layer_norm_bwd",
    "layer_norm_triton.6": "LayerNormTritonFunction.forward",
    "layer_norm_triton.7": "LayerNormTritonFunction.backward",
    "layer_norm_triton.8": "TritonLayerNorm.__init__",
    "layer_norm_triton.9": "TritonLayerNorm.forward",
    "layer_norm_triton.10": "TritonLayerNorm.extra_repr",
}

# Exercise id -> its levels, level 1 first.
LEVELS: dict[str, tuple[str, ...]] = {
    "layer_norm.1": (
        "Layer norm standardizes each sample on its own: the D = gamma.size features of one sample get "
        "mean 0 and variance 1, then a learned per-feature scale (gamma) and shift (beta). Which axes of x "
        "hold one sample's features? The trailing gamma.ndim ones; every other axis is a batch axis.",
        "Structure: reduce over axes = the last gamma.ndim axes with keepdims=True, so that a statistic of "
        "shape (N, 1) broadcasts back against x (N, D) with no reshape. Compute the mean, then the variance "
        "from x minus that mean, then xhat, then gamma * xhat + beta. Do the arithmetic in float32 or wider "
        "and cast the result to x's dtype once, at the end. Put in the cache what your backward will read.",
        "Compact form: axes = tuple(range(x.ndim - gamma.ndim, x.ndim)); mu = mean over axes; "
        "var = mean of (x - mu)**2 over axes; rstd = 1 / sqrt(var + eps); xhat = (x - mu) * rstd; "
        "out = gamma * xhat + beta; cache = (xhat, rstd, gamma) plus the dtypes to return.",
    ),
    "layer_norm.2": (
        "Backpropagation is the chain rule applied one stage at a time on the forward graph. Write "
        "your forward as one line per stage (mu, xmu, var, rstd, xhat, out), then write the "
        "backward as the same stages in reverse order, each line turning the gradient of a stage's "
        "output into gradients of its inputs. Start at the easy end, out = gamma * xhat + beta: "
        "dgamma and dbeta add up what every sample contributes. "
        "test_backward_matches_numerical_gradient (or your own central differences) tells you when "
        "a version is right.",
        "Structure: x reaches out along three paths -- directly through xmu = x - mu, through the "
        "mean mu (which every xmu subtracts), and through the variance var (which reads xmu). "
        "Walking back from out you need, in this order: dxhat; drstd and the part of dxmu that "
        "comes straight from xhat (xhat reads both); dvar (through rstd); the rest of dxmu "
        "(through var); dmu (through xmu); and dx, which collects the direct part through xmu and "
        "the part through mu. The local derivatives you need, by name: d out / d xhat, d xhat / d "
        "xmu, d xhat / d rstd, d rstd / d var, d var / d xmu, d xmu / d mu, d xmu / d x and d mu / "
        "d x. mu, var and rstd are one per sample: their gradients sum over the sample's D "
        "elements.",
        "The local derivatives, per sample over its D elements (each one multiplies the gradient "
        "that arrives): d out / d xhat = gamma; d xhat / d xmu = rstd (rstd held fixed); d xhat / "
        "d rstd = xmu; d rstd / d var = -rstd**3 / 2 (rstd = (var + eps)**(-1/2)); d var / d xmu_i "
        "= 2 * xmu_i / D; d xmu / d mu = -1; d xmu / d x = 1; d mu / d x_i = 1 / D. Sum where a "
        "per-sample value was broadcast, add where a value has two uses (xmu, x). Once the "
        "numerical check passes, simplify with xmu * rstd = xhat and keep in the cache only what "
        "the simplified version reads.",
        "Compact form, means over each sample's normalized axes (keepdims=True), dxhat = dout * "
        "gamma: dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)); the mean term is "
        "the path through mu, the xhat term the path through var. The cache needs only xhat, rstd "
        "and gamma.",
    ),
    "layer_norm_torch.1": (
        "The same normalization as layer_norm.1, written with torch tensor operations inside an "
        "autograd.Function: forward computes the output and stores, on ctx, everything backward will need; "
        "autograd calls your backward later with nothing else.",
        "Structure: view x as (M, *normalized_shape) with x.reshape(-1, *shape) (M samples); reduce over "
        "dims 1..k with keepdim=True; compute in torch.promote_types(x.dtype, torch.float32); variance from "
        "x - mean; skip weight or bias when None; ctx.save_for_backward(the tensors backward reads) and "
        "plain values (x's shape and dtype) as ctx attributes; return out reshaped to x's shape, in x's "
        "dtype.",
        "Compact form: x2 = x.reshape(-1, *shape).to(compute); mean = x2.mean(dims, keepdim=True); "
        "var = ((x2 - mean)**2).mean(dims, keepdim=True); rstd = torch.rsqrt(var + eps); "
        "xhat = (x2 - mean) * rstd; out = weight * xhat + bias; save xhat, rstd and weight.",
    ),
    "layer_norm_torch.2": (
        "The derivation is the numpy one (layer_norm.2): do that exercise first, then translate. "
        "Here the upstream gradient is grad_out, weight may be None (a scale of 1) and bias may be "
        "None, and backward returns one gradient per input of forward -- None for eps and for "
        "inputs that need none (ctx.needs_input_grad). Check every version with "
        "torch.autograd.gradcheck in float64.",
        "Structure: x reaches the output through x - mean directly, through the mean and through "
        "the variance; dx is the sum of the three contributions. Decide what forward saves so that "
        "backward can rebuild them: once simplified, a normalized value and a per-sample scale are "
        "enough (x itself is not needed). Work on the (M, N) view, one row per sample: per-sample "
        "reductions go along dim 1 (keepdim=True), dweight and dbias are reductions along dim 0, "
        "reshaped to weight's shape.",
        "The local derivatives are layer_norm.2's (its level 3), with N for D and weight for "
        "gamma: d out / d xhat = weight (1 when weight is None), d xhat / d rstd = x - mean, d "
        "rstd / d var = -rstd**3 / 2, d var / d (x - mean)_i = 2 * (x - mean)_i / N, d mean / d "
        "x_i = 1 / N; for the parameters, d out / d weight = xhat and d out / d bias = 1, summed "
        "over the samples.",
        "Compact form, per sample over its N elements, dxhat = grad_out * weight: dx = rstd * "
        "(dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)); dweight = sum over samples of grad_out "
        "* xhat; dbias = sum over samples of grad_out.",
    ),
    "layer_norm_torch.3": (
        "A drop-in nn.LayerNorm: the same attributes and parameters as torch's, so that state_dict, repr "
        "and optimizers see no difference.",
        "Structure: an int normalized_shape becomes a 1-tuple; parameters are nn.Parameter(torch.empty("
        "shape, device=device, dtype=dtype)); a missing one is registered with register_parameter(name, "
        "None); finish with self.reset_parameters().",
    ),
    "layer_norm_torch.4": (
        "A fresh LayerNorm computes the plain normalization: a scale of 1 and a shift of 0.",
        "Structure: fill the existing parameters in place (nn.init.ones_, nn.init.zeros_), skipping those "
        "that are None; never assign new Parameters here.",
    ),
    "layer_norm_torch.5": (
        "The module only forwards to LayerNormFunction.apply with its own parameters and eps.",
        "Structure: check x's trailing shape; with no weight the Function normalizes the last dim only, so "
        "flatten the normalized dims (x.flatten(-k)), apply, and reshape back to x's shape.",
    ),
    "layer_norm_torch.6": (
        "print(module) shows ClassName(extra_repr()): compare yours with repr(torch.nn.LayerNorm(...)).",
        "Structure: an f-string of normalized_shape, eps, elementwise_affine and whether there is a bias.",
    ),
    "initializers.1": (
        "fan_in is how many inputs feed one output unit, fan_out how many outputs one input feeds; for a "
        "convolution every weight of the kernel window counts.",
        "Structure: a weight is (out, in, *kernel); receptive field = product of the kernel sizes (1 for a "
        "Linear); fan_in = in * field, fan_out = out * field; fewer than 2 dims is a ValueError.",
    ),
    "initializers.2": (
        "The gain is the factor the weights' std must grow by to make up for what a nonlinearity "
        "does to the second moment of what passes through it. torch publishes some (tanh 5/3, selu "
        "3/4, leaky_relu's default slope 0.01); the rectifiers' you can derive.",
        "Derive the rectifiers' gains: for z symmetric around 0, what fraction of E[z**2] does "
        "relu(z) keep? And leaky_relu(z) with slope s (the negative half survives, scaled by s)? "
        "The gain undoes that factor, but on the std: the factor on the variance is its square. "
        "Then a lookup by name; an unknown name or a param that is not a number is a ValueError.",
        "Finished: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2), selu 3/4, leaky_relu sqrt(2 / (1 "
        "+ slope**2)) with slope = param, or 0.01 when param is None.",
    ),
    "initializers.3": (
        "Fill the tensor the caller gave you; do not return a new one.",
        "Structure: under torch.no_grad(), tensor.uniform_(a, b, generator=generator); return tensor.",
    ),
    "initializers.4": (
        "Fill the tensor the caller gave you; do not return a new one.",
        "Structure: under torch.no_grad(), tensor.normal_(mean, std, generator=generator); return tensor.",
    ),
    "initializers.5": (
        "Fill the tensor the caller gave you; do not return a new one.",
        "Structure: under torch.no_grad(), tensor.fill_(val); return tensor.",
    ),
    "initializers.6": (
        "Xavier keeps the variance of activations and of gradients alike: the lecture's target is "
        "Var(w) = 2 / (fan_in + fan_out), and a gain multiplies the std that gives it.",
        "Derive the bound: U(-b, b) has variance b**2 / 3; set it equal to the target variance "
        "(with the gain on the std) and solve for b. Then fill with your uniform_ and pass the "
        "generator on.",
        "Finished: bound = sqrt(3) * gain * sqrt(2 / (fan_in + fan_out)).",
    ),
    "initializers.7": (
        "Xavier keeps the variance of activations and of gradients alike: the lecture's target is "
        "Var(w) = 2 / (fan_in + fan_out), and a gain multiplies the std that gives it.",
        "normal_ takes a standard deviation: take it from the target variance, multiply by the "
        "gain, then your normal_(tensor, 0, std, generator).",
        "Finished: std = gain * sqrt(2 / (fan_in + fan_out)).",
    ),
    "initializers.8": (
        "Kaiming keeps one direction's variance: the forward pass (fan_in) or the backward pass (fan_out).",
        "Structure: validate mode (ValueError naming the valid choices), then return the matching fan.",
    ),
    "initializers.9": (
        "Kaiming (He) targets the variance that keeps a rectifier's activations from shrinking "
        "layer after layer: the lecture's 2 / fan_in for ReLU. In torch's convention the variance "
        "a linear layer needs, 1 / fan, is scaled through the gain, which multiplies the std.",
        "Structure: fan = _calculate_correct_fan(tensor, mode); gain = "
        "calculate_gain(nonlinearity, a); the target std from the fan and the gain; the bound from "
        "that std as in xavier_uniform_ (U(-b, b) has variance b**2 / 3); your uniform_ with the "
        "generator.",
        "Finished: bound = sqrt(3) * gain / sqrt(fan).",
    ),
    "initializers.10": (
        "Kaiming (He) targets the variance that keeps a rectifier's activations from shrinking "
        "layer after layer: the lecture's 2 / fan_in for ReLU. In torch's convention the variance "
        "a linear layer needs, 1 / fan, is scaled through the gain, which multiplies the std.",
        "Structure: fan = _calculate_correct_fan(tensor, mode); gain = "
        "calculate_gain(nonlinearity, a); then your normal_ with the std (a standard deviation, "
        "not a variance).",
        "Finished: std = gain / sqrt(fan).",
    ),
    "initializers.11": (
        "LeCun: the lecture's variance 1 / fan_in (Kaiming with a gain of 1, mode fan_in).",
        "Structure: fan_in from calculate_fan_in_and_fan_out; the bound from the target variance "
        "as in xavier_uniform_ (U(-b, b) has variance b**2 / 3); your uniform_ with the generator.",
        "Finished: bound = sqrt(3 / fan_in).",
    ),
    "initializers.12": (
        "LeCun: the lecture's variance 1 / fan_in (Kaiming with a gain of 1, mode fan_in).",
        "Structure: fan_in from calculate_fan_in_and_fan_out; the std of that variance; your "
        "normal_.",
        "Finished: std = 1 / sqrt(fan_in).",
    ),
    "initializers.13": (
        "An orthogonal matrix keeps every vector's norm; QR of a Gaussian matrix gives one, uniformly "
        "distributed once the signs are fixed.",
        "Structure: flatten to (rows, cols); draw N(0, 1) with the generator; transpose when wide; "
        "torch.linalg.qr in float32 or wider; multiply Q's columns by sign(diag(R)) (0 -> +1); transpose "
        "back; copy gain * Q into tensor under no_grad.",
    ),
    "initializers.14": (
        "Sparse init: every column gets the same number of zeros, the rest N(0, std**2).",
        "Structure: rows, cols = tensor.shape; zeros = ceil(sparsity * rows); fill with your normal_; for "
        "each column, a torch.randperm(rows, generator=generator) picks the rows to zero.",
    ),
    "histograms.1": (
        "np.histogram with a fixed range is the rule; only parameters whose name contains 'weight' count.",
        "Structure: concatenate the flattened weights (detach, cpu, numpy); counts, edges = "
        "np.histogram(w, bins=num_bins, range=(min_val, max_val)); centres = (edges[:-1] + edges[1:]) / 2.",
    ),
    "histograms.2": (
        "The bins are fixed once, at construction, so every record is counted on the same edges.",
        "Structure: store the edges (np.linspace, num_bins + 1) and centres; start an empty list of rows.",
    ),
    "histograms.3": (
        "One record = one histogram row of all the model's weights on the fixed edges.",
        "Structure: np.histogram(weights, bins=self.edges)[0], appended as an int row; return it.",
    ),
    "histograms.4": (
        "A (records, bins) int array, even when nothing was recorded yet.",
        "Structure: np.stack(rows) when there are rows, else np.zeros((0, num_bins), dtype=int).",
    ),
    "histograms.5": (
        "Record the weights at the start of every epoch, then train one epoch and test.",
        "Structure: SGD on model.parameters(), NLLLoss; per epoch: tracker.record(model); model.train(); "
        "for each batch zero_grad, loss, backward, step; then model.eval() and under torch.no_grad() the "
        "accuracy of every test batch.",
    ),
    "histograms.6": (
        "One line per epoch, coloured from blue (first) to red (last).",
        "Structure: fig, ax from the given ax or plt.subplots(); ax.plot(histx, row, color=cm.coolwarm(i / "
        "(n - 1))) per row; return the Figure.",
    ),
    "histograms.7": (
        "An (epochs, bins) image: one row per epoch, colour = count.",
        "Structure: one ax.imshow (or ax.pcolormesh) of the counts with aspect='auto', its extent (or "
        "its coordinates) in data units: the weights' range on one axis, the epochs on the other; "
        "fig.colorbar(im, ax=ax, label='Count'); return the Figure.",
    ),
    "histograms.8": (
        "Forward hooks see every module's output during one forward pass; remove them afterwards.",
        "Structure: register a hook on every nn.Linear and every module whose class is named LayerNorm, "
        "storing (mean, std) of the output by module name; run model(x) under torch.no_grad(); remove "
        "the handles in a finally block.",
    ),
    "labs.1": (
        "One seeded generator for all four samples: the same seed gives the same arrays, another "
        "seed other arrays. The shapes matter, not the parameters.",
        "Structure: rng = np.random.default_rng(seed); one draw of shape (n_samples, n_features) "
        "per distribution (rng.normal, rng.uniform, rng.exponential); for the bimodal one, pick a"
        " bump for every value at random (rng.random or rng.integers) and draw around that bump's"
        " mean.",
    ),
    "labs.2": (
        "Every sample (row) is standardized on its own, over its own features; then gamma scales "
        "and beta shifts.",
        "Structure: the mean and the variance over the last axis with keepdims=True; (x - mean) /"
        " sqrt(var + eps); then gamma * ... + beta; return a new float64 array.",
    ),
    "labs.3": (
        "A measuring tool: four numbers that describe the shape of each sample's distribution, "
        "then their average over the samples.",
        "Structure: view x as 2-D (np.atleast_2d); per row the mean and the population std "
        "(keepdims=True); z = standardized values; the skewness and kurtosis are means of powers "
        "of z over each row; average every statistic over the rows; return plain floats.",
    ),
    "labs.4": (
        "A prediction is your expectation, written down before you run anything: it is never "
        "marked wrong, and comparing it with your answer afterwards is the point of the lab.",
        "Structure: return a dict with the six keys of the docstring; the four statistics take a "
        "value of EFFECTS, gamma and beta a value of SETS (tuples at the top of labs.py).",
    ),
    "labs.5": (
        "Run `python -m exercises.lab_tools distributions` and read its table: each statistic "
        "before and after layer norm, for each of the four distributions, then with gamma and "
        "with beta.",
        "Method: for one statistic, look along its row of numbers. Are the four values after "
        "layer norm equal to one another whatever they were before? Is each one equal to its own "
        "value before? For gamma and beta, which statistic's numbers moved when the knob was "
        "turned?",
    ),
    "labs.6": (
        "Layer norm's input gradient carries a factor 1 / sqrt(var + eps); measure its largest "
        "entry for each eps.",
        "Structure: in float64, for each eps compute dL/dx for gamma = 1, beta = 0 (your "
        "layer_norm_backward, torch autograd on float64 tensors, or your own formula), take "
        "np.abs(...).max(), collect one number per eps.",
    ),
    "labs.7": (
        "On log-log axes a power law y = c * x**k is a straight line of slope k: fit a line to "
        "the logarithms.",
        "Structure: lx = log(x), ly = log(y); the least-squares slope is sum((lx - mean lx) * (ly"
        " - mean ly)) / sum((lx - mean lx)**2) (or np.polyfit(lx, ly, 1)[0]).",
    ),
    "labs.8": (
        "A curve that is flat and then falls: its bend is where it has fallen to half of where it"
        " started; between grid points, interpolate on log axes.",
        "Structure: target = values[0] / 2; k = the first index with values[k] <= target (none: "
        "inf); t = (log target - log v[k-1]) / (log v[k] - log v[k-1]); the bend is exp of the "
        "same mix of log eps[k-1] and log eps[k].",
    ),
    "labs.9": (
        "A prediction is your expectation, written down before you run anything: it is never "
        "marked wrong, and comparing it with your answer afterwards is the point of the lab.",
        'Structure: return {"slope": a number, "bend": one of BENDS}: a number you would bet on '
        "and one of the three choices. Your reasons are yours; the formula to reason from is in "
        "normalize_per_sample's docstring.",
    ),
    "labs.10": (
        "Run `python -m exercises.lab_tools eps`: it prints your bend for rows of each spread and"
        " your slope past the bend, and draws the curves.",
        'Method: "slope" is the number it prints (or read it off your figure). For "bend": the '
        "rows' std changes by two decades between two curves; by how many decades did the bend "
        "move? Two decades of std are four decades of variance.",
    ),
    "labs.11": (
        "The lecture's MNIST net with a LayerNorm after the first Linear; the start of its gain "
        "and shift is the experiment's knob.",
        "Structure: torch.manual_seed(seed); build the layers (with norm_cls, default "
        "nn.LayerNorm) in a small nn.Module; under torch.no_grad(), fill the LayerNorm's weight "
        "with gamma_init and its bias with beta_init.",
    ),
    "labs.12": (
        "The loss of every step, not of every epoch: the curve shows the first steps' dynamics. The "
        "optimizer comes ready-made: your loop only asks it to zero the gradients and to step.",
        "Structure: model.train(); loop over batches (restart the loader when it runs out) until "
        "num_steps: loss = NLLLoss, optimizer.zero_grad(), loss.backward(), optimizer.step(), keep "
        "loss.item().",
    ),
    "labs.13": (
        "Smoothing a noisy curve: the mean of each window of consecutive values, full windows "
        "only.",
        'Structure: np.convolve(values, np.ones(window) / window, mode="valid"), or differences '
        "of a cumulative sum; check the window first (ValueError).",
    ),
    "labs.14": (
        "A prediction is your expectation, written down before you run anything: it is never "
        "marked wrong, and comparing it with your answer afterwards is the point of the lab.",
        'Structure: return {"fastest": a label, "slowest": a label}, both from INIT_RUNS. Think '
        "of what a gain of 0.1 or 10 does to the activations that reach the ReLU, and what a "
        "shift of -1 or +1 does to how many units the ReLU lets through.",
    ),
    "labs.15": (
        "Run `python -m exercises.lab_tools init`: it prints each start's smoothed final loss and"
        " draws the curves.",
        "Method: the lowest smoothed final loss is the fastest start, the highest the slowest; "
        "starts within 0.02 of each other count as a tie (either is accepted).",
    ),
    "labs.16": (
        "The slow baseline on purpose: Python runs one row at a time.",
        "Structure: out = np.empty_like(x, dtype=float); for each row index r: the row's mean, "
        "its variance from row - mean, then out[r] = the normalized row, scaled and shifted.",
    ),
    "labs.17": (
        "The same normalization in torch: every op runs over the whole tensor.",
        "Structure: mean and var over dim -1 with keepdim=True (var unbiased=False, or from x - "
        "mean); (x - mean) * torch.rsqrt(var + eps) * gamma + beta.",
    ),
    "labs.18": (
        "A prediction is your expectation, written down before you run anything: it is never "
        "marked wrong, and comparing it with your answer afterwards is the point of the lab.",
        'Structure: return {"speedup": a positive number} (the loop\'s time over the vectorized '
        "version's).",
    ),
    "labs.19": (
        "Run `python -m exercises.lab_tools efficiency` and copy from its table the two median "
        "times.",
        "Method: speedup = loop_ms / vectorized_ms, from the same table. Timings are never tested.",
    ),
    "labs.20": (
        "A deep stack of Linear layers whose weights all come from one scheme: the experiment's "
        "knob.",
        "Structure: torch.manual_seed(seed); a list of modules (Linear, [norm_cls], ReLU per "
        "hidden layer; the last Linear; LogSoftmax) into nn.Sequential; then for every Linear, "
        "fill its weight with the init_module function of the scheme and zero its bias (not for "
        '"default").',
    ),
    "labs.21": (
        "How large is the signal backpropagation hands each layer? The gradient of the loss with "
        "respect to the layer's output.",
        "Structure: a forward hook on every nn.Linear that keeps its output and calls "
        "output.retain_grad() (or a full backward hook reading grad_output[0]); forward, NLLLoss,"
        " backward; the L2 norm of each kept gradient in layer order; remove the hooks in a "
        "finally.",
    ),
    "labs.22": (
        "A factor per layer: how much a quantity is multiplied by, on average, from one layer to "
        "the next.",
        "Structure: the geometric mean of the ratios of consecutive values: exp(mean(diff(log "
        "v))), or (v[-1] / v[0]) ** (1 / (len(v) - 1)).",
    ),
    "labs.23": (
        "A prediction is your expectation, written down before you run anything: it is never "
        "marked wrong, and comparing it with your answer afterwards is the point of the lab.",
        "Structure: a dict with one entry per label of GRADIENT_RUNS, each one of TRENDS. Think "
        "of how each scheme sizes the weights against the fan-in, what ReLU does to the signal, "
        "and what a LayerNorm does to whatever size reaches it.",
    ),
    "labs.24": (
        "Run `python -m exercises.lab_tools gradients`: it prints, per run, your growth_per_layer"
        " read from the last layer back to the first, and plots the norms against depth.",
        "Method: a factor clearly below 1 means the gradient shrinks on its way back, clearly "
        "above 1 that it grows, near 1 that it keeps its size; the figure's slopes (log scale) "
        "show the same.",
    ),
    "labs.25": (
        "Forward hooks see what every module hands on; keep a copy of each ReLU's output.",
        "Structure: register_forward_hook on every nn.ReLU (in model.modules() order), each hook "
        "storing output.detach().cpu().double().numpy().copy(); one forward pass under "
        "torch.no_grad(); remove the handles in a finally; return the list in that order.",
    ),
    "labs.26": (
        "A prediction is your expectation, written down before you run anything: it is never "
        "marked wrong, and comparing it with your answer afterwards is the point of the lab.",
        "Structure: return the three keys of the docstring with values from CHANGES and "
        "DEPTH_TRENDS. Think of what training does to the weights, and what a LayerNorm hands on "
        "whatever its input.",
    ),
    "labs.27": (
        "Run `python -m exercises.lab_tools activations`: it prints every hidden layer's spread "
        "before and after training, their ratios, and draws the histograms.",
        'Method: "without_ln" and "with_ln" read the last layer\'s after / before ratio (clearly '
        'above 1: grew; near 1: stayed; clearly below 1: shrank); "drift_by_depth" reads the printed '
        "growth_per_layer of the ratios.",
    ),
    "labs.28": (
        "Two optimizers by name; the learning rate and the weight decay go to whichever is chosen.",
        "Structure: a dict from name to class (torch.optim.SGD, torch.optim.Adam); an unknown "
        "name is a ValueError; cls(model.parameters(), lr=lr, weight_decay=weight_decay).",
    ),
    "labs.29": (
        "Training with snapshots: copies of every parameter before the first step and every few "
        "steps.",
        "Structure: a helper that appends, for every (name, p) of model.named_parameters(), "
        "p.detach().cpu().double().numpy().ravel().copy(); call it once, then after every step t "
        "with t % every == 0; the step as in train_losses; stack "
        "each name's list into a 2-D array.",
    ),
    "labs.30": (
        "How far the values moved, measured against how large they were at the start.",
        "Structure: the L2 norm over each row of (row - first row), divided by the L2 norm of the"
        " first row (np.linalg.norm(..., axis=1)).",
    ),
    "labs.31": (
        "A prediction is your expectation, written down before you run anything: it is never "
        "marked wrong, and comparing it with your answer afterwards is the point of the lab.",
        "Structure: return the four keys of the docstring with values from FURTHER, SPREADS and "
        "BIAS_MOVES. Think of how each optimizer sizes a step (SGD: by the gradient; Adam: by the"
        " gradient's own running scale), and of what weight decay subtracts at every step.",
    ),
    "labs.32": (
        "Run `python -m exercises.lab_tools optimizers`: it prints each run's relative drift of "
        "the weights and of the biases and the weights' final spread, and draws the histograms "
        "over training.",
        "Method: compare the two numbers each key names: clearly larger, about equal (within a "
        "few tens of per cent), or clearly smaller.",
    ),
    "layer_norm_triton.1": (
        "One program per row: it walks the row in BLOCK_SIZE chunks, so any N fits.",
        "Structure: pass 1 sums x (masked loads, float32) for the mean; pass 2 sums (x - mean)**2 for the "
        "variance; store mean and rstd; pass 3 writes (x - mean) * rstd * weight + bias.",
    ),
    "layer_norm_triton.2": (
        "The gradient is your layer_norm.2 derivation; the kernel only decides where each "
        "reduction happens. A row's dx needs statistics of the whole row, and a program sees one "
        "block at a time: that is why it walks each of its rows twice.",
        "Structure: per row, a first pass over the blocks accumulates in float32 (masked lanes "
        "adding 0) the per-row reductions your simplified dx needs -- one for the path through the "
        "mean, one for the path through the variance -- and keeps them (Sums); a second pass "
        "recomputes xhat block by block and writes dx. Along the way each program adds its rows' "
        "contributions to dweight and dbias into its own partial row.",
        "The local derivatives are layer_norm.2's (its level 3), row by row with N for D: d out / "
        "d xhat = weight (1 when HAS_WEIGHT is false), d xhat / d rstd = x - mean, d rstd / d var "
        "= -rstd**3 / 2, d var / d (x - mean)_i = 2 * (x - mean)_i / N, d mean / d x_i = 1 / N; "
        "for the parameters, d out / d weight = xhat and d out / d bias = 1, summed over the rows.",
        "Compact form per row, dxhat = dy * weight: c1 = sum(dxhat * xhat) / N and c2 = sum(dxhat) "
        "/ N (the first pass), dx = (dxhat - (xhat * c1 + c2)) * rstd (the second); the partial "
        "rows add dy * xhat (dweight) and dy (dbias).",
    ),
    "layer_norm_triton.3": (
        "dweight and dbias are column sums over the G partial rows: sum them in a fixed order.",
        "Structure: one program per column block; loop over the G rows, accumulate in float32, store.",
    ),
    "layer_norm_triton.4": (
        "The host side: allocate the outputs, choose a block size, launch one program per row.",
        "Structure: y = torch.empty_like(x); mean and rstd (M,) float32; BLOCK_SIZE a power of 2 "
        "(triton.next_power_of_2, capped); kernel[(M,)](...); return y, mean, rstd.",
    ),
    "layer_norm_triton.5": (
        "The backward on the host: dx per row, dweight/dbias via G partial rows, then their column sums.",
        "Structure: allocate dx and the (G, N) float32 partial buffers; launch the dx kernel on G programs, "
        "then the column-sum kernel; cast to the inputs' dtypes.",
    ),
    "layer_norm_triton.6": (
        "The autograd.Function flattens x to (M, N) and calls your host forward.",
        "Structure: x2 = x.reshape(-1, N); y, mean, rstd = layer_norm_fwd(...); "
        "ctx.save_for_backward(x2, weight, mean, rstd); return y reshaped to x's shape.",
    ),
    "layer_norm_triton.7": (
        "backward reshapes dy like forward did and hands everything to layer_norm_bwd.",
        "Structure: dy to (M, N); dx, dweight, dbias = layer_norm_bwd(...); return dx in x's shape and "
        "dtype, the parameter gradients (or None), and None for eps.",
    ),
    "layer_norm_triton.8": (
        "The same constructor as torch.nn.LayerNorm over the last dim.",
        "Structure: normalized_shape as a 1-tuple; nn.Parameter(torch.ones/zeros(...)) or "
        "register_parameter(name, None).",
    ),
    "layer_norm_triton.9": (
        "Check x's last dim, then call LayerNormTritonFunction.apply.",
        "Structure: a ValueError naming the shapes when x.shape[-1] differs; apply(x, weight, bias, eps).",
    ),
    "layer_norm_triton.10": (
        "The same text as repr(torch.nn.LayerNorm(...)) shows inside the parentheses.",
        "Structure: an f-string of normalized_shape, eps, elementwise_affine and whether there is a bias.",
    ),
}

_ID = re.compile(r"\bExercise ([a-z_]+\.\d+)\b")


def available(ex_id: str) -> int:
    """How many levels this copy holds for ``ex_id`` (0 for an unknown id)."""
    return len(LEVELS.get(ex_id, ()))


def render(ex_id: str, upto: int) -> str:
    """Levels 1..upto of ``ex_id`` and how to ask for the next one."""
    texts = LEVELS.get(ex_id)
    if not texts:
        return f"No hint levels for {ex_id!r}; the ids are those of the stubs' NotImplementedError."
    upto = max(1, upto)
    lines = [
        textwrap.fill(f"Hint level {i} [{ex_id}]: {t}", width=100, subsequent_indent="  ")
        for i, t in enumerate(texts[:upto], start=1)
    ]
    group = ex_id.split(".")[0]
    if upto < len(texts):
        lines.append(
            f"Still stuck? Level {upto + 1} of {len(texts)}: `pytest -m {group} --hint-level {upto + 1}` "
            f"or `python -m exercises.hints {ex_id} {upto + 1}`."
        )
    elif CAP is not None:
        lines.append(f"That is the last hint level in this release ({CAP}); ask your instructor.")
    return "\n".join(lines)


def exercise_ids(text: str, group: str = "") -> list[str]:
    """The exercise ids a failure message concerns: named as "Exercise <id>", else by their function."""
    found = [i for i in _ID.findall(text) if i in LEVELS]
    if found:
        return sorted(set(found), key=found.index)
    hits = []
    for ex_id, where in WHERE.items():
        if group and not ex_id.startswith(group + "."):
            continue
        if ex_id in LEVELS and re.search(rf"(?<![\w.]){re.escape(where)}(?![\w])", text):
            hits.append(ex_id)
    # A method named alone (LayerNorm.forward) must not also claim LayerNormFunction.forward and vice versa:
    # the regex already needs the qualified name, so only drop a plain name inside a longer hit's name.
    return [h for h in hits if not any(h != o and WHERE[h] in WHERE[o] for o in hits)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("Hint levels per exercise id (`python -m exercises.hints <id> [level]`):")
        for ex_id, texts in LEVELS.items():
            print(
                f"  {ex_id:<20} {len(texts)} level{'s' if len(texts) != 1 else ''}  ({WHERE[ex_id]})"
            )
        return 0
    ex_id = args[0]
    try:
        level = int(args[1]) if len(args) > 1 else 1
    except ValueError:
        print(f"hints: level must be a number, got {args[1]!r}", file=sys.stderr)
        return 2
    if ex_id not in LEVELS:
        print(
            f"hint_levels: no exercise {ex_id!r}; run without arguments for the list",
            file=sys.stderr,
        )
        return 2
    print(render(ex_id, min(level, available(ex_id))))
    if level > available(ex_id):
        print(f"({ex_id} has {available(ex_id)} level(s) here.)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
