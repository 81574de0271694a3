"""Intake: the submissions folder's entries (folders, .zip files, notebooks) read into one Submission per learner.
Nothing here runs learner code: collect.py finds the graded files, unpack.py reads zips and folders safely,
notebooks.py turns a notebook's code cells into module sources without executing them."""
