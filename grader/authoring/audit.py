"""`python -m grader audit [--group G] [--seeds K] [--show N]`: how many wrong answers does the hidden suite catch?

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

import argparse
import difflib
import os
import signal
import sys
import time
from collections.abc import Iterator
from types import ModuleType

import numpy as np

from grader import GROUPS, ROOT
from grader.judging.cases import Freedom


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = main.__kwdefaults__
    parser.add_argument("--group", choices=GROUPS, default=d["group"], help="audit one group only")
    parser.add_argument(
        "--seeds",
        type=int,
        default=d["seeds"],
        help="input draws per case for the equivalence check (default %(default)s)",
    )
    parser.add_argument(
        "--goal",
        type=float,
        default=d["goal"],
        help="minimum kill rate per group, in %% (default %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=d["timeout"],
        help="seconds per mutant before it counts as killed (default %(default)s)",
    )
    parser.add_argument(
        "--show", type=int, default=d["show"], help="surviving diffs to print per group"
    )
    parser.add_argument(
        "--op",
        default=d["op"],
        metavar="OP",
        help="only the mutants of one operator (e.g. ignored: an argument ignored; see grader/authoring/ast_mutants.py)",
    )
    parser.add_argument(
        "--false-fail-seeds",
        type=int,
        default=d["false_fail_seeds"],
        metavar="N",
        help="instead of mutants: run the hidden suite on the references and every correct variant under "
        "grader/variants/ with N seeds; any failure is a false fail (exit 1)",
    )


def main(
    *,
    group: str | None = None,
    seeds: int = 4,
    goal: float = 95.0,
    timeout: float = 20.0,
    show: int = 20,
    false_fail_seeds: int = 0,
    op: str | None = None,
) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    if false_fail_seeds:
        return false_fails(group, false_fail_seeds)
    from grader.authoring.ast_mutants import generate

    worst = 100.0
    rows = []
    for g in [group] if group else GROUPS:
        path = ROOT / "solutions" / f"{g}.py"
        if not path.exists() or not (ROOT / "grader" / "hidden" / f"{g}.py").exists():
            continue
        start = time.perf_counter()
        source = path.read_text()
        original = _unparse(source)
        freed = freed_spans(g, source)
        killed, equivalent, survived, broken = [], [], [], []
        by_contract: list[tuple[object, Freedom]] = []
        mutants = [m for m in generate(source) if not op or m.name.startswith(op + "@")]
        verdicts = (
            _classify_isolated(g, mutants, seeds, timeout)
            if g in ISOLATED
            else (_classify_source(g, m.source, seeds, timeout) for m in mutants)
        )
        crashed = []
        for mutant, verdict in zip(mutants, verdicts, strict=True):
            if verdict == "crashed":
                crashed.append(mutant)
                verdict = "killed"
            freedom = freedom_of(mutant, freed) if verdict == "survived" else None
            if freedom is not None:
                by_contract.append((mutant, freedom))
                continue
            {
                "killed": killed,
                "equivalent": equivalent,
                "survived": survived,
                "broken": broken,
            }[verdict].append(mutant)
        non_equivalent = len(killed) + len(survived) + len(broken)
        rate = 100.0 * (len(killed) + len(broken)) / non_equivalent if non_equivalent else 100.0
        worst = min(worst, rate)
        rows.append(
            (
                g,
                len(killed) + len(broken),
                non_equivalent,
                len(equivalent),
                len(by_contract),
                rate,
                time.perf_counter() - start,
            )
        )
        print(
            f"\n== {g}: killed {len(killed) + len(broken)} / {non_equivalent} non-equivalent mutants "
            f"({rate:.1f} %); {len(equivalent)} equivalent left out, and {len(by_contract)} "
            "equivalent by contract"
            + (f"; {len(crashed)} killed by crashing their child process" if crashed else "")
        )
        print(_per_operator(killed + broken, survived, equivalent))
        if crashed:
            print("   crashed (child died): " + ", ".join(m.name for m in crashed))
        for mutant, freedom in by_contract:
            print(
                f"-- equivalent by contract {mutant.name} ({mutant.description}) in "
                f"{freedom.function}, {freedom.where}: {freedom.reason}"
            )
        for mutant in survived[:show]:
            print(f"-- survived {mutant.name}: {mutant.description}")
            diff = difflib.unified_diff(
                original.splitlines(), mutant.source.splitlines(), lineterm="", n=1
            )
            print("\n".join(list(diff)[2:]))
        if len(survived) > show:
            print(f"   (+{len(survived) - show} more survivors)")
    print(
        "\n| group | killed | non-equivalent | equivalent | equivalent by contract | kill rate "
        "| seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for g, k, n, e, c, rate, secs in rows:
        print(f"| {g} | {k} | {n} | {e} | {c} | {rate:.1f} % | {secs:.0f} |")
    return 0 if worst >= goal else 1


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

    from grader.judging.cases import load_freedoms

    tree = ast.parse(source)
    units: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            units[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for m in node.body:
                if isinstance(m, ast.FunctionDef):
                    units[f"{node.name}.{m.name}"] = m
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


def _load(group: str, source: str) -> ModuleType:
    name = f"grader._audit_mutant_{group}"
    module = ModuleType(name)
    module.__file__ = str(ROOT / "solutions" / f"{group}.py")
    sys.modules[name] = module
    exec(compile(source, f"<audit mutant {group}>", "exec"), module.__dict__)  # noqa: S102 - from solutions/
    return module


def _classify_source(group: str, source: str, seeds: int, timeout: float) -> str:
    """The verdict on one mutant's source: "broken" (does not load), else _classify's."""
    try:
        module = _load(group, source)
    except Exception:
        return "broken"
    return _classify(group, module, seeds, timeout)


# Groups whose mutants are judged one per child process: Triton's interpreter does not bounds-check a load or
# store whose mask (or offsets) a mutant changed, and such a read or write past an allocation can corrupt the
# heap (glibc aborts with "munmap_chunk(): invalid pointer") or silently change later results.
ISOLATED = frozenset({"layer_norm_triton"})


def _classify_isolated(group: str, mutants: list, seeds: int, timeout: float) -> Iterator[str]:
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
                os.write(write, _classify_source(group, source, seeds, timeout).encode())
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


def _classify(group: str, module: ModuleType, seeds: int, timeout: float) -> str:
    from grader.judging.cases import load_cases
    from grader.judging.evaluate import (
        call_driver,
        case_inputs,
        quietly,
        reference_module,
        run_inprocess,
    )

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with quietly():
            if _equivalent(
                group, module, seeds, load_cases, case_inputs, call_driver, reference_module
            ):
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


def _equivalent(
    group, module, seeds, load_cases, case_inputs, call_driver, reference_module
) -> bool:
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
            if not _same(got, want):
                return False
    return True


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    return a == b


def correct_implementations(group: str) -> list[tuple[str, ModuleType]]:
    """The reference and every variant grader/variants/<group>_*.py (all must get full marks)."""
    from grader.judging.evaluate import reference_module

    found = [("solutions", reference_module(group))]
    for path in sorted((ROOT / "grader" / "variants").glob(f"{group}_*.py")):
        if variant_group(path.stem) == group:
            found.append((f"variants/{path.name}", _load(f"{group}_{path.stem}", path.read_text())))
    return found


def variant_group(stem: str) -> str | None:
    """The group of a variant file `<group>_<style>`: the longest group name that prefixes it."""
    matches = [g for g in GROUPS if stem.startswith(g + "_")]
    return max(matches, key=len) if matches else None


def false_fails(group: str | None, n: int) -> int:
    """Run the hidden suite with n seeds on every correct implementation; print and count failures."""
    from grader.judging.evaluate import quietly, run_inprocess

    total_bad = 0
    print("| group | implementation | seeds | case runs | false fails | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for g in [group] if group else GROUPS:
        if not (ROOT / "grader" / "hidden" / f"{g}.py").exists():
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
