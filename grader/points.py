"""Points per exercise group: the one table to change. A group's points are split over its hidden cases in
proportion to each Case's ``weight`` (grader/hidden/test_<group>.py)."""

POINTS: dict[str, float] = {
    "layer_norm": 30,
    "layer_norm_torch": 25,
    "initializers": 25,
    "histograms": 20,
    # 0: not graded by default; the instructor enables it (grader/points.py or grade --groups)
    "layer_norm_triton": 0,
}
