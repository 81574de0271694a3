"""Layer normalization as Triton kernels -- blind learner solution, style "row loop".

Stylistic differences from an obvious reference:
- forward: one program per row, three block loops (sum -> mean; masked sum of squared deviations
  -> var; output), rstd as 1 / tl.sqrt(var + eps); row offset from the int64 program id;
- backward dx kernel: every program walks its rows p, p + G, ...; for each row it keeps the two
  row sums (sum of dxhat, sum of dxhat * xhat) in registers (the Sums scratch is filled for
  reference but never read back), writes dx, and accumulates its dweight/dbias partials by
  load-add-store into its OWN row of a zero-initialised (G, N) buffer (no race, no atomics);
- the column-sum kernel adds the G partial rows one at a time, in order 0..G-1;
- G = min(M, 32) programs for the dx kernel;
- the module validates normalized_shape via torch.Size, has a reset_parameters, and raises
  ValueError when x's last dim does not match.
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

MAX_BLOCK_BYTES = 65536


def _block_size(n: int, element_size: int) -> int:
    """The power of two that covers a row of n elements, capped at MAX_BLOCK_BYTES of the input."""
    return min(triton.next_power_of_2(n), max(16, MAX_BLOCK_BYTES // element_size))


def _rows(t: Tensor, name: str) -> Tensor:
    """t as (M, N) with unit stride along a row (a copy only when its last dim is strided)."""
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (M, N), got shape {tuple(t.shape)}")
    return t if t.stride(1) == 1 else t.contiguous()


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32


@triton.jit
def _layer_norm_fwd_kernel(
    X,
    Y,
    W,
    B,
    Mean,
    Rstd,
    stride_x,
    stride_y,
    N,
    eps,
    HAS_WEIGHT: tl.constexpr,
    HAS_BIAS: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
):
    row = tl.program_id(0).to(tl.int64)
    cdt = Mean.dtype.element_ty
    x_row = X + row * stride_x
    y_row = Y + row * stride_y
    offs = tl.arange(0, BLOCK_SIZE)

    # pass 1: mean
    acc = tl.zeros([BLOCK_SIZE], dtype=cdt)
    for start in range(0, N, BLOCK_SIZE):
        cols = start + offs
        mask = cols < N
        acc += tl.load(x_row + cols, mask=mask, other=0.0).to(cdt)
    mean = tl.sum(acc, axis=0) / N

    # pass 2: variance from the deviations (padding lanes forced to 0)
    acc2 = tl.zeros([BLOCK_SIZE], dtype=cdt)
    for start in range(0, N, BLOCK_SIZE):
        cols = start + offs
        mask = cols < N
        xv = tl.load(x_row + cols, mask=mask, other=0.0).to(cdt)
        dev = tl.where(mask, xv - mean, 0.0)
        acc2 += dev * dev
    var = tl.sum(acc2, axis=0) / N
    rstd = 1.0 / tl.sqrt(var + eps)
    tl.store(Mean + row, mean)
    tl.store(Rstd + row, rstd)

    # pass 3: output
    for start in range(0, N, BLOCK_SIZE):
        cols = start + offs
        mask = cols < N
        xv = tl.load(x_row + cols, mask=mask, other=0.0).to(cdt)
        yv = (xv - mean) * rstd
        if HAS_WEIGHT:
            yv = yv * tl.load(W + cols, mask=mask, other=0.0).to(cdt)
        if HAS_BIAS:
            yv = yv + tl.load(B + cols, mask=mask, other=0.0).to(cdt)
        tl.store(y_row + cols, yv.to(Y.dtype.element_ty), mask=mask)


@triton.jit
def _layer_norm_bwd_dx_kernel(
    DY,
    X,
    W,
    Mean,
    Rstd,
    DX,
    PartialDW,
    PartialDB,
    Sums,
    stride_dy,
    stride_x,
    stride_dx,
    M,
    N,
    G,
    HAS_WEIGHT: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
):
    pid = tl.program_id(0)
    cdt = Mean.dtype.element_ty
    offs = tl.arange(0, BLOCK_SIZE)
    pdw_row = PartialDW + pid.to(tl.int64) * N
    pdb_row = PartialDB + pid.to(tl.int64) * N
    for r in range(pid, M, G):
        row = r
        x_row = X + row * stride_x
        dy_row = DY + row * stride_dy
        dx_row = DX + row * stride_dx
        mean = tl.load(Mean + row).to(cdt)
        rstd = tl.load(Rstd + row).to(cdt)
        # the two row reductions: sum(dxhat) and sum(dxhat * xhat)
        s_g = tl.zeros([BLOCK_SIZE], dtype=cdt)
        s_gx = tl.zeros([BLOCK_SIZE], dtype=cdt)
        for start in range(0, N, BLOCK_SIZE):
            cols = start + offs
            mask = cols < N
            xv = tl.load(x_row + cols, mask=mask, other=0.0).to(cdt)
            dyv = tl.load(dy_row + cols, mask=mask, other=0.0).to(cdt)
            xhat = tl.where(mask, (xv - mean) * rstd, 0.0)
            g = dyv
            if HAS_WEIGHT:
                g = g * tl.load(W + cols, mask=mask, other=0.0).to(cdt)
            s_g += g
            s_gx += g * xhat
        mean_g = tl.sum(s_g, axis=0) / N
        mean_gx = tl.sum(s_gx, axis=0) / N
        tl.store(Sums + row * 2, mean_g)
        tl.store(Sums + row * 2 + 1, mean_gx)
        # dx, and this program's partial sums of dweight / dbias
        for start in range(0, N, BLOCK_SIZE):
            cols = start + offs
            mask = cols < N
            xv = tl.load(x_row + cols, mask=mask, other=0.0).to(cdt)
            dyv = tl.load(dy_row + cols, mask=mask, other=0.0).to(cdt)
            xhat = tl.where(mask, (xv - mean) * rstd, 0.0)
            g = dyv
            if HAS_WEIGHT:
                g = g * tl.load(W + cols, mask=mask, other=0.0).to(cdt)
            dxv = rstd * (g - mean_g - xhat * mean_gx)
            tl.store(dx_row + cols, dxv.to(DX.dtype.element_ty), mask=mask)
            pdw = tl.load(pdw_row + cols, mask=mask, other=0.0)
            pdb = tl.load(pdb_row + cols, mask=mask, other=0.0)
            tl.store(pdw_row + cols, pdw + dyv * xhat, mask=mask)
            tl.store(pdb_row + cols, pdb + dyv, mask=mask)


@triton.jit
def _layer_norm_bwd_dwdb_kernel(PartialDW, PartialDB, DW, DB, G, N, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0)
    cols = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = cols < N
    cdt = PartialDW.dtype.element_ty
    acc_w = tl.zeros([BLOCK_SIZE], dtype=cdt)
    acc_b = tl.zeros([BLOCK_SIZE], dtype=cdt)
    for g in range(0, G):
        base = g * N
        acc_w += tl.load(PartialDW + base + cols, mask=mask, other=0.0)
        acc_b += tl.load(PartialDB + base + cols, mask=mask, other=0.0)
    tl.store(DW + cols, acc_w.to(DW.dtype.element_ty), mask=mask)
    tl.store(DB + cols, acc_b.to(DB.dtype.element_ty), mask=mask)


def _check_vec(t: Tensor | None, n: int, name: str) -> None:
    if t is not None and tuple(t.shape) != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {tuple(t.shape)}")


def layer_norm_fwd(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
) -> tuple[Tensor, Tensor, Tensor]:
    x = _rows(x, "x")
    m, n = x.shape
    _check_vec(weight, n, "weight")
    _check_vec(bias, n, "bias")
    cdt = _compute_dtype(x.dtype)
    y = torch.empty((m, n), dtype=x.dtype, device=x.device)
    mean = torch.empty((m,), dtype=cdt, device=x.device)
    rstd = torch.empty((m,), dtype=cdt, device=x.device)
    if m == 0:
        return y, mean, rstd
    w = weight.contiguous() if weight is not None else x
    b = bias.contiguous() if bias is not None else x
    block = _block_size(n, x.element_size())
    _layer_norm_fwd_kernel[(m,)](
        x,
        y,
        w,
        b,
        mean,
        rstd,
        x.stride(0),
        y.stride(0),
        n,
        eps,
        HAS_WEIGHT=weight is not None,
        HAS_BIAS=bias is not None,
        BLOCK_SIZE=block,
    )
    return y, mean, rstd


def layer_norm_bwd(
    dy: Tensor, x: Tensor, weight: Tensor | None, mean: Tensor, rstd: Tensor
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    x = _rows(x, "x")
    dy = _rows(dy, "dy")
    if dy.shape != x.shape:
        raise ValueError(f"dy shape {tuple(dy.shape)} differs from x shape {tuple(x.shape)}")
    m, n = x.shape
    _check_vec(weight, n, "weight")
    cdt = _compute_dtype(x.dtype)
    gdt = weight.dtype if weight is not None else x.dtype
    dx = torch.empty((m, n), dtype=x.dtype, device=x.device)
    dweight = torch.empty((n,), dtype=gdt, device=x.device)
    dbias = torch.empty((n,), dtype=gdt, device=x.device)
    if m == 0:
        return dx, dweight.zero_(), dbias.zero_()
    mean = mean.to(cdt).contiguous()
    rstd = rstd.to(cdt).contiguous()
    groups = min(m, 32)
    partial_dw = torch.zeros((groups, n), dtype=cdt, device=x.device)
    partial_db = torch.zeros((groups, n), dtype=cdt, device=x.device)
    sums = torch.empty((m, 2), dtype=cdt, device=x.device)
    w = weight.contiguous() if weight is not None else x
    block = _block_size(n, x.element_size())
    _layer_norm_bwd_dx_kernel[(groups,)](
        dy,
        x,
        w,
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
        groups,
        HAS_WEIGHT=weight is not None,
        BLOCK_SIZE=block,
    )
    col_block = min(triton.next_power_of_2(n), 1024)
    _layer_norm_bwd_dwdb_kernel[(triton.cdiv(n, col_block),)](
        partial_dw, partial_db, dweight, dbias, groups, n, BLOCK_SIZE=col_block
    )
    return dx, dweight, dbias


class LayerNormTritonFunction(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
    ) -> Tensor:
        n = x.shape[-1]
        x2 = x.reshape(-1, n)
        y, mean, rstd = layer_norm_fwd(x2, weight, bias, eps)
        ctx.save_for_backward(x2, weight, mean, rstd)
        ctx.x_shape = x.shape
        ctx.bias_dtype = bias.dtype if bias is not None else None
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, dy: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None, None]:
        x2, weight, mean, rstd = ctx.saved_tensors
        dy2 = dy.reshape(x2.shape)
        dx, dw, db = layer_norm_bwd(dy2, x2, weight, mean, rstd)
        gx = dx.reshape(ctx.x_shape) if ctx.needs_input_grad[0] else None
        gw = dw.to(weight.dtype) if weight is not None and ctx.needs_input_grad[1] else None
        gb = (
            db.to(ctx.bias_dtype)
            if ctx.bias_dtype is not None and ctx.needs_input_grad[2]
            else None
        )
        return gx, gw, gb, None


class TritonLayerNorm(nn.Module):
    def __init__(
        self,
        normalized_shape: int | tuple[int] | list[int] | torch.Size,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        shape = torch.Size(
            [normalized_shape] if isinstance(normalized_shape, int) else normalized_shape
        )
        if len(shape) != 1:
            raise ValueError(
                f"TritonLayerNorm normalizes one trailing dim: normalized_shape must be an int or a "
                f"1-tuple, got {tuple(shape)}"
            )
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(
                torch.empty(self.normalized_shape, device=device, dtype=dtype)
            )
            if bias:
                self.bias = nn.Parameter(
                    torch.empty(self.normalized_shape, device=device, dtype=dtype)
                )
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.fill_(0.0)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 1 or x.shape[-1] != self.normalized_shape[0]:
            raise ValueError(
                f"expected x with last dim {self.normalized_shape[0]}, got shape {tuple(x.shape)}"
            )
        return LayerNormTritonFunction.apply(x, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return "{}, eps={}, elementwise_affine={}, bias={}".format(
            self.normalized_shape, self.eps, self.elementwise_affine, self.bias is not None
        )
