"""Run the initializers group's hidden cases in-process, through their judges, and count verdicts.

    python benchmarks/initializers_hidden_check.py [--seeds 300] [--mutant-seeds 3] [--impl DIR_OR_FILE]

1. False fails: the reference (or --impl, e.g. a variant) against every CPU case for --seeds learner seeds;
   every failure is a false fail (each case is designed for <= 1e-6, most for <= 5e-8).
2. Mutants: each mutant under grader/mutants/ against every CPU case for --mutant-seeds seeds; it must fail
   at least one case with its own hint on every seed.

The worker machinery is not involved: the driver runs here on the module directly and a JudgeContext is built
by hand (reference and mutants run by the same driver, as the parent does).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.judging.cases import Case, JudgeContext, Verdict, case_rng
from grader.mutants import all_mutants

GROUP = "initializers"


def _load(path: str) -> ModuleType:
    p = Path(path)
    p = p / "initializers.py" if p.is_dir() else p
    spec = importlib.util.spec_from_file_location("_impl_initializers", p)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def judge(case: Case, module: ModuleType, seed: int, reference, mutants) -> Verdict:
    drivers = importlib.import_module(f"grader.inside.drivers.{GROUP}")
    driver = getattr(drivers, case.driver)
    inputs = case.make_inputs(case_rng(seed, "learner", GROUP, case.name))

    def run_mutants(inp):
        out = {}
        for m in mutants:
            try:
                out.setdefault(m.hint, driver(m.load(), inp))
            except Exception:  # noqa: S112 - a mutant that raises is left out, as the parent does
                continue
        return out

    ctx = JudgeContext(
        group=GROUP,
        case=case,
        inputs=inputs,
        outputs=driver(module, inputs),
        run_reference=lambda inp: driver(reference, inp),
        run_mutants=run_mutants,
    )
    return case.judge(ctx)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=300)
    parser.add_argument("--mutant-seeds", type=int, default=3)
    parser.add_argument(
        "--impl", default=None, help="a file or folder with initializers.py (default: solutions)"
    )
    args = parser.parse_args()

    cases = [
        c for c in importlib.import_module(f"grader.hidden.{GROUP}").CASES if c.device == "cpu"
    ]
    reference = importlib.import_module(f"solutions.{GROUP}")
    module = _load(args.impl) if args.impl else reference
    mutants = all_mutants(GROUP)

    start = time.perf_counter()
    fails: Counter[str] = Counter()
    for seed in range(args.seeds):
        for case in cases:
            verdict = judge(case, module, seed, reference, mutants)
            if not verdict.passed:
                fails[case.name] += 1
                print(f"  FALSE FAIL seed {seed} {case.name}: {verdict.message[:300]}", flush=True)
    runs = args.seeds * len(cases)
    print(
        f"{args.impl or 'solutions'}: {sum(fails.values())} false fails in {runs} case runs "
        f"({args.seeds} seeds x {len(cases)} CPU cases), {time.perf_counter() - start:.0f} s"
    )

    bad = 0
    for m in mutants if args.mutant_seeds else []:
        for seed in range(args.mutant_seeds):
            verdicts = [
                (c.name, judge(c, m.load(), 10_000 + seed, reference, mutants)) for c in cases
            ]
            failed = [(n, v) for n, v in verdicts if not v.passed]
            hinted = [n for n, v in failed if v.hint == m.hint]
            ok = bool(hinted)
            bad += not ok
            if seed == 0 or not ok:
                print(
                    f"{'ok ' if ok else 'BAD'} {m.name}: fails {len(failed)} cases, "
                    f"with its hint [{m.hint}] in {hinted or 'none'}"
                    + ("" if ok else f"; hints seen: {sorted({str(v.hint) for _, v in failed})}")
                )
    return 1 if fails or bad else 0


if __name__ == "__main__":
    sys.exit(main())
