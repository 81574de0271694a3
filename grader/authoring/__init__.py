"""Authoring the kit (instructors and maintainers, never during a class's grading): stubs and stored values
generated from solutions/ (sync.py, stubs.py), the learner bundle's leak check (leakcheck.py), the quality checks
of the hidden suite (selfcheck.py; audit.py with ast_mutants.py), and the nbgrader course (nbgrader_course.py)."""
