"""torch on the CPU without the costs a small experiment does not need: for the labs' tools and the public tests.

- ``skip_compiler_marks()``: eager torch (an optimizer's zero_grad, ops on the 'meta' device) without importing
  ``torch._dynamo``;
- ``eager(optimizer)``: an optimizer whose step() calls torch's update directly (same numbers, no import);
- ``eager_optimizers()``: the same for every optimizer built while the block runs (your own code builds it);
- ``one_thread()``: torch on one thread while small networks train;
- ``gradcheck(fn, inputs)``: torch.autograd.gradcheck without importing sympy (``concrete_shapes()``).

Why: torch.optim wraps a few methods so that torch.compile never traces them, and that wrapper imports
torch._dynamo -- about as long as importing torch itself -- the first time one is called, only to leave a mark
for a compiler these experiments never use. Nothing here changes a number: the update, the gradients, the
order of operations are torch's own. Where torch's wrappers are not the ones this was written for (another
torch version), everything here steps aside and torch behaves as usual.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

_MARKED = False


def skip_compiler_marks() -> None:
    """Let torch run eagerly without importing torch._dynamo to leave marks for a compiler nobody calls.

    Many of torch's Python functions (torch.optim's zero_grad and add_param_group, the reference
    implementations that run ops on the 'meta' device, ...) are wrapped so that torch.compile never traces
    them; on its first call the wrapper imports torch._dynamo (about as long as importing torch itself)
    only to build that mark, and caches it on the function. This fills each cache with the function itself,
    so eager calls run exactly as before, without the import. Call it once, before anything is compiled; it
    does nothing when torch._dynamo is already imported (a compiler is in use: its marks are needed), or
    when torch's wrapper is not the one this was written for (then the import simply happens)."""
    global _MARKED
    if _MARKED or "torch._dynamo" in sys.modules:
        return
    _MARKED = True
    try:
        import gc

        from torch._compile import _disable_dynamo

        code = _disable_dynamo(lambda: None).__code__
    except Exception:
        return
    function = type(skip_compiler_marks)
    for obj in gc.get_objects():  # the wrappers that exist now (about 300 after `import torch`)
        if type(obj) is not function or obj.__code__ is not code or not obj.__closure__:
            continue
        cells = dict(zip(code.co_freevars, obj.__closure__, strict=False))
        fn = cells["fn"].cell_contents if "fn" in cells else None
        if fn is not None and getattr(fn, "__dynamo_disable", None) is None:
            try:
                fn.__dynamo_disable = fn
            except (
                AttributeError,
                TypeError,
            ):  # a builtin or a slotted callable: left as torch made it
                continue


def eager(optimizer: Any) -> Any:
    """The same optimizer, its step() calling torch's update directly.

    torch.optim's step() goes through a wrapper that imports torch._dynamo on every call (the first one
    costs about a second) to mark a graph break for torch.compile, and calls the update with gradients
    off. This instance's step() does the latter only: the same update, the same numbers. An object that
    is not such a torch optimizer (your own, say) is returned as it is."""
    skip_compiler_marks()
    fn, chain = type(optimizer).step, []
    while hasattr(fn, "__wrapped__"):
        chain.append(getattr(getattr(fn, "__code__", None), "co_name", ""))
        fn = fn.__wrapped__
    if "_use_grad" not in chain or not hasattr(optimizer, "defaults"):
        return optimizer
    import torch

    update = fn

    def step(closure: Any = None) -> Any:
        with torch.set_grad_enabled(bool(optimizer.defaults.get("differentiable", False))):
            return update(optimizer, closure)

    optimizer.step = step
    return optimizer


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch on one thread while the labs' small nets train (restored afterwards): for layers of 64 units,
    a second thread costs more in hand-offs than it saves, and on a busy machine far more."""
    import torch

    skip_compiler_marks()
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _update(step: Any) -> Any:
    """torch's own update under a step() wrapped to import torch._dynamo, or None when it is not so wrapped."""
    fn, chain = step, []
    while hasattr(fn, "__wrapped__"):
        chain.append(getattr(getattr(fn, "__code__", None), "co_name", ""))
        fn = fn.__wrapped__
    return fn if "_use_grad" in chain else None


@contextlib.contextmanager
def eager_optimizers() -> Iterator[None]:
    """While the block runs, every torch.optim optimizer class steps as ``eager`` does: code that builds its
    own optimizer (a training function under test) trains with the same numbers, without importing
    torch._dynamo. The classes are restored afterwards."""
    import torch

    skip_compiler_marks()
    patched: list[tuple[type, Any]] = []
    classes = [torch.optim.Optimizer]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        step = vars(cls).get("step")
        update = _update(step) if step is not None else None
        if update is None:
            continue

        def eager_step(self: Any, closure: Any = None, _update: Any = update) -> Any:
            with torch.set_grad_enabled(bool(self.defaults.get("differentiable", False))):
                return _update(self, closure)

        patched.append((cls, step))
        cls.step = eager_step
    try:
        yield
    finally:
        for cls, step in patched:
            cls.step = step


def backward(out: Any, grad: Any) -> None:
    """``out.backward(grad)`` itself, without importing torch's symbolic-shape machinery (and sympy with it):
    handed a gradient tensor, torch.autograd checks its shape through that module; :func:`concrete_shapes`
    answers for plain sizes."""
    with concrete_shapes():
        out.backward(grad)


_SHAPES = "torch.fx.experimental.symbolic_shapes"


def _real_shapes() -> Any:
    """torch's own symbolic-shapes module, imported now (the stand-in steps aside for good)."""
    import importlib

    if getattr(sys.modules.get(_SHAPES), "_normlab_stand_in", False):
        del sys.modules[_SHAPES]
    return importlib.import_module(_SHAPES)


def _stand_in() -> Any:
    """A module under torch's symbolic-shapes name with the two functions torch.autograd calls to compare a
    gradient's shape with its output's: for plain ints and bools they are ``==`` and the bool itself, as in
    torch's own module; anything else (a symbolic size, any other name) imports the real module and uses it."""
    import types

    module = types.ModuleType(_SHAPES)
    module._normlab_stand_in = True

    def sym_eq(x: Any, y: Any) -> Any:
        if isinstance(x, (tuple, list)) and isinstance(y, (tuple, list)):
            return len(x) == len(y) and all(sym_eq(a, b) for a, b in zip(x, y, strict=True))
        if type(x) is int and type(y) is int:
            return x == y
        return _real_shapes().sym_eq(x, y)

    def expect_true(a: Any, skip: int = 0) -> Any:
        return a if type(a) is bool else _real_shapes().expect_true(a, skip)

    def __getattr__(name: str) -> Any:
        if name.startswith(
            "__"
        ):  # what the import system asks of any module (__path__, ...): not a use
            raise AttributeError(name)
        return getattr(_real_shapes(), name)

    module.sym_eq, module.expect_true, module.__getattr__ = sym_eq, expect_true, __getattr__
    return module


@contextlib.contextmanager
def concrete_shapes() -> Iterator[None]:
    """While the block runs, torch.autograd compares a given gradient's shape with its output's without
    importing torch's symbolic-shape machinery (and sympy with it: about half a second). Tensors with plain
    sizes get the same comparison (``==``); anything else, or any other use of that module, imports the real one.
    Does nothing when the real module is already imported."""
    if _SHAPES in sys.modules:
        yield
        return
    module = _stand_in()
    sys.modules[_SHAPES] = module
    try:
        yield
    finally:
        if sys.modules.get(_SHAPES) is module:
            del sys.modules[_SHAPES]


def gradcheck(fn: Any, inputs: Any, **kwargs: Any) -> bool:
    """``torch.autograd.gradcheck(fn, inputs, **kwargs)``: the same check, the same result, under
    :func:`concrete_shapes` (gradcheck hands torch.autograd gradient tensors of known shapes)."""
    import torch

    with concrete_shapes():
        return torch.autograd.gradcheck(fn, inputs, **kwargs)
