"""Judging: trusted verdicts on a learner's outputs. A hidden case (cases.py) names its judge; evaluate.py runs
the reference and the mutants here and calls it; compare.py and truth.py are the comparisons judges use; pool.py
computes verdicts on other cores; static_check.py refuses forbidden APIs on the submitted source; mutant_scope.py
says which mutants can explain a failed case."""
