"""Layer normalization as Triton kernels -- blind learner solution, style "lane Welford".

Stylistic differences from an obvious reference:
- forward statistics by Welford's online algorithm, one independent (count, mean, M2) per lane of
  the block while walking the row, merged at the end with Chan's parallel formula
  (mean = sum(c_j mu_j) / N, M2 = sum(M2_j) + sum(c_j (mu_j - mean)^2)): x is read twice (stats,
  output) instead of three times; rstd with tl.rsqrt;
- backward dx kernel in two phases: first the per-row statistics of all my rows go to the Sums
  scratch, then the columns are walked block by block with dweight/dbias partials in registers
  across my rows and written once (tl.debug_barrier between the phases);
- G = cdiv(M, 8) programs (about 8 rows each); partial buffers are torch.empty (every element is
  written exactly once);
- the column-sum kernel loads (BLOCK_G, BLOCK_SIZE) tiles of the partials and reduces each tile
  with tl.sum(axis=0), accumulating the tiles in order (deterministic, but a tree order inside a
  tile rather than strictly 0, 1, ..., G-1);
- dx from the staged chain rule: dx = rstd * dxhat - rstd * mean(dxhat) - xhat * rstd * mean(dxhat*xhat);
- the module stores normalized_shape from a list(), checks x's last dim with RuntimeError
  (what torch.nn.LayerNorm raises), and fills the parameters through .data.
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
ROWS_PER_PROGRAM = 8


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
    row = tl.program_id(0)
    cdt = Mean.dtype.element_ty
    lanes = tl.arange(0, BLOCK_SIZE)
    X += row * stride_x
    Y += row * stride_y

    cnt = tl.zeros([BLOCK_SIZE], dtype=cdt)
    mu = tl.zeros([BLOCK_SIZE], dtype=cdt)
    m2 = tl.zeros([BLOCK_SIZE], dtype=cdt)
    for start in range(0, N, BLOCK_SIZE):
        cols = start + lanes
        inside = cols < N
        xv = tl.load(X + cols, mask=inside, other=0.0).to(cdt)
        new_cnt = cnt + tl.where(inside, 1.0, 0.0).to(cdt)
        delta = xv - mu
        new_mu = mu + delta / tl.maximum(new_cnt, 1.0)
        mu = tl.where(inside, new_mu, mu)
        m2 = tl.where(inside, m2 + delta * (xv - new_mu), m2)
        cnt = new_cnt
    mean = tl.sum(cnt * mu, axis=0) / N
    spread = mu - mean
    var = (tl.sum(m2, axis=0) + tl.sum(cnt * spread * spread, axis=0)) / N
    rstd = tl.rsqrt(var + eps)
    tl.store(Mean + row, mean)
    tl.store(Rstd + row, rstd)

    for start in range(0, N, BLOCK_SIZE):
        cols = start + lanes
        inside = cols < N
        xv = tl.load(X + cols, mask=inside, other=0.0).to(cdt)
        out = (xv - mean) * rstd
        if HAS_WEIGHT:
            out *= tl.load(W + cols, mask=inside, other=1.0).to(cdt)
        if HAS_BIAS:
            out += tl.load(B + cols, mask=inside, other=0.0).to(cdt)
        tl.store(Y + cols, out.to(Y.dtype.element_ty), mask=inside)


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
    p = tl.program_id(0)
    cdt = Mean.dtype.element_ty
    lanes = tl.arange(0, BLOCK_SIZE)

    # phase 1: per row, mean(dxhat) and mean(dxhat * xhat) -> Sums[row]
    for r in range(p, M, G):
        mean = tl.load(Mean + r)
        rstd = tl.load(Rstd + r)
        a1 = tl.zeros([BLOCK_SIZE], dtype=cdt)
        a2 = tl.zeros([BLOCK_SIZE], dtype=cdt)
        for start in range(0, N, BLOCK_SIZE):
            cols = start + lanes
            inside = cols < N
            xv = tl.load(X + r * stride_x + cols, mask=inside, other=0.0).to(cdt)
            dyv = tl.load(DY + r * stride_dy + cols, mask=inside, other=0.0).to(cdt)
            if HAS_WEIGHT:
                dyv = dyv * tl.load(W + cols, mask=inside, other=0.0).to(cdt)
            xhat = (xv - mean) * rstd
            a1 += dyv
            a2 += dyv * xhat  # dyv is 0 on padding lanes
        tl.store(Sums + 2 * r, tl.sum(a1, axis=0) / N)
        tl.store(Sums + 2 * r + 1, tl.sum(a2, axis=0) / N)
    tl.debug_barrier()

    # phase 2: column block by column block; partials in registers across my rows
    for start in range(0, N, BLOCK_SIZE):
        cols = start + lanes
        inside = cols < N
        pdw = tl.zeros([BLOCK_SIZE], dtype=cdt)
        pdb = tl.zeros([BLOCK_SIZE], dtype=cdt)
        if HAS_WEIGHT:
            wv = tl.load(W + cols, mask=inside, other=0.0).to(cdt)
        for r in range(p, M, G):
            mean = tl.load(Mean + r)
            rstd = tl.load(Rstd + r)
            c1 = tl.load(Sums + 2 * r)
            c2 = tl.load(Sums + 2 * r + 1)
            xv = tl.load(X + r * stride_x + cols, mask=inside, other=0.0).to(cdt)
            dyv = tl.load(DY + r * stride_dy + cols, mask=inside, other=0.0).to(cdt)
            xhat = (xv - mean) * rstd
            if HAS_WEIGHT:
                dxhat = dyv * wv
            else:
                dxhat = dyv
            dxv = rstd * dxhat - rstd * c1 - xhat * (rstd * c2)
            tl.store(DX + r * stride_dx + cols, dxv.to(DX.dtype.element_ty), mask=inside)
            pdw += dyv * xhat
            pdb += dyv
        tl.store(PartialDW + p * N + cols, pdw, mask=inside)
        tl.store(PartialDB + p * N + cols, pdb, mask=inside)


@triton.jit
def _layer_norm_bwd_dwdb_kernel(PartialDW, PartialDB, DW, DB, G, N, BLOCK_SIZE: tl.constexpr):
    BLOCK_G: tl.constexpr = 8
    pid = tl.program_id(0)
    cols = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    col_ok = cols < N
    cdt = PartialDW.dtype.element_ty
    tot_w = tl.zeros([BLOCK_SIZE], dtype=cdt)
    tot_b = tl.zeros([BLOCK_SIZE], dtype=cdt)
    for g0 in range(0, G, BLOCK_G):
        rows = g0 + tl.arange(0, BLOCK_G)
        ok = (rows[:, None] < G) & col_ok[None, :]
        offs = rows[:, None] * N + cols[None, :]
        tot_w += tl.sum(tl.load(PartialDW + offs, mask=ok, other=0.0), axis=0)
        tot_b += tl.sum(tl.load(PartialDB + offs, mask=ok, other=0.0), axis=0)
    tl.store(DW + cols, tot_w.to(DW.dtype.element_ty), mask=col_ok)
    tl.store(DB + cols, tot_b.to(DB.dtype.element_ty), mask=col_ok)


def _cdt(x: Tensor) -> torch.dtype:
    return torch.promote_types(x.dtype, torch.float32)


def layer_norm_fwd(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
) -> tuple[Tensor, Tensor, Tensor]:
    x = _rows(x, "x")
    M, N = x.shape
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (N,):
            raise ValueError(f"{name} of shape {tuple(t.shape)} does not match x's rows of {N}")
    y = torch.empty_like(x, memory_format=torch.contiguous_format)
    stats = torch.empty((2, M), dtype=_cdt(x), device=x.device)
    mean, rstd = stats[0], stats[1]
    if M > 0:
        _layer_norm_fwd_kernel[(M,)](
            x,
            y,
            weight.contiguous() if weight is not None else y,
            bias.contiguous() if bias is not None else y,
            mean,
            rstd,
            x.stride(0),
            y.stride(0),
            N,
            eps,
            HAS_WEIGHT=weight is not None,
            HAS_BIAS=bias is not None,
            BLOCK_SIZE=_block_size(N, x.element_size()),
        )
    return y, mean, rstd


def layer_norm_bwd(
    dy: Tensor, x: Tensor, weight: Tensor | None, mean: Tensor, rstd: Tensor
) -> tuple[Tensor, Tensor | None, Tensor | None]:
    x = _rows(x, "x")
    dy = _rows(dy, "dy")
    M, N = x.shape
    if tuple(dy.shape) != (M, N):
        raise ValueError(f"dy has shape {tuple(dy.shape)}, x has {(M, N)}")
    cdt = _cdt(x)
    grad_dtype = x.dtype if weight is None else weight.dtype
    dx = torch.empty((M, N), dtype=x.dtype, device=x.device)
    dw = torch.empty(N, dtype=grad_dtype, device=x.device)
    db = torch.empty(N, dtype=grad_dtype, device=x.device)
    G = max(1, triton.cdiv(M, ROWS_PER_PROGRAM))
    partial_dw = torch.empty((G, N), dtype=cdt, device=x.device)
    partial_db = torch.empty((G, N), dtype=cdt, device=x.device)
    if M == 0:
        partial_dw.fill_(0)
        partial_db.fill_(0)
    else:
        sums = torch.empty((M, 2), dtype=cdt, device=x.device)
        _layer_norm_bwd_dx_kernel[(G,)](
            dy,
            x,
            weight.contiguous() if weight is not None else x,
            mean.to(cdt).contiguous(),
            rstd.to(cdt).contiguous(),
            dx,
            partial_dw,
            partial_db,
            sums,
            dy.stride(0),
            x.stride(0),
            dx.stride(0),
            M,
            N,
            G,
            HAS_WEIGHT=weight is not None,
            BLOCK_SIZE=_block_size(N, x.element_size()),
        )
    cb = min(256, triton.next_power_of_2(N))
    _layer_norm_bwd_dwdb_kernel[(triton.cdiv(N, cb),)](
        partial_dw, partial_db, dw, db, G, N, BLOCK_SIZE=cb
    )
    return dx, dw, db


class LayerNormTritonFunction(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5
    ) -> Tensor:
        shape = x.shape
        rows = x.reshape(-1, shape[-1])
        y, mean, rstd = layer_norm_fwd(rows, weight, bias, eps)
        ctx.save_for_backward(rows, weight, bias, mean, rstd)
        return y.view(shape)

    @staticmethod
    def backward(ctx, dy: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None, None]:
        rows, weight, bias, mean, rstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grads = [None, None, None, None]
        if not (need_x or need_w or need_b):
            return tuple(grads)
        dx, dw, db = layer_norm_bwd(dy.reshape(rows.shape), rows, weight, mean, rstd)
        if need_x:
            grads[0] = dx.view(dy.shape)
        if weight is not None and need_w:
            grads[1] = dw.to(weight.dtype)
        if bias is not None and need_b:
            grads[2] = db.to(bias.dtype)
        return tuple(grads)


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
        dims = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
        if len(dims) != 1:
            raise ValueError(
                f"normalized_shape must be one trailing dim (an int or a 1-tuple), got {normalized_shape!r}"
            )
        self.normalized_shape = (int(dims[0]),)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        opts = dict(device=device, dtype=dtype)
        self.register_parameter(
            "weight",
            nn.Parameter(torch.empty(self.normalized_shape, **opts))
            if elementwise_affine
            else None,
        )
        self.register_parameter(
            "bias",
            nn.Parameter(torch.empty(self.normalized_shape, **opts))
            if elementwise_affine and bias
            else None,
        )
        if self.weight is not None:
            self.weight.data.fill_(1)
        if self.bias is not None:
            self.bias.data.fill_(0)

    def forward(self, x: Tensor) -> Tensor:
        (n,) = self.normalized_shape
        if x.dim() == 0 or x.size(-1) != n:
            raise RuntimeError(f"TritonLayerNorm({n}) got an input of shape {tuple(x.shape)}")
        return LayerNormTritonFunction.apply(x, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )
