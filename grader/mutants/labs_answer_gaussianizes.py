"""The distributions answer from the belief that layer norm makes every sample normal (skewness and kurtosis fixed)."""

GROUP = "labs"
HINT = "labs-answer-vs-measurement"
PATCH = [
    (
        '        "skewness": "kept",\n        "kurtosis": "kept",\n',
        '        "skewness": "fixed",\n        "kurtosis": "fixed",\n',
    ),
]
