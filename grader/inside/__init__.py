"""Everything that runs inside the untrusted worker, and nothing else.

The executor copies this package whole into the worker's stage (as ``normlab_worker``); the zygote
(``zygote.py``) imports it once and forks workers (``worker.py``) that enter the sandbox (``sandbox.py``),
import the graded file under the forbidden-API guard (``guard.py``, rules in ``forbidden.py``), run the
group's call adapters (``drivers/``) and reply in frames (``wire.py``). Modules here import the standard
library, numpy/torch/matplotlib and each other (relatively), never the trusted side of ``grader``: a kit test
(tests/kit/test_layout.py) checks both rules. The trusted parent may import from here (the wire format, the
rule table, the drivers' signatures); the reverse never happens.
"""
