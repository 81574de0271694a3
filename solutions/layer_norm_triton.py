"""Layer normalization as fused Triton kernels: one read of each input, one write of each output.

The torch exercise computed layer norm as a chain of tensor ops; each op is a full pass over memory, and
layer norm does so little arithmetic per element that those passes *are* its cost (it is memory-bound: an
(M, N) float16 forward must at least read x once and write y once, 4 bytes per element, and a GPU moves
bytes hundreds of times slower than it multiplies them). Here you write the kernels yourself, in Triton
(the GPU language of Triton's tutorial 05 "Layer Normalization", of apex's FusedLayerNorm and of
flash-attention's layer norm), so that every byte crosses memory as few times as possible.

How a Triton kernel sees the data:

- **Programs and blocks.** A kernel runs as a grid of *programs* (``tl.program_id(0)`` says which one);
  each program works on *blocks*: vectors of BLOCK_SIZE elements (a power of two, a ``tl.constexpr``)
  loaded with ``tl.load(pointer + offsets, mask=..., other=...)``. Here one program handles one row (or a
  group of rows), walking the row BLOCK_SIZE elements at a time when the row is longer than one block.
- **Masks.** N is rarely a power of two: the last block of a row runs past its end. Every load and store
  takes ``mask=cols < N``; a masked load fills the missing lanes with ``other`` (0.0 here), and those
  padding lanes must stay out of every sum -- in particular out of ``sum((x - mean)**2)``, where a padded 0
  becomes ``(0 - mean)**2``.
- **Strides.** x is an (M, N) tensor whose row r starts at ``x_ptr + r * stride``; ``x.stride(0)`` is N only
  for a contiguous x (a slice ``big[:, :N]`` has a longer stride). Pass the stride to the kernel.
- **Two-stage reductions.** A sum over the rows (dweight and dbias) is a reduction across programs: each
  program writes its own partial sum to a buffer, and a second kernel adds the partials up in a fixed
  order. Float atomics (``tl.atomic_add``) would do it in one step, but in an order that changes from run to
  run, and float addition is not associative: the gradients would differ in their last bits every run.

Where there is no CUDA device, the kit runs your kernels with Triton's interpreter: the lines at the top of
this file set ``TRITON_INTERPRET=1`` before any kernel is defined (the tests and the grader do the same), so
``@triton.jit`` functions run on numpy arrays on the CPU -- slowly, but with the same semantics, so the same
code is checked here and runs compiled on a GPU. You never have to set it yourself. The Python wrappers only
allocate outputs, reshape and launch: every number is computed inside a ``@triton.jit`` kernel. torch's own
normalizations and reductions (``F.layer_norm``, ``torch.sum``, ``x.mean()``, ``torch.var``...) in the
wrappers score 0 when graded.
"""

from __future__ import annotations

import os

import torch

# no GPU: run the kernels in Triton's interpreter (numpy, on the CPU)
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

import triton
import triton.language as tl
from torch import Tensor, nn

__all__ = ["LayerNormTritonFunction", "TritonLayerNorm", "layer_norm_bwd", "layer_norm_fwd"]

# The widest block a program loads at once: rows longer than this loop over blocks. (On a GPU a block lives
# in registers; 64 KB of them per row is what Triton's tutorial 05 allows.)
MAX_BLOCK_BYTES = 65536


def _block_size(n: int, element_size: int) -> int:
    """The power of two that covers a row of n elements, capped at MAX_BLOCK_BYTES of the input."""
    return min(triton.next_power_of_2(n), max(16, MAX_BLOCK_BYTES // element_size))


def _rows(t: Tensor, name: str) -> Tensor:
    """t as (M, N) with unit stride along a row (a copy only when its last dim is strided)."""
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (M, N), got shape {tuple(t.shape)}")
    return t if t.stride(1) == 1 else t.contiguous()


@triton.jit
def _layer_norm_fwd_kernel(
    X,  # pointer to the first element of x
    Y,  # pointer to y (contiguous, x's dtype)
    W,  # pointer to weight (ignored unless HAS_WEIGHT)
    B,  # pointer to bias (ignored unless HAS_BIAS)
    Mean,  # pointer to mean (M,): its dtype is the compute dtype
    Rstd,  # pointer to rstd (M,)
    stride_x,  # elements between the starts of two rows of x
    stride_y,
    N,  # elements per row
    eps,
    HAS_WEIGHT: tl.constexpr,
    HAS_BIAS: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
):
    """One program per row: mean, rstd and y of row ``tl.program_id(0)``.

    Formula:  mean = sum(x) / N
              var  = sum((x - mean)**2) / N          (biased; a second pass, from x - mean)
              rstd = 1 / sqrt(var + eps)             (eps inside the square root)
              y    = (x - mean) * rstd * weight + bias
              all in the compute dtype (Mean's: float32, float64 for float64 x), y rounded once to x's.
    Memory:   reads x three times (mean, variance, output: a row that fits in a block is still in cache
              for the second and third reads), writes y once and two floats per row.
    Pitfalls: mask every load and store with cols < N; padding lanes load as 0 and must not enter the
              variance (0 - mean is not 0); divide by N, not BLOCK_SIZE; row r starts at r * stride_x.
    """
    ### BEGIN SOLUTION layer_norm_triton.1: per-row mean and rstd in float32 by two passes over the blocks, then y = xhat * weight + bias
    row = tl.program_id(0)
    X += row * stride_x
    Y += row * stride_y
    acc_t = Mean.dtype.element_ty
    # pass 1: the mean
    acc = tl.zeros([BLOCK_SIZE], dtype=acc_t)
    for off in range(0, N, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        x = tl.load(X + cols, mask=cols < N, other=0.0).to(acc_t)
        acc += x
    mean = tl.sum(acc, axis=0) / N
    # pass 2: the variance, from x - mean; padding lanes contribute 0
    acc = tl.zeros([BLOCK_SIZE], dtype=acc_t)
    for off in range(0, N, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        x = tl.load(X + cols, mask=cols < N, other=0.0).to(acc_t)
        diff = tl.where(cols < N, x - mean, 0.0)
        acc += diff * diff
    var = tl.sum(acc, axis=0) / N
    rstd = 1 / tl.sqrt(var + eps)
    tl.store(Mean + row, mean)
    tl.store(Rstd + row, rstd)
    # pass 3: normalize, scale, shift
    for off in range(0, N, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        mask = cols < N
        x = tl.load(X + cols, mask=mask, other=0.0).to(acc_t)
        y = (x - mean) * rstd
        if HAS_WEIGHT:
            y = y * tl.load(W + cols, mask=mask, other=0.0).to(acc_t)
        if HAS_BIAS:
            y = y + tl.load(B + cols, mask=mask, other=0.0).to(acc_t)
        tl.store(Y + cols, y.to(Y.dtype.element_ty), mask=mask)
    ### END SOLUTION


@triton.jit
def _layer_norm_bwd_dx_kernel(
    DY,  # pointer to dy
    X,  # pointer to x
    W,  # pointer to weight (ignored unless HAS_WEIGHT)
    Mean,  # pointer to mean (M,), compute dtype
    Rstd,  # pointer to rstd (M,)
    DX,  # pointer to dx (contiguous, x's dtype)
    PartialDW,  # pointer to the partial dweight sums (G, N), compute dtype
    PartialDB,  # pointer to the partial dbias sums (G, N)
    Sums,  # scratch (M, 2), compute dtype: per row, the two row statistics dx needs
    stride_dy,
    stride_x,
    stride_dx,
    M,  # rows
    N,  # elements per row
    G,  # programs: program p handles rows p, p + G, p + 2G, ...
    HAS_WEIGHT: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
):
    """dx of the rows p, p + G, ... and this program's partial sums of dweight and dbias over them.

    Formula:  xhat = (x - mean) * rstd, as in the forward pass;
              dx: the result you derived in layer_norm.2, row by row; it needs per-row reductions (over
              the whole row, so over every block) before any dx of the row can be written;
              partial dweight[p], partial dbias[p]: the sums over my rows of what each row contributes
              to dweight and dbias (layer_norm.2's derivation again).
    Memory:   per row, reads x and dy twice (the row sums first, then dx), writes dx once; the partials
              stay in registers across the rows, one column block at a time, and are written once.
    Pitfalls: padding lanes out of the row reductions (a masked load gives dy = 0 there); divide by N;
              write each program's partials to its own row of the buffer (no race, no atomics).
    """
    ### BEGIN SOLUTION layer_norm_triton.2: the per-row reductions your dx needs (your layer_norm.2 derivation), then dx block by block, accumulating this program's dweight/dbias partials
    pid = tl.program_id(0)
    acc_t = Mean.dtype.element_ty
    # phase 1: c1 and c2 of each of my rows
    for row in range(pid, M, G):
        mean = tl.load(Mean + row)
        rstd = tl.load(Rstd + row)
        acc1 = tl.zeros([BLOCK_SIZE], dtype=acc_t)
        acc2 = tl.zeros([BLOCK_SIZE], dtype=acc_t)
        for off in range(0, N, BLOCK_SIZE):
            cols = off + tl.arange(0, BLOCK_SIZE)
            mask = cols < N
            x = tl.load(X + row * stride_x + cols, mask=mask, other=0.0).to(acc_t)
            dy = tl.load(DY + row * stride_dy + cols, mask=mask, other=0.0).to(acc_t)
            xhat = (x - mean) * rstd
            if HAS_WEIGHT:
                dy = dy * tl.load(W + cols, mask=mask, other=0.0).to(acc_t)
            acc1 += dy * xhat
            acc2 += dy
        tl.store(Sums + 2 * row, tl.sum(acc1, axis=0) / N)
        tl.store(Sums + 2 * row + 1, tl.sum(acc2, axis=0) / N)
    # phase 2: dx, and the partial sums of dweight and dbias, one column block at a time
    for off in range(0, N, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        mask = cols < N
        if HAS_WEIGHT:
            w = tl.load(W + cols, mask=mask, other=0.0).to(acc_t)
        dw = tl.zeros([BLOCK_SIZE], dtype=acc_t)
        db = tl.zeros([BLOCK_SIZE], dtype=acc_t)
        for row in range(pid, M, G):
            mean = tl.load(Mean + row)
            rstd = tl.load(Rstd + row)
            c1 = tl.load(Sums + 2 * row)
            c2 = tl.load(Sums + 2 * row + 1)
            x = tl.load(X + row * stride_x + cols, mask=mask, other=0.0).to(acc_t)
            dy = tl.load(DY + row * stride_dy + cols, mask=mask, other=0.0).to(acc_t)
            xhat = (x - mean) * rstd
            dw += dy * xhat
            db += dy
            if HAS_WEIGHT:
                dy = dy * w
            dx = (dy - (xhat * c1 + c2)) * rstd
            tl.store(DX + row * stride_dx + cols, dx.to(DX.dtype.element_ty), mask=mask)
        tl.store(PartialDW + pid * N + cols, dw, mask=mask)
        tl.store(PartialDB + pid * N + cols, db, mask=mask)
    ### END SOLUTION


@triton.jit
def _layer_norm_bwd_dwdb_kernel(
    PartialDW,  # pointer to the partial sums (G, N)
    PartialDB,
    DW,  # pointer to dweight (N,), weight's dtype
    DB,  # pointer to dbias (N,), bias's dtype
    G,
    N,
    BLOCK_SIZE: tl.constexpr,
):
    """dweight and dbias: each program adds up the G partial rows of its BLOCK_SIZE columns, in order.

    Pitfalls: always the same order of additions (rows 0, 1, ..., G - 1), so the same inputs give
              bit-identical gradients run after run; mask the last column block.
    """
    ### BEGIN SOLUTION layer_norm_triton.3: sum the G partial rows of a column block in a fixed order
    cols = tl.program_id(0) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = cols < N
    dw = tl.zeros([BLOCK_SIZE], dtype=PartialDW.dtype.element_ty)
    db = tl.zeros([BLOCK_SIZE], dtype=PartialDB.dtype.element_ty)
    for g in range(0, G):
        dw += tl.load(PartialDW + g * N + cols, mask=mask, other=0.0)
        db += tl.load(PartialDB + g * N + cols, mask=mask, other=0.0)
    tl.store(DW + cols, dw.to(DW.dtype.element_ty), mask=mask)
    tl.store(DB + cols, db.to(DB.dtype.element_ty), mask=mask)
    ### END SOLUTION


def layer_norm_fwd(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
) -> tuple[Tensor, Tensor, Tensor]:
    """Layer-normalize every row of x with one launch of a Triton kernel.

    Formula:  per row: mean = sum(x) / N, var = sum((x - mean)**2) / N, rstd = 1 / sqrt(var + eps),
              y = (x - mean) * rstd * weight + bias (no scale / shift where weight / bias is None);
              statistics in float32 (float64 for float64 x), y rounded once to x's dtype.
    Shapes:   x (M, N), any N >= 1 (not only powers of two; up to 65,536: a row longer than one block is
              walked block by block); weight and bias (N,) or None.
    Returns:  (y, mean, rstd): y (M, N) in x's dtype; mean and rstd (M,) float32 (float64 for float64 x),
              on x's device. backward reuses mean and rstd instead of recomputing them.
    Pitfalls: every number is computed in a @triton.jit kernel -- the wrapper allocates (torch.empty),
              picks BLOCK_SIZE (triton.next_power_of_2) and launches kernel[grid](...), nothing else;
              pass the row stride (x.stride(0)), not N; mask the tail of the last block; keep padding out
              of the variance; eps inside the square root; accumulate in float32, not in x's float16.
    Example:
        >>> y, mean, rstd = layer_norm_fwd(torch.tensor([[1.0, 3.0]]), None, None, eps=0.0)
        >>> y, mean, rstd
        (tensor([[-1.,  1.]]), tensor([2.]), tensor([1.]))
    """
    ### BEGIN SOLUTION layer_norm_triton.4: allocate y, mean and rstd, choose BLOCK_SIZE and launch one program per row
    x = _rows(x, "x")
    m, n = x.shape
    stats_dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    y = torch.empty((m, n), dtype=x.dtype, device=x.device)
    mean = torch.empty(m, dtype=stats_dtype, device=x.device)
    rstd = torch.empty(m, dtype=stats_dtype, device=x.device)
    block = _block_size(n, x.element_size())
    _layer_norm_fwd_kernel[(m,)](
        x,
        y,
        weight if weight is not None else x,
        bias if bias is not None else x,
        mean,
        rstd,
        x.stride(0),
        y.stride(0),
        n,
        eps,
        HAS_WEIGHT=weight is not None,
        HAS_BIAS=bias is not None,
        BLOCK_SIZE=block,
        num_warps=min(max(block // 256, 1), 16),
    )
    return y, mean, rstd
    ### END SOLUTION


def layer_norm_bwd(
    dy: Tensor, x: Tensor, weight: Tensor | None, mean: Tensor, rstd: Tensor
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    """Gradients of layer norm with respect to x, weight and bias, from layer_norm_fwd's mean and rstd.

    Formula:  your derivation of layer_norm.2 (and the torch exercise's backward): dweight and dbias add
              up over the rows what each row contributes; dx needs, per row, the reductions your
              simplified dx reads. Work it out again on paper before writing the kernel: which sums are
              over a row, which over the rows?
    Shapes:   dy, x (M, N); weight (N,) or None; mean, rstd (M,) as returned by layer_norm_fwd.
    Returns:  (dx, dweight, dbias): dx (M, N) in x's dtype; dweight and dbias (N,) in weight's dtype
              (x's when weight is None), both always computed (the Function drops what is not needed).
    Pitfalls: dx row by row in one kernel; dweight and dbias are sums over all M rows -- a reduction across
              programs: partial sums per program into a buffer, then a second kernel adds them up in a
              fixed order (deterministic: no tl.atomic_add on floats); the same masks and strides as
              forward; accumulate in float32.
    Example:
        >>> x = torch.tensor([[1.0, 2.0, 4.0]])
        >>> _, mean, rstd = layer_norm_fwd(x, None, None)
        >>> dx, dw, db = layer_norm_bwd(torch.ones(1, 3), x, None, mean, rstd)
        >>> dx.abs().max() < 1e-6, db  # a constant shift moves nothing
        (tensor(True), tensor([1., 1., 1.]))
    """
    ### BEGIN SOLUTION layer_norm_triton.5: allocate dx and the (G, N) partial buffers, launch the dx kernel on G programs, then the column-sum kernel
    x = _rows(x, "x")
    dy = _rows(dy, "dy")
    if dy.shape != x.shape:
        raise ValueError(f"dy {tuple(dy.shape)} must have x's shape {tuple(x.shape)}")
    m, n = x.shape
    acc_dtype = mean.dtype
    block = _block_size(n, x.element_size())
    # programs: enough to fill a GPU, few enough that the (G, N) partials stay small
    sms = torch.cuda.get_device_properties(x.device).multi_processor_count if x.is_cuda else 1
    g = min(m, 4 * sms)
    dx = torch.empty((m, n), dtype=x.dtype, device=x.device)
    partial_dw = torch.empty((g, n), dtype=acc_dtype, device=x.device)
    partial_db = torch.empty((g, n), dtype=acc_dtype, device=x.device)
    sums = torch.empty((m, 2), dtype=acc_dtype, device=x.device)
    _layer_norm_bwd_dx_kernel[(g,)](
        dy,
        x,
        weight if weight is not None else x,
        mean,
        rstd,
        dx,
        partial_dw,
        partial_db,
        sums,
        dy.stride(0),
        x.stride(0),
        dx.stride(0),
        m,
        n,
        g,
        HAS_WEIGHT=weight is not None,
        BLOCK_SIZE=block,
        num_warps=min(max(block // 256, 1), 16),
    )
    param_dtype = weight.dtype if weight is not None else x.dtype
    dweight = torch.empty(n, dtype=param_dtype, device=x.device)
    dbias = torch.empty(n, dtype=param_dtype, device=x.device)
    # a GPU wants many small programs; the interpreter pays ~5 ms per program, so there: few wide ones
    col_block = min(triton.next_power_of_2(n), 128 if x.is_cuda else block)
    _layer_norm_bwd_dwdb_kernel[(triton.cdiv(n, col_block),)](
        partial_dw, partial_db, dweight, dbias, g, n, BLOCK_SIZE=col_block
    )
    return dx, dweight, dbias
    ### END SOLUTION


class LayerNormTritonFunction(torch.autograd.Function):
    """autograd for the Triton kernels: ``LayerNormTritonFunction.apply(x, weight, bias, eps)``.

    x is (..., N): the leading dims are flattened into M rows; weight and bias are (N,) or None.
    """

    @staticmethod
    def forward(
        ctx, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
    ) -> Tensor:
        """y = layer_norm_fwd of x's rows, reshaped to x's shape; saves x, weight, mean and rstd.

        Shapes:   x (..., N) -> y of x's shape and dtype; weight, bias (N,) or None.
        Pitfalls: flatten with x.reshape(-1, N) (a view when it can be); save mean and rstd, not var.
        Example:
            >>> LayerNormTritonFunction.apply(torch.tensor([[1.0, 3.0]]), None, None, 0.0)
            tensor([[-1.,  1.]])
        """
        ### BEGIN SOLUTION layer_norm_triton.6: flatten the leading dims, call layer_norm_fwd, save what backward needs
        n = x.shape[-1]
        for name, p in (("weight", weight), ("bias", bias)):
            if p is not None and tuple(p.shape) != (n,):
                raise ValueError(
                    f"{name} {tuple(p.shape)} must be (N,) = ({n},) for x {tuple(x.shape)}"
                )
        x2 = x.reshape(-1, n)
        y, mean, rstd = layer_norm_fwd(x2, weight, bias, eps)
        ctx.save_for_backward(x2, weight, mean, rstd)
        ctx.has_bias = bias is not None
        ctx.bias_dtype = None if bias is None else bias.dtype
        return y.reshape(x.shape)
        ### END SOLUTION

    @staticmethod
    def backward(ctx, dy: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None, None]:
        """(dx, dweight, dbias, None) from layer_norm_bwd; None where an input is None or needs no grad.

        Pitfalls: dy may be non-contiguous (the gradient of a sum is an expanded view): reshape it to
                  (M, N) first; dbias in bias's dtype.
        """
        ### BEGIN SOLUTION layer_norm_triton.7: reshape dy to (M, N), call layer_norm_bwd, return each gradient in its input's shape and dtype
        x2, weight, mean, rstd = ctx.saved_tensors
        dx, dweight, dbias = layer_norm_bwd(dy.reshape(x2.shape), x2, weight, mean, rstd)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        return (
            dx.reshape(dy.shape) if need_x else None,
            dweight if need_w and weight is not None else None,
            dbias.to(ctx.bias_dtype) if need_b and ctx.has_bias else None,
            None,
        )
        ### END SOLUTION


class TritonLayerNorm(nn.Module):
    """``torch.nn.LayerNorm`` over the last dim, computed by the Triton kernels.

    The same constructor and results as ``torch.nn.LayerNorm(normalized_shape, ...)`` where
    normalized_shape is an int or a 1-tuple (one trailing dim): weight ones, bias zeros, extra_repr alike.

    Example:
        >>> TritonLayerNorm(4)
        TritonLayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int] | list[int] | torch.Size,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        """Store the configuration and create weight (ones) and bias (zeros), as torch.nn.LayerNorm does.

        Pitfalls: normalized_shape is one trailing dim (an int or a 1-tuple): anything longer raises
                  ValueError; elementwise_affine=False -> no parameters; bias=False -> no bias; register
                  absent parameters with self.register_parameter(name, None).
        """
        super().__init__()
        ### BEGIN SOLUTION layer_norm_triton.8: normalized_shape as a 1-tuple, eps, elementwise_affine; weight ones and bias zeros (or None)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        if len(self.normalized_shape) != 1:
            raise ValueError(
                f"TritonLayerNorm normalizes over the last dim only: normalized_shape must be an int "
                f"or a 1-tuple, got {self.normalized_shape}"
            )
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        factory = {"device": device, "dtype": dtype}
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape, **factory))
            if bias:
                self.bias = nn.Parameter(torch.zeros(self.normalized_shape, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        ### END SOLUTION

    def forward(self, x: Tensor) -> Tensor:
        """LayerNormTritonFunction.apply(x, self.weight, self.bias, self.eps): x (..., N) -> x's shape."""
        ### BEGIN SOLUTION layer_norm_triton.9: check x's last dim and call LayerNormTritonFunction
        if x.ndim == 0 or x.shape[-1] != self.normalized_shape[0]:
            raise ValueError(
                f"TritonLayerNorm{self.normalized_shape} expects an input of shape (*, "
                f"{self.normalized_shape[0]}), got {tuple(x.shape)}"
            )
        return LayerNormTritonFunction.apply(x, self.weight, self.bias, self.eps)
        ### END SOLUTION

    def extra_repr(self) -> str:
        """The same text as torch.nn.LayerNorm's extra_repr."""
        ### BEGIN SOLUTION layer_norm_triton.10: torch.nn.LayerNorm's extra_repr text
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )
        ### END SOLUTION
