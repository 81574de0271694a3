"""Grading a class: plan each (submission, group) before any learner code runs (plan.py), run the class loop
that sends tasks to an executor and collects verdicts (class_loop.py), score each group from its replies and
verdicts (score.py), remember finished learners (journal.py); session.py is what `grade` calls."""
