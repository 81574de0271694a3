# ruff: noqa
"""Hangs while being imported: the whole group fails, after one --timeout."""

while True:
    pass
