"""Both cores for one pytest run (loaded by the root conftest.py with tests/plugin.py): ``--jobs``.

Every torch group pays about a second before its first test (pytest's start, ``import torch``), and the
tests after it run on one core while the other waits. So, once the tests are collected, the run forks: the second
process inherits everything already imported (torch, Triton, your modules: a fork costs ~10 ms, not the
second's worth of imports a new process would pay), runs the second half of the tests, and sends each
report back to the first, which runs the first half, prints the second's reports as they arrive, and ends
the run as usual: one progress line, one summary, one exit status, as in a run on one core.

- The halves are contiguous and cut where the previous run's times balance best: each process pays its
  tests' own times and, once, every module- or session-scoped fixture its tests use (so the tests sharing
  the histograms' trained MNIST model stay together). The times are kept in
  .pytest_cache/normlab/durations.json, written at the end of each run; tests not timed yet count alike.
- Your modules, and torch where the previous run of the same groups needed it, are imported before the
  fork, once for both halves (a module that fails to import fails its tests as before).
- The second process runs torch on one thread, as the tests do anyway (tests/plugin.py): a process forked
  after torch's thread pool started must never start another (GNU OpenMP hangs).
- If the second process dies (a crash in the code under test), the test it was running fails with the
  reason and the first process runs the tests it had not started.
- One process, the usual way, with ``--jobs 1`` and whenever a run asks for something a second process
  would garble: ``--pdb``/``--trace``, ``-x``/``--maxfail``, ``-s``, ``--stepwise``, ``--hint-level N``
  (each hint once per run), live logging, ``--collect-only``, coverage, pytest-xdist (``-p xdist``), the
  kit's own tests; also on one core, where there is no safe ``fork`` (Windows; macOS, where forking a
  process that loaded Apple's frameworks is unsafe) and where other threads run (``pytest.main()`` in a
  notebook's kernel: a forked copy of a thread's lock could never be released). ``--jobs 2`` asks for two
  processes whatever the durations say.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

RECORD = Path(".pytest_cache") / "normlab" / "durations.json"
TINY = 0.25  # seconds: a run whose recorded tests took less than this stays in one process


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("normlab").addoption(
        "--jobs",
        default="auto",
        choices=("auto", "1", "2"),
        help="processes for the tests (default auto: 2 where fork and a second core are available "
        "and the run is long enough; 1: the usual single process)",
    )


# --- when -----------------------------------------------------------------------------------------------


def why_one_process(session: pytest.Session, record: dict[str, Any]) -> str | None:
    """Why this run stays in one process, or None."""
    config = session.config
    option = config.option
    jobs = config.getoption("--jobs")
    reasons = (
        (jobs == "1", "--jobs 1"),
        (not hasattr(os, "fork") or sys.platform != "linux", "no safe fork on this platform"),
        (jobs == "auto" and _cores() < 2, "one core"),
        (len(session.items) < 2, "fewer than two tests"),
        (getattr(option, "usepdb", False) or getattr(option, "trace", False), "--pdb/--trace"),
        ((getattr(option, "maxfail", 0) or 0) > 0, "-x/--maxfail"),
        (getattr(option, "capture", "fd") == "no", "-s"),
        (getattr(option, "stepwise", False) or getattr(option, "stepwise_skip", False), "--sw"),
        (getattr(option, "collectonly", False), "--collect-only"),
        (getattr(option, "setupplan", False) or getattr(option, "setuponly", False), "--setup-*"),
        ((config.getoption("--hint-level", 0) or 0) > 0, "--hint-level"),
        (bool(config.getoption("log_cli_level", None)) or _ini_true(config, "log_cli"), "log_cli"),
        ("coverage" in sys.modules, "coverage"),
        (threading.active_count() > 1, "other threads are running (a notebook's kernel, an IDE)"),
        (
            config.pluginmanager.hasplugin("dsession") or hasattr(config, "workerinput"),
            "pytest-xdist",
        ),
        (any(item.get_closest_marker("kit") for item in session.items), "kit tests"),
    )
    for true, why in reasons:
        if true:
            return why
    if jobs == "auto":
        known = [record["tests"][i.nodeid] for i in session.items if i.nodeid in record["tests"]]
        fixtures = frozenset().union(*(shared_fixtures(i) for i in session.items))
        took = sum(known) + sum(record["fixtures"].get(f, 0.0) for f in fixtures)
        if len(known) == len(session.items) and took < TINY:
            return f"the previous run of these tests took {took:.2f} s"
    return None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _ini_true(config: pytest.Config, name: str) -> bool:
    try:
        return bool(config.getini(name))
    except (ValueError, KeyError):
        return False


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


# --- which tests where ----------------------------------------------------------------------------------
# A test's cost is its own time (setup, call, teardown) less the module- and session-scoped fixtures it set up;
# each such fixture is paid once by every process whose tests use it (the trained MNIST model of the
# histograms tests, the stored values of a module). Both are timed in each run and kept for the next.


def shared_fixtures(item: pytest.Item) -> frozenset[str]:
    """The module- and session-scoped fixtures ``item`` uses, as keys of the record."""
    info = getattr(item, "_fixtureinfo", None)
    keys = set()
    for name in getattr(info, "names_closure", ()):
        defs = info.name2fixturedefs.get(name) or ()
        if defs and defs[-1].scope not in ("function", "class"):
            keys.add(_fixture_key(defs[-1]))
    return frozenset(keys)


def _fixture_key(fixturedef: Any) -> str:
    return f"{fixturedef.baseid}::{fixturedef.argname}"


def split(own: list[float], fixtures: list[frozenset[str]], cost: dict[str, float]) -> int:
    """Where to cut a list of tests (0 < cut < len) so that the slower process is fastest: a process pays
    its tests' own times and, once, each shared fixture its tests use."""
    n = len(own)

    def sides(order: range) -> list[float]:
        totals, seen, total = [], set(), 0.0
        for i in order:
            total += own[i] + sum(cost.get(f, 0.0) for f in fixtures[i] - seen)
            seen |= fixtures[i]
            totals.append(total)
        return totals

    first = sides(range(n))  # first[c - 1]: the cost of items[:c]
    second = sides(range(n - 1, -1, -1))[::-1]  # second[c]: the cost of items[c:]
    return min(
        range(1, n), key=lambda c: (max(first[c - 1], second[c]), abs(first[c - 1] - second[c]))
    )


def cut(items: list[pytest.Item], record: dict[str, Any]) -> int:
    """split() with the previous run's times; a test not timed then counts as the median of those that were
    (all alike when none was), an untimed fixture as nothing."""
    tests = record["tests"]
    known = sorted(tests[i.nodeid] for i in items if i.nodeid in tests)
    default = known[len(known) // 2] if known else 1.0
    own = [max(float(tests.get(i.nodeid, default)), 1e-4) for i in items]
    return split(own, [shared_fixtures(i) for i in items], record["fixtures"])


def _groups_key(items: list[pytest.Item]) -> str:
    from tests.plugin import _group

    return ",".join(sorted({_group(item) for item in items} - {""})) or "-"


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
        if all(isinstance(data.get(k), dict) for k in ("tests", "fixtures", "torch", "last")):
            return data
    except (OSError, ValueError, AttributeError):
        pass
    return {"tests": {}, "fixtures": {}, "torch": {}, "last": {}}


# --- the run ----------------------------------------------------------------------------------------------


class _State:
    def __init__(self) -> None:
        self.record: dict[str, Any] = {"tests": {}, "fixtures": {}, "torch": {}, "last": {}}
        self.durations: dict[str, float] = {}  # this run: nodeid -> own seconds
        self.fixtures: dict[str, float] = {}  # this run: fixture key -> seconds of its set-up
        # the set-ups of shared fixtures during the current test's set-up, until its report
        self.setting_up: dict[str, float] = {}
        self.key = "-"
        self.last: dict[str, Any] = {}  # how this run ran: processes, cut, tests, why
        self.order: dict[
            str, int
        ] = {}  # after a run on two processes: nodeid -> place in collection


_state = _State()


def pytest_configure(config: pytest.Config) -> None:
    _state.record = _load(config.rootpath / RECORD)
    _state.durations, _state.fixtures, _state.setting_up = {}, {}, {}


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    if fixturedef.scope in ("function", "class"):
        return (yield)
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        key = _fixture_key(fixturedef)
        _state.setting_up[key] = _state.setting_up.get(key, 0.0) + time.perf_counter() - start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    if call.when == "setup" and _state.setting_up:
        report.normlab_fixtures = dict(_state.setting_up)  # travels with the report to the first
    _state.setting_up = {}
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    fixtures = getattr(report, "normlab_fixtures", None) or {}
    for key, seconds in fixtures.items():
        _state.fixtures[key] = _state.fixtures.get(key, 0.0) + seconds
    own = report.duration - sum(fixtures.values())
    _state.durations[report.nodeid] = _state.durations.get(report.nodeid, 0.0) + max(own, 0.0)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Keep this run's durations (and whether it needed torch) for the next run's cut."""
    if (
        exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR)
        or not _state.durations
    ):
        return
    record = _state.record
    record["tests"].update({k: round(v, 4) for k, v in _state.durations.items()})
    record["fixtures"].update({k: round(v, 4) for k, v in _state.fixtures.items()})
    record["torch"][_state.key] = "torch" in sys.modules
    record["last"] = _state.last
    path = session.config.rootpath / RECORD
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# made by normlab's tests/parallel.py\n*\n")
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record, sort_keys=True))
        tmp.replace(path)
    except OSError:
        pass  # a read-only folder: the next run cuts without durations


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> object:
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        return None  # pytest's own loop reports the collection errors
    items = list(session.items)
    _state.key = _groups_key(items)
    why = why_one_process(session, _state.record)
    _state.last = {"processes": 1, "tests": len(items), "why": why}
    if why is not None:
        return None
    threads = _threads()
    _warm(session, items)
    if _threads() > threads:
        # importing the modules under test started threads (a thread pool): a fork could leave it broken
        _state.last["why"] = "a thread pool started before the fork"
        return None
    at = cut(items, _state.record)
    _state.last.update(processes=2, cut=at)
    _state.order = {item.nodeid: i for i, item in enumerate(items)}
    return _run_two(session, items[:at], items[at:])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any) -> Any:
    """Before pytest writes its summary (failures, errors, warnings, the short summary): the reports in the
    order of the tests, as one process gives them, not in the order the two processes ended them."""
    if _state.order:
        place = _state.order
        for reports in terminalreporter.stats.values():
            reports.sort(key=lambda r: place.get(getattr(r, "nodeid", None), -1))
    return (yield)


def _warm(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Import the modules under test (and torch, where the previous run of these groups needed it) before
    the fork, once for both processes. Nothing here decides a test: a failure is left for the test's fixture
    to meet and report."""
    from tests.plugin import GROUPS, _group, warm_module

    if _state.record["torch"].get(_state.key) and "torch" not in sys.modules:
        try:  # set to one thread by warm_module's loading, as by a fixture's
            import torch  # noqa: F401
        except Exception:  # noqa: S110 -- a broken torch is met, and reported, by the tests that need it
            pass
    present = {_group(item) for item in items}
    for group in GROUPS:
        if group in present:
            warm_module(session.config, group)
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None and any(
        {"tmp_path", "tmpdir", "tmp_path_factory", "tmpdir_factory"} & set(item.fixturenames)
        for item in items
        if hasattr(item, "fixturenames")
    ):
        factory.getbasetemp()  # one base folder for both processes' temporary folders


def _run(items: list[pytest.Item], on_each=None) -> None:
    hook = items[0].config.hook if items else None
    for i, item in enumerate(items):
        nextitem = items[i + 1] if i + 1 < len(items) else None
        hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        session = item.session
        if session.shouldfail:
            raise session.Failed(session.shouldfail)
        if session.shouldstop:
            raise session.Interrupted(session.shouldstop)
        if on_each is not None:
            on_each()


def _run_two(session: pytest.Session, first: list[pytest.Item], second: list[pytest.Item]) -> bool:
    config = session.config
    read_end, write_end = os.pipe()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    with warnings.catch_warnings():
        # Python 3.12+ warns at a fork with threads running: here numpy's BLAS pool, which forks safely
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the second process: run, send, never return into pytest
        status = 0
        try:
            os.close(read_end)
            _become_second(config, write_end)
            _run(second)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    receiver = _Receiver(config, read_end, second)
    try:
        _run(first, receiver.drain)
        receiver.drain(block=True)
    finally:
        if not receiver.eof:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(read_end)
    leftover = receiver.finish(status)
    if leftover:
        _run(leftover)
    return True


def _become_second(config: pytest.Config, fd: int) -> None:
    manager = config.pluginmanager
    for name in ("terminalreporter",):
        plugin = manager.get_plugin(name)
        if plugin is not None:
            manager.unregister(plugin)
    manager.register(_Sender(config, fd), "normlab-second-process")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


class _Sender:
    """The second process's end: every log event, on the pipe."""

    def __init__(self, config: pytest.Config, fd: int) -> None:
        self.config, self.fd = config, fd

    def _send(self, message: dict[str, Any]) -> None:
        # pickled (a JSON round trip would turn the tuples that pytest's reports hold into lists), each
        # message after its length
        body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        data = len(body).to_bytes(8, "little") + body
        while data:
            data = data[os.write(self.fd, data) :]

    def pytest_runtest_logstart(self, nodeid: str, location: tuple) -> None:
        self._send({"event": "start", "nodeid": nodeid, "location": location})

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple) -> None:
        self._send({"event": "finish", "nodeid": nodeid, "location": location})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = self.config.hook.pytest_report_to_serializable(config=self.config, report=report)
        self._send({"event": "report", "report": data})

    def pytest_warning_recorded(self, warning_message, when, nodeid, location) -> None:
        category = warning_message.category
        self._send(
            {
                "event": "warning",
                "message": str(warning_message.message),
                "category": [category.__module__, category.__qualname__],
                "filename": str(warning_message.filename),
                "lineno": warning_message.lineno,
                "when": when,
                "nodeid": nodeid,
                "location": location,
            }
        )


class _Receiver:
    """The first process's end: replays the second's events through the same hooks, as they arrive."""

    def __init__(self, config: pytest.Config, fd: int, items: list[pytest.Item]) -> None:
        self.config, self.fd, self.items = config, fd, items
        self.buffer = b""
        self.eof = False
        self.started: str | None = None
        self.finished: set[str] = set()

    def drain(self, block: bool = False) -> None:
        os.set_blocking(self.fd, block)
        while not self.eof:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                self.eof = True
            self.buffer += chunk
            while len(self.buffer) >= 8:
                size = int.from_bytes(self.buffer[:8], "little")
                if len(self.buffer) < 8 + size:
                    break
                body, self.buffer = self.buffer[8 : 8 + size], self.buffer[8 + size :]
                self._replay(pickle.loads(body))  # noqa: S301 -- from this run's own second process

    def _replay(self, message: dict[str, Any]) -> None:
        hook, event = self.config.hook, message["event"]
        if event == "start":
            self.started = message["nodeid"]
            hook.pytest_runtest_logstart(nodeid=message["nodeid"], location=message["location"])
        elif event == "finish":
            self.finished.add(message["nodeid"])
            self.started = None
            hook.pytest_runtest_logfinish(nodeid=message["nodeid"], location=message["location"])
        elif event == "report":
            report = hook.pytest_report_from_serializable(
                config=self.config, data=message["report"]
            )
            hook.pytest_runtest_logreport(report=report)
        elif event == "warning":
            category = _category(*message["category"])
            try:
                warning = category(message["message"])
            except Exception:  # a warning class of its own that takes other arguments
                category, warning = UserWarning, UserWarning(message["message"])
            hook.pytest_warning_recorded.call_historic(
                kwargs={
                    "warning_message": warnings.WarningMessage(
                        warning, category, message["filename"], message["lineno"]
                    ),
                    "when": message["when"],
                    "nodeid": message["nodeid"],
                    "location": message["location"],
                }
            )

    def finish(self, status: int) -> list[pytest.Item]:
        """After the second process ended: fail the test it died in; return the ones it never started."""
        if all(item.nodeid in self.finished for item in self.items):
            return []
        how = (
            f"killed by signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit status {os.WEXITSTATUS(status)}"
        )
        leftover = []
        for item in self.items:
            if item.nodeid in self.finished:
                continue
            if item.nodeid == self.started:
                report = pytest.TestReport(
                    item.nodeid,
                    item.location,
                    {k: 1 for k in item.keywords},
                    "failed",
                    f"{item.nodeid}\nThe second test process ended during this test ({how}): the code "
                    "under test crashed or ended the process. `pytest --jobs 1` runs it in one process.",
                    "call",
                )
                self.config.hook.pytest_runtest_logreport(report=report)
                self.config.hook.pytest_runtest_logfinish(
                    nodeid=item.nodeid, location=item.location
                )
            else:
                leftover.append(item)
        return leftover


def _category(module: str, qualname: str) -> type[Warning]:
    try:
        found: Any = sys.modules[module]
        for part in qualname.split("."):
            found = getattr(found, part)
        if isinstance(found, type) and issubclass(found, Warning):
            return found
    except (KeyError, AttributeError):
        pass
    return UserWarning
