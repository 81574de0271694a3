"""The mutation audit (`python -m grader audit`, grader/verbs/audit.py): how many wrong answers does the hidden
suite catch, and does it ever fail a correct one?

For each group, every single-site AST mutant of solutions/<group>.py (grader/authoring/ast_mutants.py) is
1. checked for equivalence: its outputs equal the reference's on K random input draws of every hidden case
   (detected, not hand-listed; such a mutant is not wrong, so it is left out of the kill rate);
2. otherwise graded with the hidden suite (judges only, in this process: mutants are derived from trusted code);
   killed when any case fails, raises, or runs past the timeout;
3. a survivor that changes only a spot the docstring leaves free on purpose (the hidden file's FREEDOMS,
   grader/judging/cases.py Freedom: a figure's size, a distribution's exact parameters) is "equivalent by contract":
   reported with the docstring's reason, left out of the kill rate like an equivalent mutant.
Groups in ISOLATED (Triton kernels in the interpreter: a mutated mask reads or writes out of bounds and can corrupt
the heap) judge each mutant in a forked child instead; a child that dies is "killed (crashed)".
Prints per group the kill rate and each surviving mutant as a diff; exit 1 when a group is below --goal.
"""

from __future__ import annotations

import difflib
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType

from grader import GROUPS, ROOT
from grader.authoring.ast_mutants import AstMutant
from grader.judging.cases import Freedom
from grader.judging.compare import same
from grader.kit import hidden_file, reference_file, variant_files


def run(
    *,
    group: str | None = None,
    seeds: int = 4,
    goal: float = 95.0,
    timeout: float = 20.0,
    show: int = 20,
    false_fail_seeds: int = 0,
    op: str | None = None,
) -> int:
    """The mutation audit of ``group`` (every group by default), printed; 0 when every group's kill rate reaches
    ``goal`` %. With ``false_fail_seeds``: the false-fail run of :func:`false_fails` instead."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    if false_fail_seeds:
        return false_fails(group, false_fail_seeds)
    audits = []
    for g in [group] if group else GROUPS:
        if not reference_file(g).exists() or not hidden_file(g).exists():
            continue
        audit = audit_group(g, seeds=seeds, timeout=timeout, op=op)
        _print_group(audit, show)
        audits.append(audit)
    print(
        "\n| group | killed | non-equivalent | equivalent | equivalent by contract | kill rate "
        "| seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for a in audits:
        print(
            f"| {a.group} | {a.caught} | {a.non_equivalent} | {len(a.equivalent)} | "
            f"{len(a.by_contract)} | {a.rate:.1f} % | {a.seconds:.0f} |"
        )
    worst = min([100.0, *(a.rate for a in audits)])
    return 0 if worst >= goal else 1


@dataclass
class GroupAudit:
    """One group's mutants by verdict (a crashed child counts as killed and is listed in ``crashed`` too)."""

    group: str
    original: str  # the reference, unparsed: what survivors' diffs are taken against
    killed: list[AstMutant] = field(default_factory=list)
    equivalent: list[AstMutant] = field(default_factory=list)
    survived: list[AstMutant] = field(default_factory=list)
    broken: list[AstMutant] = field(default_factory=list)  # does not load: killed
    crashed: list[AstMutant] = field(default_factory=list)
    by_contract: list[tuple[AstMutant, Freedom]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def caught(self) -> int:
        return len(self.killed) + len(self.broken)

    @property
    def non_equivalent(self) -> int:
        return self.caught + len(self.survived)

    @property
    def rate(self) -> float:
        return 100.0 * self.caught / self.non_equivalent if self.non_equivalent else 100.0


def audit_group(group: str, *, seeds: int, timeout: float, op: str | None = None) -> GroupAudit:
    """Every AST mutant of solutions/<group>.py (those of operator ``op`` only, when given), classified."""
    from grader.authoring.ast_mutants import generate

    start = time.perf_counter()
    source = reference_file(group).read_text()
    audit = GroupAudit(group, _unparse(source))
    freed = freed_spans(group, source)
    mutants = [m for m in generate(source) if not op or m.name.startswith(op + "@")]
    verdicts = (
        classify_isolated(group, mutants, seeds, timeout)
        if group in ISOLATED
        else (classify_source(group, m.source, seeds, timeout) for m in mutants)
    )
    for mutant, verdict in zip(mutants, verdicts, strict=True):
        if verdict == "crashed":
            audit.crashed.append(mutant)
            verdict = "killed"
        freedom = freedom_of(mutant, freed) if verdict == "survived" else None
        if freedom is not None:
            audit.by_contract.append((mutant, freedom))
            continue
        getattr(audit, verdict).append(mutant)
    audit.seconds = time.perf_counter() - start
    return audit


def _print_group(audit: GroupAudit, show: int) -> None:
    print(
        f"\n== {audit.group}: killed {audit.caught} / {audit.non_equivalent} non-equivalent mutants "
        f"({audit.rate:.1f} %); {len(audit.equivalent)} equivalent left out, and "
        f"{len(audit.by_contract)} equivalent by contract"
        + (
            f"; {len(audit.crashed)} killed by crashing their child process"
            if audit.crashed
            else ""
        )
    )
    print(_per_operator(audit.killed + audit.broken, audit.survived, audit.equivalent))
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


def load_source(group: str, source: str) -> ModuleType:
    name = f"grader._audit_mutant_{group}"
    module = ModuleType(name)
    module.__file__ = str(ROOT / "solutions" / f"{group}.py")
    sys.modules[name] = module
    exec(compile(source, f"<audit mutant {group}>", "exec"), module.__dict__)  # noqa: S102 - from solutions/
    return module


def classify_source(group: str, source: str, seeds: int, timeout: float) -> str:
    """The verdict on one mutant's source: "broken" (does not load), else _classify's."""
    try:
        module = load_source(group, source)
    except Exception:
        return "broken"
    return classify(group, module, seeds, timeout)


# Groups whose mutants are judged one per child process: Triton's interpreter does not bounds-check a load or
# store whose mask (or offsets) a mutant changed, and such a read or write past an allocation can corrupt the
# heap (glibc aborts with "munmap_chunk(): invalid pointer") or silently change later results.
ISOLATED = frozenset({"layer_norm_triton"})


def classify_isolated(group: str, mutants: list, seeds: int, timeout: float) -> Iterator[str]:
    """_classify_source of each mutant, each in its own child: "crashed" where the child dies.

    A spawned template process (fresh interpreter: not a fork of this one, whose torch may have started
    OpenMP threads) imports the group once, runs the reference once with one torch thread (so no thread pool
    exists to be lost by fork), then forks one child per mutant; a child past timeout + 30 s is killed.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    here, there = ctx.Pipe()
    template = ctx.Process(target=_template, args=(group, there), daemon=True)
    template.start()
    there.close()
    try:
        for mutant in mutants:
            here.send((mutant.source, seeds, timeout))
            yield here.recv()
        here.send(None)
    finally:
        template.join(timeout=10)
        if template.is_alive():
            template.kill()


def _template(group: str, conn) -> None:
    """The template process of _classify_isolated: fork a child per order (source, seeds, timeout)."""
    import torch

    torch.set_num_threads(1)
    from grader.judging.evaluate import warm_up

    warm_up([group])
    while (order := conn.recv()) is not None:
        source, seeds, timeout = order
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: judge, write the verdict, leave without running any exit handler
            os.close(read)
            code = 1
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 1)
                os.dup2(null, 2)
                os.write(write, classify_source(group, source, seeds, timeout).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        deadline = time.monotonic() + timeout + 30
        while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        if done[0] == 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            verdict = "killed"  # hung past the alarm (in C code): it would time out in grading too
        else:
            verdict = os.read(read, 64).decode() if os.waitstatus_to_exitcode(done[1]) == 0 else ""
            verdict = verdict or "crashed"
        os.close(read)
        conn.send(verdict)


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout


def classify(group: str, module: ModuleType, seeds: int, timeout: float) -> str:
    from grader.judging.evaluate import (
        quietly,
        run_inprocess,
    )

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with quietly():
            if equivalent(group, module, seeds):
                return "equivalent"
            results = run_inprocess(group, module, seed=0, learner="audit", hints=False)
            return "survived" if all(v.passed for _, v in results) else "killed"
    except _Timeout:
        return "killed"
    except Exception:
        return "killed"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def equivalent(group: str, module: ModuleType, seeds: int) -> bool:
    """Does ``module`` give the reference's outputs (within 1e-9 relative, 1e-12 absolute) on ``seeds`` input
    draws of every CPU hidden case?"""
    from grader.judging.cases import load_cases
    from grader.judging.evaluate import call_driver, case_inputs, reference_module

    ref = reference_module(group)
    for case in load_cases(group):
        if case.device != "cpu":
            continue
        for k in range(seeds):
            inputs = case_inputs(group, case, seed=k, learner="equivalence")
            try:
                got = call_driver(group, case, module, inputs)
            except Exception:
                return False
            want = call_driver(group, case, ref, inputs)
            if not same(got, want, rtol=1e-9, atol=1e-12):
                return False
    return True


def correct_implementations(group: str) -> list[tuple[str, ModuleType]]:
    """The reference and every variant grader/variants/<group>_*.py (all must get full marks)."""
    from grader.judging.evaluate import reference_module

    found = [("solutions", reference_module(group))]
    for path in variant_files(group):
        found.append(
            (f"variants/{path.name}", load_source(f"{group}_{path.stem}", path.read_text()))
        )
    return found


def false_fails(group: str | None, n: int) -> int:
    """Run the hidden suite with n seeds on every correct implementation; print and count failures."""
    from grader.judging.evaluate import quietly, run_inprocess

    total_bad = 0
    print("| group | implementation | seeds | case runs | false fails | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for g in [group] if group else GROUPS:
        if not hidden_file(g).exists():
            continue
        for label, module in correct_implementations(g):
            start, runs, bad = time.perf_counter(), 0, []
            for k in range(n):
                with quietly():
                    results = run_inprocess(
                        g, module, seed=k, learner=f"false-fail-{k}", hints=False
                    )
                runs += len(results)
                bad += [(k, c.name, v.message) for c, v in results if not v.passed]
            total_bad += len(bad)
            print(
                f"| {g} | {label} | {n} | {runs} | {len(bad)} | {time.perf_counter() - start:.0f} |"
            )
            for k, case, message in bad[:10]:
                print(f"    seed {k} {case}: {message[:300]}", file=sys.stderr)
    return 1 if total_bad else 0
