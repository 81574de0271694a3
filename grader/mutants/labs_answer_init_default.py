"""The init answer from the belief that the default start (gamma 1, beta 0) learns fastest."""

GROUP = "labs"
HINT = "labs-answer-vs-measurement"
PATCH = [
    (
        '    return {"fastest": "beta=+1", "slowest": "gamma=0.1"}',
        '    return {"fastest": "gamma=1", "slowest": "gamma=0.1"}',
    ),
]
