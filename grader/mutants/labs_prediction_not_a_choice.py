"""A prediction spelled outside its choices ("var" for "variance")."""

GROUP = "labs"
HINT = "labs-not-a-choice"
PATCH = [
    (
        '    return {"slope": -1.0, "bend": "std"}',
        '    return {"slope": -1.0, "bend": "var"}',
    ),
]
