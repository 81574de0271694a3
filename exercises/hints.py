"""`python -m exercises.hints [<group>.<n> [level]]`: print a hint level without running the tests.

The levels themselves live in exercises/feedback/hint_levels.py (the ones your instructor released); with no
arguments this lists every exercise id and how many levels it has."""

from exercises.feedback.hint_levels import main

if __name__ == "__main__":
    raise SystemExit(main())
