"""The mutation audit (`python -m grader audit`, grader/verbs/audit.py): how many wrong answers does the hidden
suite catch, and does it ever fail a correct one?

For each group, every single-site AST mutant of solutions/<group>.py (grader/authoring/ast_mutants.py) is
1. graded with the hidden suite (judges only: mutants are derived from trusted code), case by case, stopping at
   the first case that fails, raises, or runs past the timeout: "killed" (a mutant that does not load is
   "broken", one whose process dies "crashed": both count as killed). A killed mutant is never equivalent;
2. if it passes, checked for equivalence: its outputs equal the reference's on K random input draws of every
   hidden case (detected, not hand-listed; such a mutant is not wrong: left out of the kill rate); otherwise
   it "survived";
3. a survivor that changes only a spot the docstring leaves free on purpose (the hidden file's FREEDOMS,
   grader/judging/cases.py Freedom: a figure's size, a distribution's exact parameters) is "equivalent by contract":
   reported with the docstring's reason, left out of the kill rate like an equivalent mutant.
Beside the kill rate, the false-fail check: the hidden suite on the reference and every correct variant
(grader/variants/<group>_*.py) with N seeds; every failed case run is a false fail.

Each group runs in a fresh interpreter (nothing a group did, nor the caller, can change the next group's results):
it imports the group, draws every case's inputs once per seed and runs the reference on them once (the reference's
outputs depend only on case and seed), then forks one child per mutant (and per false-fail seed), ``jobs`` at a
time: a mutant cannot change another's results, and one that corrupts its process's heap (a Triton mask out of
bounds in the interpreter) or hangs in C code only loses its own child. Every process uses one torch thread.
Prints per group the kill rate, the false fails and each surviving mutant as a diff; exit 1 when a group is below
--goal or any correct implementation failed a case.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import hashlib
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from grader import GROUPS, ROOT
from grader.authoring.ast_mutants import AstMutant
from grader.judging.cases import Freedom, Verdict
from grader.judging.compare import same
from grader.kit import hidden_file, reference_file, variant_files

EQUIVALENCE = {
    "rtol": 1e-9,
    "atol": 1e-12,
}  # a mutant within this of the reference on every draw is equivalent


def run(
    *,
    group: str | None = None,
    seeds: int = 4,
    goal: float = 95.0,
    timeout: float = 20.0,
    show: int = 20,
    false_fail_seeds: int = 3,
    mutants: bool = True,
    op: str | None = None,
    jobs: int | None = None,
    markdown: bool = False,
) -> int:
    """The audit of ``group`` (every group by default), printed: the mutation audit (unless ``mutants`` is
    False) and the false-fail check with ``false_fail_seeds`` seeds, each group's details then one table. 0 when
    every group's kill rate reaches ``goal`` % and no correct implementation failed a case. ``markdown``: the
    details in a fenced text block, so that the output pastes into a Markdown file as it is."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    start, audits = time.perf_counter(), []
    if markdown:
        print("```text", end="")
    for g in [group] if group else GROUPS:
        if not reference_file(g).exists() or not hidden_file(g).exists():
            continue
        audit = audit_group(
            g,
            seeds=seeds,
            timeout=timeout,
            op=op,
            jobs=jobs,
            false_fail_seeds=false_fail_seeds,
            mutants=None if mutants else [],
        )
        _print_group(audit, show)
        audits.append(audit)
    if markdown:
        print("```")
    print(_table(audits, mutants))
    print(
        f"\n{len(audits)} group(s) in {time.perf_counter() - start:.0f} s, {jobs or _cores()} jobs; equivalence "
        f"on {seeds} input draws a case, false-fail seeds {false_fail_seeds}"
        + ("" if mutants else " (no mutants)")
    )
    return exit_code(audits, goal if mutants else 0.0)


def exit_code(audits: list[GroupAudit], goal: float) -> int:
    """1 when a group's kill rate is below ``goal`` % or any correct implementation failed a case, else 0."""
    worst = min([100.0, *(a.rate for a in audits)])
    return 0 if worst >= goal and not any(a.false_fails for a in audits) else 1


@dataclass
class FalseFails:
    """One correct implementation's false-fail run: every case run that failed, as (seed, case, message)."""

    label: str
    seeds: int
    runs: int = 0
    failures: list[tuple[int, str, str]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class GroupAudit:
    """One group's mutants by verdict (a crashed child counts as killed and is listed in ``crashed`` too), and
    its false-fail runs."""

    group: str
    original: str  # the reference, unparsed: what survivors' diffs are taken against
    killed: list[AstMutant] = field(default_factory=list)
    equivalent: list[AstMutant] = field(default_factory=list)
    survived: list[AstMutant] = field(default_factory=list)
    broken: list[AstMutant] = field(default_factory=list)  # does not load: killed
    crashed: list[AstMutant] = field(default_factory=list)
    by_contract: list[tuple[AstMutant, Freedom]] = field(default_factory=list)
    implementations: list[FalseFails] = field(default_factory=list)
    seconds: float = 0.0
    details: list[dict] = field(
        default_factory=list
    )  # each mutant's child's report (timings), in order
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds per phase

    @property
    def caught(self) -> int:
        return len(self.killed) + len(self.broken)

    @property
    def non_equivalent(self) -> int:
        return self.caught + len(self.survived)

    @property
    def rate(self) -> float:
        return 100.0 * self.caught / self.non_equivalent if self.non_equivalent else 100.0

    @property
    def false_fails(self) -> int:
        return sum(len(f.failures) for f in self.implementations)

    @property
    def false_fail_runs(self) -> int:
        return sum(f.runs for f in self.implementations)

    def verdicts(self) -> dict[str, str]:
        """mutant source -> verdict, for every mutant (its name, or name and description, is not unique)."""
        out = {}
        for verdict in ("killed", "equivalent", "survived", "broken"):
            out.update({m.source: verdict for m in getattr(self, verdict)})
        out.update({m.source: "crashed" for m in self.crashed})
        out.update({m.source: "by contract" for m, _ in self.by_contract})
        return out


def audit_group(
    group: str,
    *,
    seeds: int = 4,
    timeout: float = 20.0,
    op: str | None = None,
    jobs: int | None = None,
    false_fail_seeds: int = 0,
    mutants: list | None = None,
    implementations: list[tuple[str, str | None]] | None = None,
) -> GroupAudit:
    """Every AST mutant of solutions/<group>.py (those of operator ``op`` only, when given; or ``mutants``:
    anything with .name, .description, .source, .span), classified, and the false-fail runs of
    ``implementations`` ((label, source); source None is the reference; default: :func:`implementation_sources`),
    all in a fresh process of their own (:func:`_group_process`)."""
    from grader.authoring.ast_mutants import generate

    start, start_wall = time.perf_counter(), time.time()
    source = reference_file(group).read_text()
    audit = GroupAudit(group, _unparse(source))
    if mutants is None:
        mutants = [m for m in generate(source) if not op or m.name.startswith(op + "@")]
    if implementations is None:
        implementations = implementation_sources(group) if false_fail_seeds else []
    order = {
        "group": group,
        "sources": [m.source for m in mutants],
        "seeds": seeds,
        "timeout": timeout,
        "jobs": jobs or _cores(),
        "implementations": implementations,
        "false_fail_seeds": false_fail_seeds,
    }
    spawned = time.time()
    report = _in_fresh_process(order)
    times = report["times"]
    audit.phases = {
        "generate": spawned - start_wall,
        "start": times[0] - spawned,
        "warm": times[1] - times[0],
        "children": times[2] - times[1],
    }
    _sort_mutants(audit, mutants, report["mutants"], freed_spans(group, source))
    audit.implementations = _false_fail_rows(implementations, false_fail_seeds, report)
    audit.seconds = time.perf_counter() - start
    return audit


def _sort_mutants(audit: GroupAudit, mutants: list, reports: list[dict], freed: list) -> None:
    for mutant, report in zip(mutants, reports, strict=True):
        verdict = report["verdict"]
        audit.details.append(report)
        if verdict == "crashed":
            audit.crashed.append(mutant)
            verdict = "killed"
        freedom = freedom_of(mutant, freed) if verdict == "survived" else None
        if freedom is not None:
            audit.by_contract.append((mutant, freedom))
            continue
        getattr(audit, verdict).append(mutant)


def _false_fail_rows(implementations: list, n: int, report: dict) -> list[FalseFails]:
    """Each implementation's false-fail run, from the seeds' reports (each ran every implementation)."""
    rows = {label: FalseFails(label, n) for label, _ in implementations}
    for job in report["false_fails"]:
        for label, runs, failures, seconds in job["rows"]:
            rows[label].runs += runs
            rows[label].failures += [(job["seed"], case, message) for case, message in failures]
            rows[label].seconds += seconds
    # the reference failing its own suite on the audit's inputs: a false fail that voids every kill
    if report["reference"]:
        rows.setdefault("solutions", FalseFails("solutions", n)).failures += [
            (0, case, f"(the audit's inputs) {message}") for case, message in report["reference"]
        ]
    return list(rows.values())


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --- printing -------------------------------------------------------------------------------------


def _print_group(audit: GroupAudit, show: int) -> None:
    mutants = (
        f"killed {audit.caught} / {audit.non_equivalent} non-equivalent mutants ({audit.rate:.1f} %); "
        f"{len(audit.equivalent)} equivalent left out, and {len(audit.by_contract)} equivalent by contract"
        + (
            f"; {len(audit.crashed)} killed by crashing their child process"
            if audit.crashed
            else ""
        )
        if audit.details
        else "no mutants judged"
    )
    checked = (
        f"false fails {audit.false_fails} in {audit.false_fail_runs} case runs"
        if audit.implementations
        else "no false-fail check"
    )
    print(f"\n== {audit.group}: {mutants}; {checked}")
    print(_per_operator(audit.killed + audit.broken, audit.survived, audit.equivalent))
    print("   " + _timings(audit))
    if audit.crashed:
        print("   crashed (child died): " + ", ".join(m.name for m in audit.crashed))
    for mutant, freedom in audit.by_contract:
        print(
            f"-- equivalent by contract {mutant.name} ({mutant.description}) in "
            f"{freedom.function}, {freedom.where}: {freedom.reason}"
        )
    for mutant in audit.survived[:show]:
        print(f"-- survived {mutant.name}: {mutant.description}")
        diff = difflib.unified_diff(
            audit.original.splitlines(), mutant.source.splitlines(), lineterm="", n=1
        )
        print("\n".join(list(diff)[2:]))
    if len(audit.survived) > show:
        print(f"   (+{len(audit.survived) - show} more survivors)")
    _print_false_fails(audit)


def _timings(audit: GroupAudit) -> str:
    """Where the group's seconds went: wall seconds per phase, CPU-side seconds summed over the children."""
    suite = sum(d.get("suite_s") or 0.0 for d in audit.details)
    eq = sum(d.get("eq_s") or 0.0 for d in audit.details)
    checked = sum(d.get("eq_s") is not None for d in audit.details)
    ff = sum(f.seconds for f in audit.implementations)
    phases = ", ".join(f"{k} {v:.1f}" for k, v in audit.phases.items())
    return (
        f"seconds: {audit.seconds:.1f} wall ({phases}); in the children: hidden suite {suite:.1f} over "
        f"{len(audit.details)} mutants, equivalence {eq:.1f} over {checked}, false fails {ff:.1f}"
    )


def _print_false_fails(audit: GroupAudit) -> None:
    for row in audit.implementations:
        print(
            f"   false fails {row.label}: {len(row.failures)} in {row.runs} case runs "
            f"({row.seeds} seeds, {row.seconds:.0f} s)"
        )
        for seed, case, message in row.failures[:10]:
            print(f"      seed {seed} {case}: {message[:300]}")


def _table(audits: list[GroupAudit], mutants: bool = True) -> str:
    """Per group: the mutants by verdict and the kill rate (killed / (killed + survived)), beside the false
    fails of the correct implementations."""
    lines = [
        "\n| group | mutants | killed | survived | equivalent | equivalent by contract | kill rate "
        "| correct implementations | false-fail seeds | case runs | false fails | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a in audits:
        seeds = a.implementations[0].seeds if a.implementations else 0
        rate = f"{a.rate:.1f} %" if mutants else "-"
        lines.append(
            f"| {a.group} | {len(a.details)} | {a.caught} | {len(a.survived)} | {len(a.equivalent)} | "
            f"{len(a.by_contract)} | {rate} | {len(a.implementations)} | {seeds} | "
            f"{a.false_fail_runs} | {a.false_fails} | {a.seconds:.0f} |"
        )
    return "\n".join(lines)


def _per_operator(killed: list, survived: list, equivalent: list) -> str:
    """One line per mutation operator: killed / non-equivalent, equivalent, and its survivors' names."""
    ops: dict[str, list[int]] = {}
    names: dict[tuple[str, int], list[str]] = {}
    for k, group in enumerate((killed, survived, equivalent)):
        for mutant in group:
            op = mutant.name.split("@")[0]
            ops.setdefault(op, [0, 0, 0])[k] += 1
            if k == 1 or (k == 2 and op == "ignored"):  # an unexercised argument looks "equivalent"
                names.setdefault((op, k), []).append(f"{mutant.name} ({mutant.description})")
    lines = []
    for op in sorted(ops):
        k, s, e = ops[op]
        line = f"   {op}: killed {k} / {k + s}, {e} equivalent"
        for key, label in ((1, "survivors"), (2, "equivalent on every hidden input")):
            if (op, key) in names:
                line += f"\n      {label}: " + "; ".join(names[op, key])
        lines.append(line)
    return "\n".join(lines)


# --- contract freedoms ----------------------------------------------------------------------------

Span = tuple[int, int, int, int]  # (line, col, end line, end col), as ast nodes have them


def freed_spans(group: str, source: str) -> list[tuple[Span, Freedom]]:
    """The spots of ``source`` that the group's FREEDOMS leave free; a freedom that matches nothing is an error
    (the solution changed under it: a stale freedom must not pass silently)."""
    import ast

    from grader.judging.callgraph import code_units
    from grader.judging.cases import load_freedoms

    units = {name: node for _, _, name, node in code_units(ast.parse(source))}
    out: list[tuple[Span, Freedom]] = []
    for freedom in load_freedoms(group):
        fn = units.get(freedom.function)
        found: list[ast.AST] = []
        for node in ast.walk(fn) if fn is not None else ():
            if freedom.where.endswith("="):
                if isinstance(node, ast.keyword) and node.arg == freedom.where[:-1]:
                    found.append(node.value)
            elif freedom.where.endswith("()"):
                if isinstance(node, ast.Call) and ast.unparse(node.func) == freedom.where[:-2]:
                    found += [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.expr) and ast.unparse(node) == freedom.where:
                found.append(node)
        if not found:
            raise ValueError(
                f"grader/hidden/{group}.py FREEDOMS: {freedom.where!r} matches nothing in "
                f"{freedom.function} of solutions/{group}.py"
            )
        out += [
            ((n.lineno, n.col_offset, n.end_lineno or n.lineno, n.end_col_offset or 0), freedom)
            for n in found
        ]
    return out


def freedom_of(mutant, freed: list[tuple[Span, Freedom]]) -> Freedom | None:
    """The freedom whose spot holds everything ``mutant`` changes, if any."""
    line, col, end_line, end_col = mutant.span
    for (a, b, c, d), freedom in freed:
        if line and (a, b) <= (line, col) and (end_line, end_col) <= (c, d):
            return freedom
    return None


def _unparse(source: str) -> str:
    import ast

    return ast.unparse(ast.parse(source))


# --- the implementations -------------------------------------------------------------------------


def load_source(group: str, source: str) -> ModuleType:
    name = f"grader._audit_mutant_{group}"
    module = ModuleType(name)
    module.__file__ = str(ROOT / "solutions" / f"{group}.py")
    sys.modules[name] = module
    exec(compile(source, f"<audit mutant {group}>", "exec"), module.__dict__)  # noqa: S102 - from solutions/
    return module


def implementation_sources(group: str) -> list[tuple[str, str | None]]:
    """(label, source) of the reference (source None: solutions.<group> itself) and of every variant
    grader/variants/<group>_*.py: every one must get full marks."""
    return [("solutions", None)] + [
        (f"variants/{path.name}", path.read_text()) for path in variant_files(group)
    ]


def correct_implementations(group: str) -> list[tuple[str, ModuleType]]:
    """The reference and every variant grader/variants/<group>_*.py, loaded in this process."""
    from grader.judging.evaluate import reference_module

    return [
        (label, reference_module(group) if source is None else _load_variant(group, label, source))
        for label, source in implementation_sources(group)
    ]


def _load_variant(group: str, label: str, source: str) -> ModuleType:
    return load_source(f"{group}_{label.removeprefix('variants/').removesuffix('.py')}", source)


def false_fails(group: str | None, n: int, *, jobs: int | None = None) -> int:
    """The false-fail check alone: the hidden suite with ``n`` seeds on every correct implementation of
    ``group`` (every group by default), printed; 1 when any case run failed."""
    return run(group=group, false_fail_seeds=n, mutants=False, jobs=jobs)


# --- the group's process: warm state, then one forked child per mutant ---------------------------------


def _in_fresh_process(order: dict) -> dict:
    """:func:`_group_process` on ``order`` in a spawned interpreter (nothing of this process's state: its RNGs,
    torch threads, matplotlib, sys.modules), its report back."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe()
    process = ctx.Process(target=_group_process, args=(order, there), daemon=True)
    process.start()
    there.close()
    try:
        report = here.recv()
    except EOFError:
        report = {"error": f"the audit process of {order['group']} died"}
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
    if "error" in report:
        raise RuntimeError(report["error"])
    return report


def _group_process(order: dict, conn) -> None:
    """Warm the group's state (imports, inputs, the reference's outputs), then judge every mutant and every
    false-fail seed in forked children; send the report."""
    times = [time.time()]
    try:
        # one thread (torch reads these when it starts): no thread pool for a fork to lose, the children run
        # side by side; and the numpy group never imports torch
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
        bench = Bench(order["group"])
        bench.warm(order["seeds"])
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        times.append(time.time())
        impls = [(label, src) for label, src in order["implementations"]]
        seeds, timeout = order["seeds"], order["timeout"]
        tasks = [
            (_false_fail_task(bench, impls, k, timeout), 3 * timeout * len(impls) + 30)
            for k in range(order["false_fail_seeds"] if impls else 0)
        ] + [
            (_mutant_task(bench, s, seeds, timeout), timeout * (seeds + 1) + 30)
            for s in order["sources"]
        ]
        results = forked(tasks, order["jobs"])
        times.append(time.time())
        n = len(tasks) - len(order["sources"])
        report = {
            "reference": bench.reference_failures,
            "false_fails": [_seed_report(k, r, impls) for k, r in enumerate(results[:n])],
            "mutants": [_mutant_report(r) for r in results[n:]],
            "times": times,
        }
    except Exception as exc:  # reported in the parent, which raises it
        import traceback

        report = {"error": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"}
    conn.send(report)
    conn.close()
    os._exit(
        0
    )  # no interpreter teardown (torch's takes seconds): the report is sent, nothing else is owed


def _mutant_report(result: dict) -> dict:
    """A mutant child's report; one that died is "crashed", one that hung past its limit (in C code, where the
    alarm cannot reach) "killed": it would time out in grading too."""
    if "verdict" in result:
        return result
    return {**result, "verdict": "killed" if result["died"].startswith("timed out") else "crashed"}


def _seed_report(k: int, result: dict, impls: list) -> dict:
    """A false-fail child's report; a child that died or hung is a failure of the implementation it was on."""
    rows = result.get("rows", [])
    if result.get("done"):
        return {"seed": k, "rows": rows}
    why = result.get("died", "the process died")
    label = impls[min(len(rows), len(impls) - 1)][0]
    rows = [*rows, (label, 0, [("(whole suite)", why)], 0.0)]
    return {"seed": k, "rows": rows}


def forked(tasks: list[tuple[Callable[[], dict], float]], jobs: int) -> list[dict]:
    """Each (task, limit) run in a child forked from this process, ``jobs`` at a time, its report (a JSON dict)
    back; a child that dies leaves {"died": why} with what it last reported (:func:`progress`), one past its
    limit in seconds is killed."""
    results: list[dict] = [{} for _ in tasks]
    running: dict[int, tuple[int, str, float]] = {}  # pid -> (task index, report file, deadline)
    pending = list(range(len(tasks)))
    with tempfile.TemporaryDirectory(prefix="normlab-audit-") as tmp:
        while pending or running:
            while pending and len(running) < jobs:
                i = pending.pop(0)
                path = os.path.join(tmp, f"{i}.json")
                task, limit = tasks[i]
                running[_fork(task, path)] = (i, path, time.monotonic() + limit)
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid not in running:
                _kill_late(running)
                time.sleep(0.01)
                continue
            i, path, _ = running.pop(pid)
            results[i] = _read_report(path, status)
    return results


def _fork(task: Callable[[], dict], path: str) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the child: no output, no exit handler
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.environ["NORMLAB_AUDIT_REPORT"] = path
        progress({**task(), "done": True})
        code = 0
    finally:
        os._exit(code)


def progress(report: dict) -> None:
    """In a forked child: (re)write its report, so that what it did before dying is known."""
    path = os.environ["NORMLAB_AUDIT_REPORT"]
    with open(path + ".tmp", "w") as f:
        json.dump(report, f)
    os.replace(path + ".tmp", path)


def _kill_late(running: dict[int, tuple[int, str, float]]) -> None:
    now = time.monotonic()
    for pid, (i, path, deadline) in running.items():
        if now > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            running[pid] = (i, path, float("inf"))
            with open(path + ".late", "w"):
                pass


def _read_report(path: str, status: int) -> dict:
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError):
        report = {}
    if report.get("done") and os.waitstatus_to_exitcode(status) == 0:
        return report
    late = os.path.exists(path + ".late")
    report.pop("done", None)
    return {**report, "died": "timed out (killed)" if late else "the process died"}


# --- judging in the warmed process -----------------------------------------------------------------


class Bench:
    """A group's hidden cases (CPU ones) with each case's inputs drawn once per (seed, learner) and the
    reference's outputs computed once per (driver, inputs): a judge's ``ctx.reference_for`` is served from it
    too. Built once in the group's process, before it forks (the children share it)."""

    def __init__(self, group: str) -> None:
        from grader.judging.cases import load_cases
        from grader.judging.evaluate import reference_module

        self.group = group
        self.cases = [c for c in load_cases(group) if c.device == "cpu"]
        self.reference_module = reference_module(group)
        self._inputs: dict[tuple, dict] = {}
        self._outputs: dict[tuple, dict] = {}
        self.reference_failures: list[tuple[str, str]] = []

    def warm(self, seeds: int) -> None:
        """Imports and first calls done, the audit's inputs judged on the reference (its failures kept: every
        kill would be void), the equivalence check's reference outputs computed."""
        from grader.judging.evaluate import warm_up

        warm_up([self.group])
        self.reference_failures = self.failures(self.reference_module, seed=0, learner="audit")
        for case in self.first_of_each_run():
            for k in range(seeds):
                with contextlib.suppress(Exception):  # a reference that raises: equivalence says no
                    self.reference(case, self.inputs(case, k, "equivalence"))

    def first_of_each_run(self) -> list:
        seen: dict[tuple[str, str], Any] = {}
        for case in self.cases:
            seen.setdefault(case.run_key, case)
        return list(seen.values())

    def inputs(self, case, seed: int, learner: str) -> dict:
        """The inputs of ``case``'s run (cases sharing a run share them), a copy of the one draw."""
        from grader.judging.evaluate import case_inputs

        key = (case.run_key, seed, learner)
        if key not in self._inputs:
            self._inputs[key] = case_inputs(self.group, case, seed=seed, learner=learner)
        return copy.deepcopy(self._inputs[key])

    def reference(self, case, inputs: dict) -> dict:
        """The reference's outputs for ``case``'s driver on ``inputs`` (a copy: a judge may change them)."""
        from grader.judging.evaluate import call_driver, quietly

        key = _fingerprint((case.driver, inputs))
        if key is None or key not in self._outputs:
            with quietly():
                outputs = call_driver(self.group, case, self.reference_module, inputs)
            if key is None:
                return outputs
            self._outputs[key] = outputs
        return copy.deepcopy(self._outputs[key])

    def judge(self, case, inputs: dict, outputs: dict) -> Verdict:
        """evaluate.case_verdict(hints=False) with the reference's outputs from this bench."""
        from grader.judging.cases import JudgeContext
        from grader.judging.evaluate import quietly

        ctx = JudgeContext(
            self.group, case, inputs, outputs, lambda i: self.reference(case, i), lambda i: {}
        )
        try:
            with quietly():
                return case.judge(ctx)
        except Exception as exc:
            return Verdict(
                False, f"could not judge the outputs ({type(exc).__name__}: {exc})"[:300]
            )

    def failures(
        self, module: Any, *, seed: int, learner: str, first: bool = False
    ) -> list[tuple[str, str]]:
        """(case, why) for every hidden case ``module`` fails with inputs (seed, learner), in table order;
        only the first with ``first``. Cases sharing a run are judged on one call, as in grading."""
        from grader.judging.evaluate import call_driver, quietly

        found: list[tuple[str, str]] = []
        runs: dict[tuple[str, str], tuple[dict, Any]] = {}
        for case in self.cases:
            if case.run_key not in runs:
                inputs = self.inputs(case, seed, learner)
                try:
                    with quietly():
                        runs[case.run_key] = inputs, call_driver(self.group, case, module, inputs)
                except Exception as exc:
                    runs[case.run_key] = inputs, exc
            inputs, outputs = runs[case.run_key]
            if isinstance(outputs, Exception):
                why = f"raised {type(outputs).__name__}: {str(outputs)[:300]}"
            else:
                verdict = self.judge(case, inputs, outputs)
                why = None if verdict.passed else verdict.message
            if why is not None:
                found.append((case.name, why))
                if first:
                    break
        return found

    def equivalent(self, module: Any, seeds: int) -> bool:
        """Does ``module`` give the reference's outputs (within EQUIVALENCE) on ``seeds`` input draws of every
        CPU hidden case?"""
        from grader.judging.evaluate import call_driver, quietly

        for case in self.first_of_each_run():
            for k in range(seeds):
                inputs = self.inputs(case, k, "equivalence")
                try:
                    with quietly():
                        got = call_driver(self.group, case, module, inputs)
                    want = self.reference(case, inputs)
                except Exception:
                    return False
                if not same(got, want, **EQUIVALENCE):
                    return False
        return True


def _fingerprint(value: Any) -> str | None:
    """A digest of plain data (arrays, numbers, strings, lists, dicts); None for anything else."""
    import numpy as np

    digest = hashlib.sha1(usedforsecurity=False)

    def feed(v: Any) -> bool:
        if isinstance(v, np.ndarray):
            digest.update(f"a{v.dtype.str}{v.shape}".encode())
            digest.update(np.ascontiguousarray(v).tobytes() if v.dtype.kind != "O" else b"")
            return v.dtype.kind != "O"
        if isinstance(v, dict):
            digest.update(b"d")
            return all(feed(k) and feed(x) for k, x in v.items())
        if isinstance(v, list | tuple):
            digest.update(f"l{len(v)}".encode())
            return all(feed(x) for x in v)
        if v is None or isinstance(v, bool | int | float | str | np.generic):
            digest.update(f"{type(v).__name__}:{v!r};".encode())
            return True
        return False

    return digest.hexdigest() if feed(value) else None


# --- one mutant, one false-fail seed -----------------------------------------------------------------


class _Timeout(BaseException):  # not an Exception: no driver's or judge's handler may swallow it
    pass


def _alarm(_signum, _frame):
    raise _Timeout


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def classify(
    group: str, module: ModuleType, seeds: int, timeout: float, bench: Bench | None = None
) -> str:
    """The verdict on a loaded mutant: "killed", "equivalent" or "survived" (:func:`judge_mutant`)."""
    return judge_mutant(bench or Bench(group), module, seeds, timeout)["verdict"]


def judge_mutant(bench: Bench, module: ModuleType, seeds: int, timeout: float) -> dict:
    """The hidden suite first, stopping at the first failing case (a failing mutant is never equivalent:
    "killed", with the case, or "timeout"); only a mutant that passes is checked for equivalence, with
    ``timeout`` seconds a seed ("equivalent" or "survived"). Seconds spent in each part."""
    start = time.perf_counter()
    try:
        with _time_limit(timeout):
            failed = bench.failures(module, seed=0, learner="audit", first=True)
    except _Timeout:
        failed = [("(timeout)", f"ran past {timeout} s")]
    suite = time.perf_counter() - start
    if failed:
        return {"verdict": "killed", "case": failed[0][0], "suite_s": suite, "eq_s": None}
    try:
        with _time_limit(timeout * max(seeds, 1)):
            same_outputs = bench.equivalent(module, seeds)
    except _Timeout:
        same_outputs = False  # not shown equivalent: a survivor, for a person to read
    eq = time.perf_counter() - start - suite
    verdict = "equivalent" if same_outputs else "survived"
    return {"verdict": verdict, "case": "", "suite_s": suite, "eq_s": eq}


def _mutant_task(bench: Bench, source: str, seeds: int, timeout: float) -> Callable[[], dict]:
    def task() -> dict:
        try:
            module = load_source(bench.group, source)
        except Exception:
            return {"verdict": "broken"}
        return judge_mutant(bench, module, seeds, timeout)

    return task


def _false_fail_task(bench: Bench, impls: list, seed: int, timeout: float) -> Callable[[], dict]:
    """One seed of the false-fail check on every implementation, reference first (whose outputs the judges then
    reuse); the rows so far written after each, so that a death is blamed on the right one."""

    def task() -> dict:
        rows: list = []
        for label, source in impls:
            start = time.perf_counter()
            try:
                with _time_limit(3 * timeout):
                    module = (
                        bench.reference_module
                        if source is None
                        else _load_variant(bench.group, label, source)
                    )
                    bad = bench.failures(module, seed=seed, learner=f"false-fail-{seed}")
            except _Timeout:
                bad = [("(whole suite)", f"ran past {3 * timeout} s")]
            except Exception as exc:  # does not load
                bad = [("(loading)", f"raised {type(exc).__name__}: {str(exc)[:300]}")]
            runs = len(bench.cases)
            rows.append((label, runs, bad, time.perf_counter() - start))
            progress({"rows": rows})
        return {"rows": rows}

    return task
