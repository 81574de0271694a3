"""Learner files: one module per exercise group (see README.md)."""
