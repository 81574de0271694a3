"""Runtime forbidden-API guard, in the worker while graded code runs (rules: grader/inside/forbidden.py).

Three hooks, so that a name built at run time (``getattr``, ``importlib``, ``torch.ops.aten``) is caught too:

- wrappers around the listed callables in their modules' namespaces (``torch.nn.functional.layer_norm``,
  every function of ``torch.nn.init``, ``torch.autograd.grad`` ...), installed before the graded file is
  imported, so ``from torch.nn.init import kaiming_uniform_`` gets the wrapper;
- a ``TorchFunctionMode`` that sees every torch function and Tensor method call (any torch call in a
  torch-free group; names under a rule; code of torch/nn/init.py running under graded code);
- a ``TorchDispatchMode`` for aten-level names (``aten::native_layer_norm``, however it was reached).

A call is refused only when a function of a graded file is on the stack, so trusted drivers may use anything
(and so may module-level code of the graded file, which runs before any input exists).
A refusal is recorded (``Guard.refusals``: api and the outermost graded function) *and* raised as
:class:`Refused` into the graded code; catching it does not help, the parent reads the record.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from types import CodeType, FrameType, ModuleType
from typing import Any

from .forbidden import AUTOGRAD, THREAD_STARTERS, Rules, matches


class Refused(RuntimeError):
    """A forbidden API was called from graded code."""


class Guard:
    def __init__(self, rules: Rules, graded_files: set[str]) -> None:
        self.rules = rules
        self.graded_files = set(graded_files)
        self.refusals: list[dict[str, str]] = []
        self._modes: list[Any] = []
        self._installed = False
        # (namespace, attribute, original) of every wrapped callable, to restore
        self._originals: list[tuple[Any, str, Any]] = []

    # --- who is calling ---------------------------------------------------------------------------------

    def _graded(self, frame: FrameType | None) -> tuple[CodeType | None, bool, str | None]:
        """(outermost graded code on the stack, inside a graded `no_autograd_in` method, code-file hit)."""
        outer: CodeType | None = None
        in_backward = False
        code_hit: str | None = None
        files = self.rules.code_files
        while frame is not None:
            code = frame.f_code
            if code.co_filename in self.graded_files and code.co_name != "<module>":
                outer = code
                if code.co_name in self.rules.no_autograd_in:
                    in_backward = True
            elif files and code_hit is None and code.co_filename.endswith(files):
                code_hit = f"{_module_of(code.co_filename, files)}.{code.co_name}"
            frame = frame.f_back
        if outer is None:
            code_hit = None
        return outer, in_backward, code_hit

    def refuse(self, api: str, code: CodeType) -> None:
        why = self.rules.why_for(api)
        why = f" ({why})" if why else ""
        self.refusals.append(
            {
                "api": api,
                "function": getattr(code, "co_qualname", code.co_name),
                "hint": self.rules.hint_for(api) or "",
            }
        )
        raise Refused(f"API not allowed: {api}{why}")

    def check(self, api: str) -> None:
        """Refuse ``api`` if graded code is on the stack (called by the wrappers)."""
        outer, _, _ = self._graded(sys._getframe(2))
        if outer is not None:
            self.refuse(api, outer)

    def check_thread(self, api: str) -> None:
        """Refuse starting a thread from graded code: torch's modes are per thread, and a thread's stack does
        not show the graded code that started it, so whatever it ran would go unchecked."""
        outer, _, _ = self._graded(sys._getframe(2))
        if outer is not None:
            self.refuse(api, outer)

    def check_autograd(self, api: str) -> None:
        outer, in_backward, _ = self._graded(sys._getframe(2))
        if outer is not None and in_backward:
            self.refuse(f"{api} inside backward", outer)

    # --- installation -----------------------------------------------------------------------------------

    def install(self) -> None:
        """Wrap the listed callables where graded code would find them (before it is imported)."""
        if self._installed or not self.rules.active:
            return
        self._installed = True
        import torch

        targets: list[tuple[Any, str, str]] = []  # (namespace, attribute, api name)
        for ref in self.rules.refs:
            obj = _resolve(ref)
            if isinstance(obj, ModuleType):  # every function defined in that module
                for name, value in list(vars(obj).items()):
                    if callable(value) and getattr(value, "__module__", None) == obj.__name__:
                        targets.append((obj, name, f"{ref}.{name}"))
            elif obj is not None and callable(obj):
                parent, _, attr = ref.rpartition(".")
                namespace = _resolve(parent)
                if namespace is not None:
                    targets.append((namespace, attr, ref))
        for namespace, attr, api in targets:
            original = getattr(namespace, attr)
            self._originals.append((namespace, attr, original))
            setattr(namespace, attr, self._wrap(original, api, self.check))
        import _thread  # noqa: F401  (resolved by name below)
        import threading  # noqa: F401

        for api in THREAD_STARTERS:  # the module (or class) and the attribute, from the name
            path, _, attr = api.rpartition(".")
            namespace = _resolve(path)
            original = getattr(namespace, attr, None) if namespace is not None else None
            if original is not None:
                self._originals.append((namespace, attr, original))
                setattr(namespace, attr, self._wrap(original, api, self.check_thread))
        if self.rules.no_autograd_in:
            for namespace, attr, api in (
                (torch.autograd, "grad", "torch.autograd.grad"),
                (torch.autograd, "backward", "torch.autograd.backward"),
                (torch.Tensor, "backward", "Tensor.backward"),
            ):
                original = getattr(namespace, attr)
                self._originals.append((namespace, attr, original))
                setattr(namespace, attr, self._wrap(original, api, self.check_autograd))

    def uninstall(self) -> None:
        """Put the wrapped callables back (the worker moves on to another exercise group's rules)."""
        for namespace, attr, original in reversed(self._originals):
            setattr(namespace, attr, original)
        self._originals.clear()
        self._installed = False

    @staticmethod
    def _wrap(original: Callable, api: str, check: Callable[[str], None]) -> Callable:
        @functools.wraps(original)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            check(api)
            return original(*args, **kwargs)

        del guarded.__wrapped__  # functools.wraps' way back to the unguarded callable
        guarded.__normlab_guarded__ = True  # type: ignore[attr-defined]
        return guarded

    # --- modes ------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Modes on while graded code runs (the import of the graded file and every driver call)."""
        rules = self.rules
        if not (
            rules.torch_free or rules.refs or rules.aten or rules.code_files or rules.no_autograd_in
        ):
            yield
            return
        with contextlib.ExitStack() as stack:
            stack.enter_context(_function_mode(self))
            if rules.aten:
                stack.enter_context(_dispatch_mode(self))
            yield


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    obj = sys.modules.get(parts[0])
    for p in parts[1:]:
        if obj is None:
            return None
        obj = getattr(obj, p, None)
    return obj


def _func_name(func: Any) -> str:
    qual = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or str(func)
    module = getattr(func, "__module__", None) or ""
    if qual.startswith("_VariableFunctionsClass."):
        return "torch." + qual.split(".", 1)[1]
    if qual.startswith(("TensorBase.", "Tensor.")):
        return "Tensor." + qual.split(".", 1)[1]
    if module.startswith("torch._ops"):
        return f"torch.ops.{module.rsplit('.', 1)[-1]}.{getattr(func, '__name__', qual)}"
    return f"{module}.{qual}" if module else qual


def _module_of(filename: str, files: tuple[str, ...]) -> str:
    """The dotted module of the code file ``filename`` ends with: torch/nn/init.py -> torch.nn.init."""
    suffix = next(f for f in files if filename.endswith(f))
    return suffix.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _near(frame: FrameType | None, files: tuple[str, ...], depth: int = 8) -> bool:
    """Is one of the ``depth`` innermost frames from ``files``? (nn.init calls tensor ops directly.)"""
    while frame is not None and depth > 0:
        if frame.f_code.co_filename.endswith(files):
            return True
        frame = frame.f_back
        depth -= 1
    return False


def _function_mode(guard: Guard) -> Any:
    """The TorchFunctionMode: cheap for the calls no rule is about (no stack walk), exact for the others."""
    from torch.overrides import TorchFunctionMode

    rules = guard.rules
    names: dict[int, tuple[str, bool, bool]] = {}  # id(func) -> (name, a rule's name, autograd)

    def classify(func: Any) -> tuple[str, bool, bool]:
        key = id(func)
        if key not in names:
            name = _func_name(func)
            autograd = any(name == a or name.startswith(a + ".") for a in AUTOGRAD) or name in (
                "Tensor.backward",
                "torch._C._set_grad_enabled",
            )
            names[key] = (name, bool(matches(rules, name, called=True)), autograd)
        return names[key]

    class _Mode(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name, named, autograd = classify(func)
            caller = sys._getframe(1)
            init = bool(rules.code_files) and _near(caller, rules.code_files)
            if rules.torch_free or named or init or (autograd and rules.no_autograd_in):
                outer, in_backward, code_hit = guard._graded(caller)
                if outer is not None:
                    if rules.torch_free or named:
                        guard.refuse(name, outer)
                    if code_hit:
                        guard.refuse(code_hit, outer)
                    enabling = not name.endswith("_set_grad_enabled") or (args and args[0] is True)
                    if in_backward and autograd and enabling:
                        guard.refuse(f"{name} inside backward", outer)
            return func(*args, **kwargs)

    return _Mode()


def _dispatch_mode(guard: Guard) -> Any:
    from torch.utils._python_dispatch import TorchDispatchMode

    fragments = guard.rules.aten

    class _Mode(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = str(getattr(func, "__name__", func))
            if any(f in name for f in fragments):
                outer, _, _ = guard._graded(sys._getframe(1))
                if outer is not None:
                    guard.refuse(f"aten.{name}", outer)
            return func(*args, **(kwargs or {}))

    return _Mode()
