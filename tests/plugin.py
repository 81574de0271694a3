"""normlab's pytest plugin (loaded by the root conftest.py): choose the implementation, label stubs, scoreboard.

- ``--impl exercises`` (default) tests your files in exercises/; ``--impl solutions`` the references;
  ``--impl grader.mutants.<name>`` a known mistake (instructors); ``--impl path/to/folder`` any folder holding
  the graded files (e.g. an unpacked submission).
- A stub's ``NotImplementedError("Exercise ...")`` is reported as NOT IMPLEMENTED YET (no traceback) under
  ``--impl exercises``; anywhere else it is an ordinary failure.
- A failed check (exercises.feedback.checks.Feedback) shows its message and hint without a traceback wall.
- Fixtures ``ln``, ``ln_torch``, ``init``, ``hist``, ``ln_triton``, ``labs`` import the chosen module lazily: the
  numpy group never imports torch. ``ln_triton`` skips with the reason where Triton cannot be imported; Triton's
  interpreter is chosen where there is no CUDA device (exercises/feedback/triton.py), before triton is imported.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import importlib.util
import os
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from exercises.feedback.triton import patch_each_launch_once, use_triton_interpreter

use_triton_interpreter()

GROUPS = (
    "layer_norm",
    "layer_norm_torch",
    "initializers",
    "histograms",
    "layer_norm_triton",
    "labs",
)
ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_finish(session: pytest.Session) -> None:
    torch_for_small_tests()
    # What collection imported (torch, Triton, matplotlib: hundreds of thousands of objects, no garbage) lives
    # until the session ends: the collector, paused while it was imported (pytest_configure), now leaves it out
    # of sight for good, so that its full collections during the tests and pytest's at the end (0.1 s each
    # with torch loaded) walk only what the tests make.
    gc.freeze()
    gc.enable()


_TORCH_THREADS: dict[str, int] = {}


def torch_for_small_tests() -> None:
    """Once torch is imported (a torch group's tests, or your module): eager torch without importing its compiler
    (~1 s, exercises/feedback/fast_torch.py), on one thread for the session (restored at its end). The tests'
    tensors are tiny: a second thread costs more in hand-offs than it saves, and on a busy machine far more
    (the torch group's tests: a third less CPU on one thread). The numbers may differ from a two-thread run in
    their last bits, as they may between two machines: every check has a tolerance for that (tests/data's
    stored values are compared within one)."""
    torch = sys.modules.get("torch")
    if torch is None or "before" in _TORCH_THREADS:
        return
    from exercises.feedback.fast_torch import skip_compiler_marks

    skip_compiler_marks()
    _TORCH_THREADS["before"] = torch.get_num_threads()
    torch.set_num_threads(1)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if "before" in _TORCH_THREADS:
        sys.modules["torch"].set_num_threads(_TORCH_THREADS.pop("before"))
    _QUICK_EXIT["session"] = session


# --- a quick exit once torch is imported ------------------------------------------------------------------
# After the last line of the report, Python tears down every module one by one before the process ends; with
# torch's ~2,000 modules that is 0.3-0.5 s of every torch group's run, spent on nothing. When pytest runs as a
# command (`pytest`, `python -m pytest`), its session is over and torch is imported, the process ends once the
# exit handlers have run, with pytest's own exit status: the ones registered after this plugin was loaded run
# before this one, as usual; of those registered before it, logging's and weakref.finalize's are run here.
# Under coverage (`coverage run -m pytest`, whose handler saves its data), and through pytest.main() (a
# notebook, another program), the process ends the usual way.
_QUICK_EXIT: dict[str, object] = {}


def pytest_unconfigure(config: pytest.Config) -> None:
    frame = sys._getframe()
    while frame is not None:
        if (
            frame.f_code.co_name.lstrip("_") == "console_main"
            and "_pytest" in frame.f_code.co_filename
        ):
            _QUICK_EXIT["command"] = True
        frame = frame.f_back


def _quick_exit() -> None:
    session = _QUICK_EXIT.get("session")
    if session is None or not _QUICK_EXIT.get("command") or "torch" not in sys.modules:
        return
    if "coverage" in sys.modules:
        return
    import weakref

    weakref.finalize._exitfunc()  # finalizers due at exit (temporary directories, ...)
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(int(getattr(session, "exitstatus", 0)))


atexit.register(_quick_exit)


def pytest_configure(config: pytest.Config) -> None:
    gc.disable()  # until collection is done (pytest_collection_finish): imports make no garbage to collect


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("normlab")
    group.addoption(
        "--impl",
        default="exercises",
        help="implementation under test: exercises (default), solutions, grader.mutants.<name>, "
        "or a folder holding the graded files",
    )
    group.addoption(
        "--hint-level",
        type=int,
        default=0,
        metavar="N",
        help="stuck? failures also show hint levels 1..N of the exercise they concern "
        "(exercises/feedback/hint_levels.py; `python -m exercises.hints` lists them)",
    )


def _impl(config: pytest.Config) -> str:
    return config.getoption("--impl")


def load_impl(impl: str, group: str) -> ModuleType:
    """The module of ``group`` that ``--impl`` names."""
    if impl in ("exercises", "solutions"):
        return importlib.import_module(f"{impl}.{group}")
    if impl.startswith("grader.mutants."):
        from grader.mutants import get_mutant

        mutant = get_mutant(impl.removeprefix("grader.mutants."))
        return (
            mutant.load()
            if mutant.group == group
            else importlib.import_module(f"solutions.{group}")
        )
    folder = Path(impl)
    for candidate in (folder / f"{group}.py", folder / "exercises" / f"{group}.py"):
        if candidate.is_file():
            name = f"_normlab_impl_{group}"
            spec = importlib.util.spec_from_file_location(name, candidate)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module
    raise pytest.UsageError(f"--impl {impl}: no {group}.py in {folder} or {folder / 'exercises'}")


_modules: dict[tuple[str, str], ModuleType] = {}


def _load_group(config: pytest.Config, group: str) -> ModuleType:
    """The module under test of ``group`` (imported once per session). For layer_norm_triton: skipped, with
    the reason, where Triton cannot be imported."""
    key = (_impl(config), group)
    if key not in _modules:
        if group == "layer_norm_triton":
            use_triton_interpreter()  # before triton is first imported: triton.language decorates kernels
            why = triton_unavailable()
            if why:
                pytest.skip(f"layer_norm_triton not available here: {why}")
            patch_each_launch_once()  # the interpreter's repeated set-up within a launch: a third of its time
        _modules[key] = load_impl(*key)
        torch_for_small_tests()  # a torch group: torch is imported now
    return _modules[key]


def warm_module(config: pytest.Config, group: str) -> None:
    """Import the module under test of ``group`` ahead of its tests (tests/parallel.py, before its fork).
    Nothing is decided here: if the import fails, the group's fixture meets the same failure in a test."""
    try:
        _load_group(config, group)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: S110 -- an error, a skip, sys.exit(), pytest.fail(): the fixture reports it
        pass


@pytest.fixture(scope="session")
def ln(request: pytest.FixtureRequest) -> ModuleType:
    """The layer_norm module under test (numpy)."""
    return _load_group(request.config, "layer_norm")


@pytest.fixture(scope="session")
def ln_torch(request: pytest.FixtureRequest) -> ModuleType:
    """The layer_norm_torch module under test."""
    return _load_group(request.config, "layer_norm_torch")


@pytest.fixture(scope="session")
def init(request: pytest.FixtureRequest) -> ModuleType:
    """The initializers module under test."""
    return _load_group(request.config, "initializers")


@pytest.fixture(scope="session")
def hist(request: pytest.FixtureRequest) -> ModuleType:
    """The histograms module under test."""
    return _load_group(request.config, "histograms")


@pytest.fixture(scope="session")
def labs(request: pytest.FixtureRequest) -> ModuleType:
    """The labs module under test."""
    return _load_group(request.config, "labs")


def triton_unavailable() -> str | None:
    """Why the layer_norm_triton group cannot run here (no Triton wheel for this platform...), or None."""
    try:
        import triton  # noqa: F401
    except Exception as exc:  # ImportError, or a broken install
        return f"Triton is not available here ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def ln_triton(request: pytest.FixtureRequest) -> ModuleType:
    """The layer_norm_triton module under test; skipped, with the reason, where Triton cannot be imported."""
    return _load_group(request.config, "layer_norm_triton")


# --- collection: kit tests only when asked for; gpu tests skip without CUDA --------------------------

_OTHER_MARKERS = ("slow", "gpu", "kit")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip importing test files that `-m` cannot select (so `pytest -m layer_norm` never imports torch).

    A file tests/test_<group>.py carries that group's marker; any other test file carries none. The file is
    skipped only if the -m expression is false for every combination of the other markers.
    """
    markexpr = config.getoption("-m") or ""
    if (
        not markexpr
        or collection_path.suffix != ".py"
        or not collection_path.name.startswith("test_")
    ):
        return None
    try:
        from _pytest.mark.expression import Expression

        expr = Expression.compile(markexpr)
    except Exception:
        return None
    stem = collection_path.stem.removeprefix("test_")
    mine = {stem} if stem in GROUPS else set()
    for bits in range(2 ** len(_OTHER_MARKERS)):
        on = mine | {m for i, m in enumerate(_OTHER_MARKERS) if bits >> i & 1}
        try:
            if expr.evaluate(lambda name, *a, _on=on, **k: name in _on):
                return None
        except Exception:
            return None
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    markexpr = config.getoption("-m") or ""
    if _impl(config) != "solutions" and "kit" not in markexpr:
        kept = [i for i in items if i.get_closest_marker("kit") is None]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[i for i in items if i not in kept])
            items[:] = kept
    for item in items:
        _board.groups[item.nodeid] = next((g for g in GROUPS if item.get_closest_marker(g)), "")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("gpu") is not None:
        import torch

        if not torch.cuda.is_available():
            pytest.skip("CUDA not available")


# --- reporting: NOT IMPLEMENTED YET, tracebacks-free feedback, scoreboard -----------------------------

_NOTIMPL = "notimpl"


_STUB_MESSAGES: dict[object, str | None] = {}


def stub_message(fn: object) -> str | None:
    """The stub's message when ``fn`` is still the generated stub (its body one raise), else None."""
    code = getattr(fn, "__code__", None)
    if code is None or not any(
        isinstance(c, str) and c.startswith("Exercise ") for c in code.co_consts
    ):
        return None  # no stub message in its code: written (parsing it would cost a compile)
    if code not in _STUB_MESSAGES:
        _STUB_MESSAGES[code] = _parsed_stub_message(fn)
    return _STUB_MESSAGES[code]


def _parsed_stub_message(fn: object) -> str | None:
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None
    body = tree.body[0].body if tree.body and hasattr(tree.body[0], "body") else []
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Raise) and isinstance(body[0].exc, ast.Call):
        args = body[0].exc.args
        if (
            args
            and isinstance(args[0], ast.Constant)
            and str(args[0].value).startswith("Exercise ")
        ):
            return str(args[0].value)
    return None


def started(module: ModuleType, *names: str) -> None:
    """NOT IMPLEMENTED YET for the first of ``names`` that is still a stub, before any input is built: a
    fixture that prepares work for a function (data, a training run) skips the preparing while it is a stub."""
    for name in names:
        message = stub_message(getattr(module, name, None))
        if message:
            raise NotImplementedError(message)


def _is_stub_error(exc: BaseException | None) -> bool:
    return isinstance(exc, NotImplementedError) and str(exc).startswith("Exercise ")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport | None:
    """Short reports for stubs and Feedback, built without pytest's traceback machinery (fast, no wall)."""
    exc = call.excinfo.value if call.excinfo is not None else None
    if exc is None:
        return None
    from exercises.feedback.checks import Feedback

    status = None
    if _is_stub_error(exc) and _impl(item.config) == "exercises":
        status, longrepr = _NOTIMPL, f"NOT IMPLEMENTED YET: {exc}"
        _not_implemented_ids.update(dict.fromkeys(_ids(item, str(exc))))
    elif isinstance(exc, Feedback):
        longrepr = f"{item.nodeid}\n{exc}"
        notes = getattr(exc, "__notes__", None)  # e.g. hypothesis' "Falsifying example: ..."
        if notes:
            longrepr += "\n" + "\n".join(notes)
        longrepr += _hint_levels(item, longrepr)
    else:
        return None
    rep = pytest.TestReport(
        item.nodeid,
        item.location,
        {k: 1 for k in item.keywords},
        "failed",
        longrepr,
        call.when,
        duration=call.duration,
        start=call.start,
        stop=call.stop,
        user_properties=item.user_properties,
    )
    if status:
        rep.normlab = status
    return rep


_levels_shown: set[str] = set()
_not_implemented_ids: dict[str, None] = {}  # ordered set: the exercise ids of stubs met in this run


def _group(item: pytest.Item) -> str:
    return next((g for g in GROUPS if item.get_closest_marker(g)), "")


def _ids(item: pytest.Item, text: str) -> list[str]:
    from exercises.feedback import hint_levels

    return hint_levels.exercise_ids(text, _group(item))


def _hint_levels(item: pytest.Item, text: str) -> str:
    """Hint levels 1..--hint-level of the exercises a failure concerns (each shown once per run); at level 0,
    one line saying how to ask for level 1."""
    from exercises.feedback import hint_levels

    group, ids = _group(item), _ids(item, text)
    level = item.config.getoption("--hint-level")
    if not ids:
        return ""
    if level <= 0:
        asks = " or ".join(f"`python -m exercises.hints {i}`" for i in ids)
        return f"\nStuck? `pytest -m {group} --hint-level 1` shows hint level 1; so does {asks}."
    out = []
    for ex_id in ids:
        if ex_id in _levels_shown:
            out.append(f"(hint levels of {ex_id}: shown above)")
        else:
            _levels_shown.add(ex_id)
            out.append(hint_levels.render(ex_id, min(level, hint_levels.available(ex_id))))
    return "\n" + "\n".join(out)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    if getattr(report, "normlab", None) == _NOTIMPL:
        return _NOTIMPL, "N", "NOT IMPLEMENTED YET"
    return None


class _Scoreboard:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, str]] = defaultdict(dict)  # group -> nodeid -> outcome
        self.groups: dict[str, str] = {}  # nodeid -> exercise group ("" for kit tests)

    def add(self, report: pytest.TestReport) -> None:
        group = self.groups.get(report.nodeid, "")
        if not group:
            return
        outcome = getattr(report, "normlab", None) or report.outcome
        seen = self.rows[group].get(report.nodeid)
        if report.when == "call" or outcome != "passed":
            if seen in (None, "passed"):
                self.rows[group][report.nodeid] = outcome


_board = _Scoreboard()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _board.add(report)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _board.rows:
        return
    tr = terminalreporter
    tr.section(f"normlab progress (--impl {_impl(config)})", sep="=", bold=True)
    for group in GROUPS:
        rows = _board.rows.get(group)
        if not rows:
            continue
        counts: dict[str, int] = defaultdict(int)
        for outcome in rows.values():
            counts[outcome] += 1
        total = len(rows) - counts["skipped"]
        parts = [f"{counts['passed']:3d} / {total:3d} checks passed"]
        if counts[_NOTIMPL]:
            parts.append(f"{counts[_NOTIMPL]} not implemented yet")
        if counts["failed"]:
            parts.append(f"{counts['failed']} failing")
        if counts["skipped"]:
            parts.append(f"{counts['skipped']} skipped")
        done = total > 0 and counts["passed"] == total
        mark = "done" if done else ("todo" if counts[_NOTIMPL] == total else "    ")
        tr.write_line(
            f"  {group:<18} {mark:<5} " + ", ".join(parts), green=done, red=bool(counts["failed"])
        )
    if any(o == _NOTIMPL for rows in _board.rows.values() for o in rows.values()):
        tr.write_line(
            "  Stubs raise NotImplementedError: open exercises/<group>.py and replace them, "
            "one exercise id at a time; `pytest -m <group>` runs one group."
        )
        tr.write_line(
            "  Stuck? `pytest -m <group> --hint-level 1` adds hint level 1 of each exercise to its "
            "failures (2, 3: more); `python -m exercises.hints` lists them without running tests."
        )
    level = config.getoption("--hint-level")
    waiting = [i for i in _not_implemented_ids if i not in _levels_shown]
    if level > 0 and waiting:
        from exercises.feedback import hint_levels

        tr.section(f"hint levels 1..{level} of the exercises not implemented yet", sep="-")
        for ex_id in waiting:
            _levels_shown.add(ex_id)
            tr.write_line(hint_levels.render(ex_id, min(level, hint_levels.available(ex_id))))
