"""Forbidden APIs per exercise group: one table, a static check on the submitted source, names for the guard.

A learner must write the computation, not call it (SPEC.md, "Forbidden APIs"). Two layers enforce RULES:

- ``static_check(source, group)`` runs in the trusted parent on the submitted file's AST. It resolves import
  aliases (``import torch.nn.functional as F``, ``from torch.nn import init``), simple assignments
  (``ln = F.layer_norm``), ``getattr(x, "name")`` and ``importlib.import_module("...")`` with constant strings,
  and attributes each hit to the graded function it sits in (a private helper's hit is charged to the graded
  functions that call it).
- grader/inside/guard.py refuses the same names at run time in the worker (wrapped callables, a TorchFunctionMode and,
  for aten-level names, a TorchDispatchMode), which also catches names built at run time.

A hit scores 0 for the cases of the function it is charged to, with "API not allowed: <name>".
Worker side too: standard library only, no other part of ``grader``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rules:
    """What graded code of one group must not use."""

    torch_free: bool = False  # no torch at all inside graded functions (numpy group)
    refs: tuple[str, ...] = ()  # dotted names (and everything under them) never to be used
    calls: tuple[
        str, ...
    ] = ()  # dotted names refused when called or subclassed (isinstance is fine)
    methods: tuple[
        str, ...
    ] = ()  # method names refused when called on anything (x.reset_parameters())
    aten: tuple[str, ...] = ()  # fragments of aten op names refused at dispatch level
    no_autograd_in: tuple[str, ...] = ()  # method names inside which autograd is refused
    code_files: tuple[str, ...] = ()  # torch source files whose functions graded code must not run
    why: str = ""  # shown after the refused name
    hint: str | None = None  # id in exercises/feedback/hints.py shown with a refusal
    autograd_hint: str | None = None  # ... with a refusal of autograd inside backward

    def hint_for(self, api: str) -> str | None:
        if api in THREAD_STARTERS:
            return None
        return self.autograd_hint if "inside backward" in api else self.hint

    def why_for(self, api: str) -> str:
        return THREAD_WHY if api in THREAD_STARTERS else self.why

    @property
    def active(self) -> bool:
        return bool(
            self.torch_free
            or self.refs
            or self.calls
            or self.methods
            or self.aten
            or self.no_autograd_in
        )


# Refused in every group with rules when graded code calls them: torch's modes are per thread and a new thread's
# stack does not show the graded code that started it, so what it ran would go unchecked. Dotted names (the guard
# resolves each to its module or class and attribute); threading.Thread.start ends in threading._start_new_thread,
# an alias of _thread's (Python 3.13: the joinable ones).
THREAD_STARTERS = (
    "threading.Thread.start",
    "threading._start_new_thread",
    "threading._start_joinable_thread",
    "_thread.start_new_thread",
    "_thread.start_joinable_thread",
)
THREAD_WHY = "graded code runs on one thread: the checks cannot follow another"

AUTOGRAD = ("torch.autograd", "torch.enable_grad", "torch.set_grad_enabled", "torch.func")

RULES: dict[str, Rules] = {
    "layer_norm": Rules(torch_free=True, why="layer_norm is numpy only"),
    "layer_norm_torch": Rules(
        refs=(
            "torch.nn.functional.layer_norm",
            "torch.layer_norm",
            "torch.native_layer_norm",
            "torch.nn.functional.group_norm",
            "torch.group_norm",
            "torch.native_group_norm",
            "torch._C._nn.layer_norm",
            # layer norm too, given the right view of x: batch/instance norm of the transposed rows, RMS
            # norm of x - mean
            "torch.nn.functional.batch_norm",
            "torch.batch_norm",
            "torch.native_batch_norm",
            "torch.nn.functional.instance_norm",
            "torch.instance_norm",
            "torch.nn.functional.rms_norm",
            "torch.rms_norm",
            # torch's Python decompositions and references compute layer norm and its backward from
            # elementary ops (no layer_norm op reaches the dispatcher): refused by name and, when reached
            # some other way, by code file
            "torch._decomp",
            "torch._refs",
            "torch._prims",
        ),
        calls=(
            "torch.nn.LayerNorm",
            "torch.nn.GroupNorm",
            "torch.nn.modules.normalization.LayerNorm",
            "torch.nn.modules.normalization.GroupNorm",
            "torch.nn.modules.LayerNorm",
            "torch.nn.modules.GroupNorm",
        ),
        # = exercises/feedback/checks.py TORCH_NORMALIZATIONS (a kit test keeps them equal); modules such as nn.BatchNorm1d
        # or nn.RMSNorm reach these ops too
        aten=("layer_norm", "group_norm", "batch_norm", "instance_norm", "rms_norm"),
        code_files=(
            "torch/_decomp/decompositions.py",
            "torch/_decomp/decompositions_for_jvp.py",
            "torch/_refs/__init__.py",
            "torch/_refs/nn/functional/__init__.py",
        ),
        no_autograd_in=("backward",),
        why="write the normalization yourself",
        hint="lnt-forbidden-api",
        autograd_hint="lnt-autograd-in-backward",
    ),
    "initializers": Rules(
        refs=("torch.nn.init",),
        methods=("reset_parameters",),
        code_files=("torch/nn/init.py",),
        why="write the initializer yourself",
    ),
    "histograms": Rules(),
    # the wrappers only allocate, reshape and launch: torch's normalizations and reductions would compute the
    # statistics or the weight gradients outside the kernels (tensor methods are refused at run time)
    "layer_norm_triton": Rules(
        refs=(
            "torch.nn.functional.layer_norm",
            "torch.layer_norm",
            "torch.native_layer_norm",
            "torch.nn.functional.group_norm",
            "torch.group_norm",
            "torch.nn.functional.batch_norm",
            "torch.batch_norm",
            "torch.nn.functional.instance_norm",
            "torch.nn.functional.rms_norm",
            "torch.rms_norm",
            "torch.sum",
            "torch.mean",
            "torch.var",
            "torch.std",
            "torch.var_mean",
            "torch.std_mean",
            "torch.nansum",
            "torch.nanmean",
            "torch.norm",
            "torch.linalg",
            "torch.einsum",
            "torch.matmul",
            "torch.mm",
            "torch.mv",
            "Tensor.sum",
            "Tensor.mean",
            "Tensor.var",
            "Tensor.std",
            "Tensor.norm",
            "Tensor.nansum",
            "Tensor.nanmean",
            "Tensor.matmul",
            "Tensor.mm",
            "Tensor.mv",
            "Tensor.__matmul__",
            "torch._decomp",
            "torch._refs",
        ),
        calls=("torch.nn.LayerNorm", "torch.nn.modules.normalization.LayerNorm"),
        aten=("layer_norm", "group_norm", "batch_norm", "instance_norm", "rms_norm"),
        why="compute it in your Triton kernels",
        hint="tri-forbidden-api",
    ),
    "labs": Rules(),
}


def rules_for(group: str) -> Rules:
    return RULES.get(group, Rules())


def matches(rules: Rules, dotted: str, *, called: bool = False) -> str | None:
    """The rule name ``dotted`` falls under, or None. A torch-free group refuses torch *calls* only
    (``isinstance(x, torch.Tensor)`` is not a computation)."""
    if rules.torch_free and called and (dotted == "torch" or dotted.startswith("torch.")):
        return dotted
    for ref in rules.refs:
        if dotted == ref or dotted.startswith(ref + "."):
            return dotted
    if dotted.startswith("torch.ops.") and any(a in dotted.rsplit(".", 1)[-1] for a in rules.aten):
        return dotted
    if dotted.startswith("torch.ops.") and any(f".{a}" in dotted for a in rules.aten):
        return dotted
    if called:
        for name in rules.calls:
            if dotted == name:
                return dotted
    return None
