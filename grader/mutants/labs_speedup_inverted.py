"""The speedup answered as the vectorized time over the loop's."""

GROUP = "labs"
HINT = "labs-speedup-inverted"
PATCH = [
    (
        'return {"loop_ms": 15.0, "vectorized_ms": 5.0, "speedup": 3.0}',
        'return {"loop_ms": 15.0, "vectorized_ms": 5.0, "speedup": 0.33}',
    ),
]
