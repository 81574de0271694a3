"""Every misconception hint, written once: the public tests and the grader's feedback show the same texts.

A hint is *chosen* by matching your outputs to the stored outputs of a known mistake (tests/data/<group>.npz),
never by re-deriving the wrong formula here. A hint names the misconception, the path or stage to look at and
the docstring section to re-read; it never shows the missing expression, reference code or expected values.

Hint ids: `<abbr>-<misconception>` (ln = layer_norm, lnt = layer_norm_torch, init = initializers,
hist = histograms, tri = layer_norm_triton, labs = labs); generic ids have no prefix.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hint:
    text: str
    see: str  # "function: Section" of the docstring to re-read; "" for none

    def render(self, hint_id: str) -> str:
        where = ""
        if self.see:
            func, _, section = self.see.partition(": ")
            where = f' See {func}\'s docstring, "{section}".' if section else f" See {func}."
        return f"Hint [{hint_id}]: {self.text}{where}"


HINTS: dict[str, Hint] = {
    # --- generic -------------------------------------------------------------------------------
    "shape": Hint(
        "the result has the wrong shape: check which axes you reduce over and keepdims.", ""
    ),
    "dtype": Hint(
        "the result has the wrong dtype: keep the input's dtype (cast back at the end).", ""
    ),
    "nan": Hint(
        "the result holds NaN or inf: look for a division by zero or a sqrt of a negative.", ""
    ),
    "not-array": Hint(
        "return arrays (numpy.ndarray / torch.Tensor), not lists, scalars or None.", ""
    ),
    # --- layer_norm (numpy) ----------------------------------------------------------------------
    "ln-wrong-axis": Hint(
        "the statistics look taken over the batch axis (that is batch norm); layer norm takes one "
        "mean and variance per sample, over the last gamma.ndim axes.",
        "layer_norm_forward: Shapes",
    ),
    "ln-last-axis-only": Hint(
        "only the last axis looks normalized; with a multi-dimensional gamma (C, H, W), normalize "
        "over all of its gamma.ndim trailing axes.",
        "layer_norm_forward: Shapes",
    ),
    "ln-unbiased-var": Hint(
        "the variance looks divided by D - 1 (ddof=1); layer norm uses the biased variance (divide by D).",
        "layer_norm_forward: Formula",
    ),
    "ln-eps-outside": Hint(
        "eps looks added outside the square root: sqrt(var) + eps instead of sqrt(var + eps).",
        "layer_norm_forward: Formula",
    ),
    "ln-one-pass-var": Hint(
        "the variance looks computed as E[x^2] - E[x]^2, which cancels catastrophically when the mean "
        "is large next to the spread; compute it from (x - mu).",
        "layer_norm_forward: Formula",
    ),
    "ln-no-affine": Hint(
        "gamma or beta looks ignored or applied in the wrong order: out = gamma * xhat + beta.",
        "layer_norm_forward: Formula",
    ),
    "ln-inplace-x": Hint(
        "your function changed the caller's x (an in-place x -= mu); work on a new array.",
        "layer_norm_forward: Pitfalls",
    ),
    "ln-float64-output": Hint(
        "float32 in, float64 out: compute in higher precision if you like, but cast the result back to "
        "x's dtype.",
        "layer_norm_forward: Returns",
    ),
    "ln-dx-no-mean-term": Hint(
        "dx looks to miss the path through the mean: mu reads every x of the sample and every xmu "
        "subtracts it; find dmu from the gradients that reach xmu and add its share to dx (with it, "
        "each sample's dx sums to 0).",
        "layer_norm_backward: Formula",
    ),
    "ln-dx-no-var-term": Hint(
        "dx looks to miss the path through the variance: x reaches var through xmu; find dvar and "
        "add its share to dxmu.",
        "layer_norm_backward: Formula",
    ),
    "ln-dx-no-gamma": Hint(
        "dx looks to skip the last stage: out = gamma * xhat + beta, so the gradient that reaches xhat "
        "has passed through the scale gamma; start the walk back at out, not at xhat.",
        "layer_norm_backward: Formula",
    ),
    "ln-dgamma-not-summed": Hint(
        "dgamma / dbeta must be summed over every batch axis (all but the normalized ones), not "
        "averaged or taken over axis 0 only.",
        "layer_norm_backward: Pitfalls",
    ),
    # --- layer_norm_torch ------------------------------------------------------------------------
    "lnt-one-pass-var": Hint(
        "the variance looks computed as E[x^2] - E[x]^2, which cancels catastrophically in float32 when "
        "the mean is large next to the spread (mean 1e4, std 0.01); compute it from x - mean.",
        "LayerNormFunction.forward: Pitfalls",
    ),
    "lnt-unbiased-var": Hint(
        "the variance looks divided by N - 1 (unbiased); layer norm divides by N, the number of "
        "normalized elements per sample.",
        "LayerNormFunction.forward: Formula",
    ),
    "lnt-eps-outside": Hint(
        "eps looks added outside the square root: 1 / (sqrt(var) + eps) instead of 1 / sqrt(var + eps).",
        "LayerNormFunction.forward: Formula",
    ),
    "lnt-dx-no-mean-term": Hint(
        "dx looks to miss the path through the mean: the mean reads every x of the sample and every "
        "x - mean subtracts it; find its gradient and add its share to dx (with it, dx sums to zero "
        "over each sample).",
        "LayerNormFunction.backward: Formula",
    ),
    "lnt-dx-no-var-term": Hint(
        "dx looks to miss the path through the variance: x reaches var through x - mean; find the "
        "gradient of var and add its share to the gradient of x - mean.",
        "LayerNormFunction.backward: Formula",
    ),
    "lnt-dweight-not-summed": Hint(
        "dweight / dbias look averaged over the batch; each is a sum over every batch dim (every sample "
        "adds its own contribution).",
        "LayerNormFunction.backward: Pitfalls",
    ),
    "lnt-half-stats": Hint(
        "the float16/bfloat16 result is further from the exact one than rounding explains: compute the "
        "statistics, the normalization and the gradients in float32 and round once at the end.",
        "LayerNormFunction.forward: Pitfalls",
    ),
    "lnt-half-output-dtype": Hint(
        "a float16/bfloat16 input gave a float32 result: compute in float32, then cast back to x's dtype "
        "(and each gradient to its input's dtype).",
        "LayerNormFunction.forward: Returns",
    ),
    "lnt-last-dim-only": Hint(
        "only the last dim looks normalized; with a weight of shape (C, H, W) each sample's statistics "
        "are over all weight.ndim trailing dims.",
        "LayerNormFunction.forward: Shapes",
    ),
    "lnt-module-init": Hint(
        "a fresh LayerNorm should compute the plain normalization: weight starts as ones and bias as "
        "zeros (reset_parameters).",
        "LayerNorm.__init__: Formula",
    ),
    "lnt-module-bias": Hint(
        "LayerNorm(bias=False) must have no bias parameter (self.register_parameter('bias', None)), and "
        "elementwise_affine=False neither weight nor bias.",
        "LayerNorm.__init__: Pitfalls",
    ),
    "lnt-module-eps-ignored": Hint(
        "the module looks to normalize with eps = 1e-5 whatever eps it was constructed with: "
        "LayerNorm(..., eps=...) must pass its own self.eps on to LayerNormFunction.",
        "LayerNorm.forward: Returns",
    ),
    "lnt-module-no-flatten": Hint(
        "with no weight, LayerNormFunction normalizes over the last dim only: flatten all of "
        "normalized_shape's dims into one before calling it, and reshape back.",
        "LayerNorm.forward: Pitfalls",
    ),
    "lnt-autograd-in-backward": Hint(
        "backward must compute the gradients from the saved tensors with the formula; it may not ask "
        "autograd (torch.autograd.grad, .backward(), torch.func, enable_grad).",
        "LayerNormFunction.backward: Pitfalls",
    ),
    "lnt-forbidden-api": Hint(
        "write the normalization yourself: torch's own normalizations (F.layer_norm, torch.layer_norm, "
        "group, batch, instance and RMS norm, and the nn modules built on them) and its Python "
        "decompositions (torch._decomp, torch._refs) are not allowed in this exercise.",
        "LayerNormFunction.forward: Formula",
    ),
    "lnt-device": Hint(
        "a tensor was made on a fixed device (a 'cpu' string, .cpu(), .numpy(), .item(), torch.tensor(...) "
        "of data): make new tensors from the inputs (x.new_zeros, torch.empty_like, arithmetic on x), "
        "as the docstring at the top of exercises/layer_norm_torch.py says.",
        "",
    ),
    "lnt-inplace": Hint(
        "an input was modified in place (x, weight, bias or grad_out): in-place ops only on tensors "
        "you created yourself.",
        "LayerNormFunction.forward: Pitfalls",
    ),
    # --- layer_norm_triton -----------------------------------------------------------------------
    "tri-tail-mask": Hint(
        "the last block of a row looks to count lanes past the row's end: N is rarely a multiple of "
        "BLOCK_SIZE, so every load and store takes mask=cols < N (and other=0.0 on loads).",
        "_layer_norm_fwd_kernel: Pitfalls",
    ),
    "tri-padding-in-variance": Hint(
        "the variance looks to include the padding lanes of the last block: a masked load gives 0 "
        "there, but (0 - mean)**2 is not 0: the mask must keep those lanes out of the sum of squares too.",
        "_layer_norm_fwd_kernel: Pitfalls",
    ),
    "tri-divide-by-block": Hint(
        "the statistics look divided by BLOCK_SIZE (the padded width) instead of N, the row's length.",
        "_layer_norm_fwd_kernel: Formula",
    ),
    "tri-eps-outside": Hint(
        "eps looks added outside the square root: 1 / (sqrt(var) + eps) instead of 1 / sqrt(var + eps).",
        "_layer_norm_fwd_kernel: Formula",
    ),
    "tri-eps-ignored": Hint(
        "the result does not change with eps: a fixed eps (1e-5?) is used somewhere instead of the one "
        "given: layer_norm_fwd must pass its eps to the kernel, and TritonLayerNorm its own self.eps on "
        "to LayerNormTritonFunction.",
        "TritonLayerNorm.forward",
    ),
    "tri-half-accumulation": Hint(
        "the float16/bfloat16 result is further from the exact one than rounding explains: load with "
        ".to(tl.float32) and accumulate the sums in float32; round once, at the store.",
        "_layer_norm_fwd_kernel: Formula",
    ),
    "tri-partials-not-reduced": Hint(
        "dweight / dbias look to hold only some of the rows: each program must write its partial sums "
        "to its own row of the buffer, and a second kernel must add up all the partial rows.",
        "layer_norm_bwd: Pitfalls",
    ),
    "tri-partials-shared-row": Hint(
        "dweight / dbias look to hold only the rows of the last program to write: programs that store "
        "their partial sums to the same place overwrite each other (a race on a GPU); give each program "
        "its own row of the partial buffer and add the rows up in a second kernel.",
        "layer_norm_bwd: Pitfalls",
    ),
    "tri-row-stride": Hint(
        "a strided x (a slice x_big[:, :N], whose rows are further apart than N) gives wrong rows: row r "
        "starts at r * x.stride(0); pass the stride to the kernel.",
        "layer_norm_fwd: Pitfalls",
    ),
    "tri-dx-terms": Hint(
        "dx looks to miss a path: x reaches the output directly, through the mean and through the "
        "variance, and each adds its share to dx; the first pass over a row must gather what both the "
        "mean's and the variance's path need (with both, dx sums to zero over each row).",
        "_layer_norm_bwd_dx_kernel: Formula",
    ),
    "tri-nondeterministic": Hint(
        "the same inputs gave different dweight / dbias bits on two runs: the partial sums are added in "
        "an order that changes (float atomics?); reduce them in a fixed order in a second kernel.",
        "layer_norm_bwd: Pitfalls",
    ),
    "tri-forbidden-api": Hint(
        "compute in your Triton kernels: the wrappers may allocate, reshape and launch, but torch's "
        "normalizations and reductions (F.layer_norm, torch.sum, x.mean(), torch.var...) are not "
        "allowed in this exercise.",
        "layer_norm_fwd: Pitfalls",
    ),
    # --- initializers ----------------------------------------------------------------------------
    "init-fan-swap": Hint(
        "fan_in and fan_out look swapped. A weight is laid out (out, in, *kernel): fan_in comes from "
        "size(1), fan_out from size(0). Xavier hides it (it uses the sum); Kaiming and LeCun don't.",
        "calculate_fan_in_and_fan_out: Pitfalls",
    ),
    "init-receptive-field": Hint(
        "the kernel size looks ignored: for a Conv weight (out, in, kh, kw) both fans are multiplied by "
        "the receptive field kh * kw (fan_in of Conv2d(32, 64, 3) is 288, not 32).",
        "calculate_fan_in_and_fan_out: Formula",
    ),
    "init-uniform-bound-is-std": Hint(
        "the uniform bound looks set to the target std: U(-b, b) has std b / sqrt(3), so the bound "
        "must be sqrt(3) * std.",
        "xavier_uniform_: Formula",
    ),
    "init-variance-as-std": Hint(
        "the variance looks used where the std belongs (a missing square root): e.g. Kaiming's std is "
        "gain / sqrt(fan), whose square gain**2 / fan is the variance.",
        "kaiming_normal_: Pitfalls",
    ),
    "init-relu-gain": Hint(
        "the ReLU gain looks like 2: ReLU halves the *variance*, and a gain scales the *std*, so the "
        "gain is sqrt(2).",
        "calculate_gain: Pitfalls",
    ),
    "init-leaky-default-slope": Hint(
        "calculate_gain('leaky_relu') with no param looks to use a slope other than torch's default "
        "0.01.",
        "calculate_gain: Formula",
    ),
    "init-leaky-zero-slope": Hint(
        "a negative slope of 0 looks treated as 'no slope given' (param or 0.01): 0 is a valid slope, "
        "and calculate_gain('leaky_relu', 0) is exactly sqrt(2). Test `param is None`.",
        "calculate_gain: Pitfalls",
    ),
    "init-kaiming-mode": Hint(
        "mode looks ignored: mode='fan_out' must use fan_out (out * receptive field) instead of fan_in.",
        "kaiming_normal_: Args",
    ),
    "init-lecun-xavier-tanh": Hint(
        "LeCun looks computed as Xavier with the tanh gain. LeCun's std is 1 / sqrt(fan_in): no fan_out, "
        "no gain.",
        "lecun_normal_: Pitfalls",
    ),
    "init-orth-sign": Hint(
        "the QR sign fix looks missing: multiply each column of Q by the sign of R's diagonal, or Q is "
        "not uniformly distributed (W[0, 0] comes out negative every time).",
        "orthogonal_: Pitfalls",
    ),
    "init-orth-transpose": Hint(
        "a wide tensor (rows < cols) looks filled without transposing back: factor the transpose, then "
        "transpose Q (a reshape is not a transpose), so that the rows are orthonormal.",
        "orthogonal_: Pitfalls",
    ),
    "init-orth-gain": Hint(
        "the gain looks left out of orthogonal_ (or applied twice): the result is gain * Q, so "
        "W^T W = gain**2 * I.",
        "orthogonal_: Formula",
    ),
    "init-sparse-per-row": Hint(
        "the zeros look counted per row: sparsity is the fraction of zeros in every *column* "
        "(ceil(sparsity * rows) of them, at random rows).",
        "sparse_: Pitfalls",
    ),
    "init-sparse-floor": Hint(
        "one zero too few per column: the count is ceil(sparsity * rows), rounded up, not floor or round.",
        "sparse_: Pitfalls",
    ),
    "init-generator-ignored": Hint(
        "the generator looks ignored: pass generator=... to every draw (tensor.uniform_, tensor.normal_, "
        "torch.rand, torch.randperm), so the same seed gives the same weights and the global random "
        "state is left alone.",
        "uniform_: Pitfalls",
    ),
    "init-sparse-generator": Hint(
        "sparse_'s zero positions look drawn from the global random state (torch's own sparse_ does "
        "that); draw them from the generator too.",
        "sparse_: Args",
    ),
    "init-no-grad": Hint(
        "the in-place fill looks done outside torch.no_grad(): an nn.Parameter requires grad, and "
        "autograd refuses in-place changes of such a leaf.",
        "uniform_: Pitfalls",
    ),
    "init-forbidden-api": Hint(
        "this exercise asks you to write the initializers, so torch.nn.init.* and the layers' "
        "reset_parameters() are off limits; tensor methods (uniform_, normal_, fill_) and "
        "torch.linalg.qr are fine.",
        "",
    ),
    "init-return-tensor": Hint(
        "return the tensor you filled (the same object), as torch.nn.init does, so calls can be chained.",
        "uniform_: Returns",
    ),
    # --- histograms ------------------------------------------------------------------------------
    "hist-biases-included": Hint(
        "the counts look to include the biases: count only the parameters whose name contains "
        '"weight".',
        "get_weight_histogram: Shapes",
    ),
    "hist-linear-only": Hint(
        "only the nn.Linear weights look counted: every parameter whose name contains "
        '"weight" counts, LayerNorm\'s gain included.',
        "get_weight_histogram: Pitfalls",
    ),
    "hist-edges-not-centres": Hint(
        "histx looks like all num_bins + 1 bin edges instead of the num_bins bin centres "
        "(edges[k] + edges[k + 1]) / 2.",
        "get_weight_histogram: Formula",
    ),
    "hist-left-edges": Hint(
        "histx looks like the left edges of the bins; return their centres "
        "(edges[k] + edges[k + 1]) / 2.",
        "get_weight_histogram: Formula",
    ),
    "hist-last-bin-open": Hint(
        "a weight equal to max_val looks left out: the last bin is closed on the right "
        "(edges[-2] <= w <= max_val), as in np.histogram.",
        "get_weight_histogram: Formula",
    ),
    "hist-range-ignored": Hint(
        "the bins look spread over the weights' own min and max instead of [min_val, max_val]: "
        "pass range=(min_val, max_val).",
        "get_weight_histogram: Formula",
    ),
    "hist-recomputed-edges": Hint(
        "the rows look binned on edges recomputed from each model's min and max; the tracker's "
        "edges are fixed once, so that every row counts the same intervals.",
        "HistogramTracker: Pitfalls",
    ),
    "hist-tracker-empty": Hint(
        "before the first record, counts should be an int array of shape (0, num_bins), not an "
        "empty 1-D array.",
        "HistogramTracker: Shapes",
    ),
    "hist-record-after-epoch": Hint(
        "the histograms look recorded at the END of each epoch: record before the epoch's first "
        "update, so that row 0 is the untrained model.",
        "train_and_track_weights: Pitfalls",
    ),
    "hist-acc-count": Hint(
        "the accuracies look like counts of correct answers; return fractions in [0, 1]: the mean "
        "of each batch's (predictions == labels).",
        "train_and_track_weights: Returns",
    ),
    "hist-acc-per-sample": Hint(
        "the accuracies look like correct / samples over the whole epoch; the lecture averages the "
        "per-batch accuracies (they differ when the last batch is smaller).",
        "train_and_track_weights: Formula",
    ),
    "hist-no-train-mode": Hint(
        "training ran with the model in eval mode: call model.train() at the start of every epoch "
        "(the previous epoch's model.eval() stays on otherwise).",
        "train_and_track_weights: Pitfalls",
    ),
    "hist-test-mode": Hint(
        "the test pass ran in training mode or with gradients on: call model.eval() and run it "
        "under torch.no_grad().",
        "train_and_track_weights: Formula",
    ),
    "hist-no-zero-grad": Hint(
        "the weights moved differently from plain SGD: are the gradients zeroed before every "
        "backward pass (optimizer.zero_grad())? Otherwise they add up over the batches.",
        "train_and_track_weights: Formula",
    ),
    "hist-colours-reversed": Hint(
        "the line colours look reversed: epoch 0 is cm.coolwarm(0) (blue), the last epoch "
        "cm.coolwarm(1.0) (red).",
        "plot_histogram_overlay: Formula",
    ),
    "hist-single-epoch": Hint(
        "one epoch breaks the colour formula (i / (n - 1) divides by zero); a single line gets "
        "cm.coolwarm(0).",
        "plot_histogram_overlay: Pitfalls",
    ),
    "hist-heatmap-extent": Hint(
        "the heatmap's axes count the image's pixels (its rows and columns), not weight values and "
        "epochs: an image drawn without coordinates is labelled by array index. Tell matplotlib where "
        "the image sits in data units: the weights' range on one axis, the epochs on the other.",
        "plot_histogram_heatmap: Pitfalls",
    ),
    "hist-returns-axes": Hint(
        "return the matplotlib Figure (fig), not the Axes or the lines.",
        "plot_histogram_overlay: Returns",
    ),
    "hist-ax-ignored": Hint(
        "with ax given, draw on that ax and return its Figure (ax.figure) instead of a new one.",
        "plot_histogram_heatmap: Returns",
    ),
    "hist-hooks-left": Hint(
        "forward hooks are still registered after the call: keep each handle that "
        "register_forward_hook returns and call handle.remove() (in a finally block).",
        "activation_stats: Pitfalls",
    ),
    "hist-caller-hooks-removed": Hint(
        "the caller's own forward hooks disappeared: remove only the hooks you registered "
        "(their handles), never clear a module's hook dict.",
        "activation_stats: Pitfalls",
    ),
    "hist-layernorm-skipped": Hint(
        "LayerNorm layers look missing from the result: take the stats of every nn.Linear and of "
        'every module whose class is named "LayerNorm".',
        "activation_stats: Formula",
    ),
    "hist-layernorm-kit": Hint(
        "a LayerNorm that is not an nn.LayerNorm subclass (the kit's own) looks missing: match "
        'type(m).__name__ == "LayerNorm", not isinstance(m, nn.LayerNorm).',
        "activation_stats: Pitfalls",
    ),
    # --- labs ------------------------------------------------------------------------------------
    "labs-bimodal-one-peak": Hint(
        "the bimodal sample has one peak: put the two bumps' means several stds apart.",
        "make_distributions: Pitfalls",
    ),
    "labs-seed-ignored": Hint(
        "the same seed must give the same arrays and another seed other arrays: draw everything "
        "from a generator seeded with the seed argument.",
        "make_distributions: Pitfalls",
    ),
    "labs-per-column": Hint(
        "the statistics look taken per feature (over the batch, axis 0) as batch norm does; layer "
        "norm takes them per sample, over each row's features (the last axis).",
        "normalize_per_sample: Pitfalls",
    ),
    "labs-beta-scaled": Hint(
        "beta looks added before the scaling, so gamma scales it too: the shift comes last.",
        "normalize_per_sample: Formula",
    ),
    "labs-eps-ignored": Hint(
        "the result does not change with eps: the function looks to use a fixed eps (such as 1e-5) "
        "instead of its eps argument. Rows of small variance show it: there eps matters.",
        "normalize_per_sample: Formula",
    ),
    "labs-stats-pooled": Hint(
        "the statistics look computed over all the values pooled together; compute them per sample "
        "(row), then average over the samples.",
        "sample_stats: Pitfalls",
    ),
    "labs-kurtosis-not-excess": Hint(
        "the kurtosis looks like the plain fourth moment of z; the docstring asks for the EXCESS "
        "kurtosis.",
        "sample_stats: Formula",
    ),
    "labs-eps-outside": Hint(
        "eps looks added to the standard deviation instead of the variance: it goes inside the "
        "square root.",
        "max_grad_vs_eps: Formula",
    ),
    "labs-grad-incomplete": Hint(
        "the gradient looks like the direct path alone, as if the mean and the variance were "
        "constants: x also moves the mean and the variance, and both paths carry gradient back to x "
        "(check yourself against torch autograd).",
        "max_grad_vs_eps: Formula",
    ),
    "labs-slope-not-loglog": Hint(
        "the slope looks fitted to the values themselves: fit the line to their logarithms (log y "
        "against log x).",
        "loglog_slope: Pitfalls",
    ),
    "labs-bend-not-interpolated": Hint(
        "the bend looks like the first eps of the grid at or below the target, with no "
        "interpolation between that point and the one before.",
        "bend_eps: Formula",
    ),
    "labs-bend-linear": Hint(
        "the bend looks interpolated on linear axes; interpolate log(eps) against log(value).",
        "bend_eps: Pitfalls",
    ),
    "labs-gamma-not-applied": Hint(
        "the LayerNorm's gain does not start at gamma_init: a LayerNorm starts with weight 1, so "
        "fill its weight after building the net (under torch.no_grad()).",
        "make_ln_net: Pitfalls",
    ),
    "labs-beta-not-applied": Hint(
        "the LayerNorm's shift does not start at beta_init: a LayerNorm starts with bias 0, so fill "
        "its bias after building the net (under torch.no_grad()).",
        "make_ln_net: Pitfalls",
    ),
    "labs-net-seed-ignored": Hint(
        "two different seeds built the same net: seed torch's generator with the seed argument "
        "before the layers are built, so that the seed chooses the initial weights.",
        "make_ln_net: Formula",
    ),
    "labs-no-zero-grad": Hint(
        "the losses drift from plain SGD's: are the gradients zeroed every step? Otherwise they "
        "add up over the steps.",
        "train_losses: Pitfalls",
    ),
    "labs-moving-average-padded": Hint(
        'the smoothed values look padded at the ends (np.convolve\'s "same" or "full" mode): '
        "keep only the full windows.",
        "moving_average: Pitfalls",
    ),
    "labs-unbiased-var": Hint(
        "the variance looks divided by D - 1; layer norm uses the biased variance (divide by D).",
        "layer_norm_rows_loop: Pitfalls",
    ),
    "labs-torch-unbiased": Hint(
        "the variance looks divided by D - 1: torch's var() is unbiased by default; pass "
        "unbiased=False (or correction=0).",
        "layer_norm_torch_ops: Pitfalls",
    ),
    "labs-speedup-inverted": Hint(
        "the speedup looks like the vectorized time divided by the loop's: it is how many times "
        "faster the vectorized version is.",
        "predict_efficiency: Returns",
    ),
    "labs-init-not-applied": Hint(
        "the weights look like nn.Linear's own initialization, not the scheme asked for: fill "
        "every Linear's weight by the init scheme after building the layers.",
        "make_deep_mlp: Formula",
    ),
    "labs-ln-placement": Hint(
        "the LayerNorm looks placed elsewhere than between each hidden Linear and its ReLU.",
        "make_deep_mlp: Pitfalls",
    ),
    "labs-grad-weights-not-outputs": Hint(
        "the norms look like those of the weights' gradients (.grad); measure the gradient with "
        "respect to each layer's OUTPUT.",
        "grad_norms_per_layer: Pitfalls",
    ),
    "labs-grad-order": Hint(
        "the norms look listed from the last layer to the first: list them in the order the "
        "forward pass meets the layers, first layer first.",
        "grad_norms_per_layer: Returns",
    ),
    "labs-growth-not-per-layer": Hint(
        "the factor looks like the total change from the first value to the last: take the root "
        "that makes it a factor per layer.",
        "growth_per_layer: Pitfalls",
    ),
    "labs-growth-inverted": Hint(
        "the factor looks inverted (earlier over later): read the values in the order given, each "
        "one over the one before it.",
        "growth_per_layer: Formula",
    ),
    "labs-outputs-wrong-modules": Hint(
        "the outputs look taken from the Linear layers; record the output of every nn.ReLU module.",
        "layer_outputs: Formula",
    ),
    "labs-hooks-left": Hint(
        "the model's hooks changed: remove exactly the hooks you added (keep their handles, "
        "handle.remove() in a finally block), never anyone else's.",
        "layer_outputs: Pitfalls",
    ),
    "labs-weight-decay-ignored": Hint(
        "the optimizer's weight_decay is not the one asked for: pass weight_decay on to it.",
        "make_optimizer: Pitfalls",
    ),
    "labs-snapshot-late": Hint(
        "the first snapshot looks taken after the first update: take one before any step.",
        "train_and_snapshot: Pitfalls",
    ),
    "labs-snapshot-not-copied": Hint(
        "the snapshots look alike (all the final values): store copies of the parameters, not views "
        "of them.",
        "train_and_snapshot: Pitfalls",
    ),
    "labs-drift-not-relative": Hint(
        "the drift looks like the size of the change alone: divide it by the size of the start.",
        "relative_drift: Formula",
    ),
    "labs-answer-vs-measurement": Hint(
        "your answer and your own measurement disagree. A prediction may be anything; an answer "
        "reports what your functions measured: read the numbers above (they are yours) and the "
        "lab's figure again.",
        "",
    ),
    "labs-not-a-choice": Hint(
        "each entry must be one of the choices the docstring lists (the tuples at the top of "
        "labs.py, spelled exactly), or a number where a number is asked.",
        "",
    ),
}


def render(hint_id: str) -> str:
    """The hint's text for a learner; an unknown id renders as nothing."""
    hint = HINTS.get(hint_id)
    return hint.render(hint_id) if hint else ""
