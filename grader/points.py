"""Points per exercise group: the one table to change. A group's points are split over its hidden cases in
proportion to each Case's ``weight`` (grader/hidden/<group>.py).

A group with 0 points here is optional: `grade` leaves it out unless the instructor names it
(``--groups layer_norm,labs``: graded, shown in the feedback, worth nothing) or gives it points
(``--points labs=10``, which also grades it). ``selfcheck`` and ``audit`` always cover every group."""

from __future__ import annotations

from grader import GROUPS

POINTS: dict[str, float] = {
    "layer_norm": 30,
    "layer_norm_torch": 25,
    "initializers": 25,
    "histograms": 20,
    "layer_norm_triton": 0,  # optional: graded when named (grade --groups) or given points (--points)
    "labs": 0,  # practice labs: 0 points unless the instructor gives them some
}


def points_table(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """POINTS with the instructor's ``--points`` overrides applied."""
    return {g: float((overrides or {}).get(g, POINTS.get(g, 0))) for g in GROUPS}


def default_groups(points: dict[str, float]) -> list[str]:
    """The groups `grade` grades when none are named: those worth points, in GROUPS order."""
    return [g for g in GROUPS if points.get(g, 0) > 0]


def parse_points(text: str) -> dict[str, float]:
    """``--points labs=10,layer_norm_triton=20`` -> {group: points}; ValueError naming what is wrong."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        group, sep, value = part.partition("=")
        group = group.strip()
        if not sep or group not in GROUPS:
            raise ValueError(
                f"expected GROUP=POINTS with GROUP one of {', '.join(GROUPS)}, got {part!r}"
            )
        try:
            points = float(value)
        except ValueError:
            raise ValueError(f"{group}: points must be a number, got {value.strip()!r}") from None
        if not 0 <= points < float("inf"):
            raise ValueError(f"{group}: points must be 0 or more, got {value.strip()}")
        out[group] = points
    return out


def parse_groups(text: str) -> list[str]:
    """``--groups layer_norm,labs`` -> the named groups in GROUPS order; ValueError for an unknown name."""
    names = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in GROUPS]
    if unknown or not names:
        raise ValueError(
            f"unknown group {', '.join(map(repr, unknown)) or '(none given)'}; choose from {', '.join(GROUPS)}"
        )
    return [g for g in GROUPS if g in names]
