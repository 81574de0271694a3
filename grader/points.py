"""Points per exercise group: the one table to change. A group's points are split over its hidden cases in
proportion to each Case's ``weight`` (grader/hidden/test_<group>.py)."""

POINTS: dict[str, float] = {
    "layer_norm": 30,
    "layer_norm_torch": 25,
    "initializers": 25,
    "histograms": 20,
    "labs": 0,  # practice labs: 0 points unless the instructor gives them some
}
