"""The kit's feedback library (provided, not graded): how a result is compared and explained.

Shared by the public tests (tests/test_<group>.py) and the grader, so your pytest run and your grade's
feedback speak the same words:

- ``hints``: misconception hints and how they are rendered;
- ``checks``: tolerant comparisons, the mismatch message, the hint choice;
- ``stored``: the public tests' stored values (tests/data/<group>.npz);
- ``init_stats``: the statistical checks of the initializers (moments, KS, bounds).
"""
