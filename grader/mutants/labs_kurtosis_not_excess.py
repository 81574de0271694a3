"""kurtosis as mean(z**4), without the - 3 of the excess kurtosis."""

GROUP = "labs"
HINT = "labs-kurtosis-not-excess"
PATCH = [
    (
        '        "kurtosis": float((z**4).mean(axis=-1).mean() - 3.0),\n',
        '        "kurtosis": float((z**4).mean(axis=-1).mean()),\n',
    ),
]
