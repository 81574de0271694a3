"""Kit tests (the grader, sync, release, the layout itself): every test under tests/kit/ carries the ``kit``
marker. The learner release is tests/ minus this folder (grader/verbs/release.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.kit)
