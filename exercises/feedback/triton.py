"""Triton's interpreter where there is no CUDA device (the layer_norm_triton group).

Triton reads TRITON_INTERPRET whenever a kernel is decorated, triton.language's own included, which happens when
triton is first imported (by the group's module, or by torch.compile); so the kit calls this as early as it can:
when the pytest plugin loads and when the grader is imported. Learners never set it themselves."""

from __future__ import annotations

import os
import sys


def use_triton_interpreter() -> None:
    """Set TRITON_INTERPRET=1 unless it is set, triton is already imported or a CUDA device is present. Cheap:
    torch is asked only if it is already imported, else the NVIDIA driver's device node."""
    if "TRITON_INTERPRET" in os.environ or "triton" in sys.modules:
        return
    torch = sys.modules.get("torch")
    cuda = torch.cuda.is_available() if torch is not None else os.path.exists("/dev/nvidiactl")
    if not cuda:
        os.environ["TRITON_INTERPRET"] = "1"


def patch_each_launch_once() -> bool:
    """Let Triton's interpreter set up triton.language once per kernel launch instead of once per call of a
    @triton.jit function inside it (tl.sum, tl.max ... are such functions: thousands of calls per run).

    Why it changes nothing: before a launch the interpreter points triton.language's functions at numpy
    versions (``_patch_lang``), and again at every call of a @triton.jit function made inside the kernel, for
    the modules that function sees (tl, or tl.core). Within one launch those repeats find everything already
    pointed there and only set the same values again (no wrapping of a wrapper: they wrap only triton's own
    builtins, which are no longer there to find), and the interpreter never undoes them before the launch ends.
    So a repeat for modules already set up in this launch is skipped; the first one of each launch, and the
    launch's own set-up and undo, are the interpreter's. Returns whether it applies: not without the
    interpreter, and not where triton's interpreter is not the one this was written for (then nothing changes).
    """
    if os.environ.get("TRITON_INTERPRET") != "1":
        return False
    try:
        from triton.runtime import interpreter as interp
    except Exception:
        return False
    executor = getattr(interp, "GridExecutor", None)
    patch_lang, scope = (
        getattr(interp, "_patch_lang", None),
        getattr(interp, "_LangPatchScope", None),
    )
    if executor is None or patch_lang is None or scope is None:
        return False
    if getattr(patch_lang, "_normlab_once", False):
        return True
    launch = executor.__call__
    done: list[set[tuple[int, ...]]] = []  # per launch in progress: the module sets already set up

    def call(self, *args, **kwargs):
        done.append(set())
        try:
            return launch(self, *args, **kwargs)
        finally:
            done.pop()

    def once(fn):
        if done:
            langs = tuple(
                id(v) for v in fn.__globals__.values() if v is interp.tl or v is interp.tl.core
            )
            if langs in done[-1]:
                return scope()  # nothing to set, nothing to undo
            done[-1].add(langs)
        return patch_lang(fn)

    once._normlab_once = True
    interp._patch_lang = once
    executor.__call__ = call
    return True
