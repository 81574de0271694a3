"""Scoring one (submission, group) once all its task replies and verdicts are in: a status per case (passed,
failed, timeout, crashed, not run) with its message and hint, or one status for the whole group when its file
could not be imported; points go to the cases that passed (grader/results.py)."""

from __future__ import annotations

from typing import Any

from grader.grading.plan import Prepared
from grader.inside import sandbox
from grader.inside.forbidden import rules_for
from grader.judging import static_check
from grader.results import (
    CRASHED,
    FAILED,
    GRADER_ERROR,
    IMPORT_FAILED,
    NOT_RUN,
    PASSED,
    SKIPPED,
    SYNTAX_ERROR,
    TIMEOUT,
    CaseResult,
    GroupResult,
)
from grader.run.executor import Outcome

CRASH_TYPES = ("MemoryError", "RecursionError", "SystemExit", "KeyboardInterrupt")


def score_group(prep: Prepared) -> GroupResult:
    """Verdicts for every case from the task replies (called once all of the group's tasks are back)."""
    gr = prep.result
    outcomes: dict[str, Outcome] = {}
    import_error: Outcome | None = None
    for reply in prep.replies:
        outcomes.update(reply.outcomes)
        import_error = import_error or reply.import_error
        gr.output = (gr.output + reply.output)[-4000:]
        gr.output_bytes += reply.output_bytes
        gr.flood = gr.flood or reply.flood
    if import_error is not None and not any(o.status in ("ok", "error") for o in outcomes.values()):
        return _import_failed(prep, import_error)
    refused_funcs: dict[str, tuple[str, str | None]] = {}
    for out in outcomes.values():
        for r in out.refused:
            fn = str(r.get("function", ""))
            refused_funcs.setdefault(fn, refusal_text([r], prep.group))
    for case in prep.cases:
        gr.cases.append(_case_result(prep, case, outcomes, refused_funcs))
    from grader.judging.cases import load_cases

    order = {c.name: i for i, c in enumerate(load_cases(prep.group))}
    gr.cases.sort(key=lambda c: order.get(c.name, 0))
    if gr.flood:
        gr.notes.append(
            f"output flood: your code wrote more than {sandbox.LOG_CAP >> 20} MiB to stdout/stderr; "
            "the rest was cut off"
        )
    return gr


def _import_failed(prep: Prepared, import_error: Outcome) -> GroupResult:
    """The whole group's status when its file could not be imported (only skipped cases stay listed)."""
    gr = prep.result
    err = import_error.error or {}
    kind = str(err.get("type", ""))
    if kind in ("SyntaxError", "IndentationError", "TabError"):
        gr.status = SYNTAX_ERROR
    elif kind == "GraderError" and import_error.status == "crashed":
        gr.status = GRADER_ERROR
    else:
        gr.status = IMPORT_FAILED
    gr.message = import_error.message
    if import_error.refused:
        gr.message += f" ({refusal_text(import_error.refused, prep.group)[0]})"
    gr.cases = [c for c in gr.cases if c.status == SKIPPED]
    return gr


def _case_result(
    prep: Prepared,
    case: Any,
    outcomes: dict[str, Outcome],
    refused_funcs: dict[str, tuple[str, str | None]],
) -> CaseResult:
    cents = prep.cents.get(case.name, 0)
    out = outcomes.get(prep.runs.get(case.name, case.name)) or Outcome("not run", message="not run")
    status, message, hint = case_status(
        prep.group, case, prep.inputs[case.name], out, prep.verdicts.get(case.name)
    )
    charged = [t for fn, t in refused_funcs.items() if static_check.charged_to(fn, case.functions)]
    if status == PASSED and charged:
        status, (message, hint) = FAILED, charged[0]
    return CaseResult(
        case.name,
        status,
        cents if status == PASSED else 0,
        cents,
        message,
        hint,
        case.doc,
        case.device,
        round(out.seconds, 3),
    )


def refusal_text(refused: list[dict[str, str]], group: str) -> tuple[str, str | None]:
    """(message, hint id) for a run-time refusal reported by the worker's guard."""
    r = refused[0]
    rules = rules_for(group)
    api = str(r.get("api", "?"))[:200]
    fn = str(r.get("function", "?"))[:200]
    why = rules.why_for(api)
    why = f" ({why})" if why else ""
    return f"API not allowed: {api} (called in {fn}){why}", rules.hint_for(api)


def needs_verdict(out: Outcome | None, group: str, case: Any) -> bool:
    """Does this outcome need a verdict for ``case`` (outputs came back and no forbidden API was refused in a
    function the case calls, static_check.refusals_charged)?"""
    return (
        out is not None
        and out.status == "ok"
        and not static_check.refusals_charged(group, tuple(case.functions), out.refused)
    )


def case_status(
    group: str, case: Any, inputs: Any, out: Outcome, verdict: Any = None
) -> tuple[str, str, str | None]:
    """(status, message, hint) of one case from its run's outcome: the verdict on its outputs (``verdict`` when
    decided already, else decided here), or what went wrong instead (a refused API, a timeout, a crash, an
    exception of the learner's code, a call not made)."""
    if out.status == "ok":
        charged = static_check.refusals_charged(group, tuple(case.functions), out.refused)
        if charged:
            return FAILED, *refusal_text(charged, group)
        if verdict is None:
            from grader.judging.evaluate import case_verdict

            verdict = case_verdict(group, case, inputs, out.outputs)
        return (PASSED if verdict.passed else FAILED), verdict.message, verdict.hint
    if out.status == "timeout":
        called = case.calls or case.functions
        fn = called[-1] if called else case.driver
        return TIMEOUT, f"timeout: {fn} did not return ({out.message}; an infinite loop?)", None
    if out.status == "crashed":
        return CRASHED, out.message, None
    if out.status == "not run":
        return NOT_RUN, out.message, None
    # an exception raised by the learner's code (or by the driver on what it returned)
    err = out.error or {}
    kind = str(err.get("type", "Exception"))[:80]
    text = str(err.get("message", ""))[:1500]
    where = [str(w) for w in (err.get("where") or [])][-3:]
    at = f" (at {where[-1]})" if where else ""
    if out.refused:
        return FAILED, *refusal_text(out.refused, group)
    if kind == "Refused":
        return FAILED, text, None
    if kind == "OSError" and err.get("errno") == 27:
        return (
            CRASHED,
            (
                f"crashed: output flood (more than {sandbox.LOG_CAP >> 20} MiB written to stdout/stderr or "
                "a file)"
            ),
            None,
        )
    if kind in CRASH_TYPES:
        reason = {
            "MemoryError": "ran out of memory (MemoryError)",
            "RecursionError": "recursion too deep (RecursionError)",
            "SystemExit": text or "sys.exit() was called",
            "KeyboardInterrupt": "interrupted (KeyboardInterrupt)",
        }[kind]
        return CRASHED, f"crashed: {reason}{at}", None
    if kind == "NotImplementedError" and text.startswith("Exercise "):
        return FAILED, f"not implemented yet: {text}", None
    return FAILED, f"raised {kind}: {text}{at}", None
