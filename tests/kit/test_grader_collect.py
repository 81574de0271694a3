"""Reading a class folder (grader/intake/collect.py, grader/intake/unpack.py), the points arithmetic (grader/results.py) and the
static forbidden-API check (grader/judging/static_check.py). Nothing here starts a worker."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from grader.intake.collect import collect
from grader.intake.unpack import MAX_FILE
from grader.judging.static_check import charged_to, static_check
from grader.results import fmt, split_cents

pytestmark = pytest.mark.kit

SOURCE = b"def layer_norm_forward(x, gamma, beta, eps=1e-5):\n    return x, None\n"


def make_zip(path: Path, members: dict[str, bytes], links: tuple[str, ...] = ()) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")


def one(folder: Path):
    subs, notes = collect(folder)
    assert len(subs) == 1, (subs, notes)
    return subs[0]


def test_folder_and_zip_entries_find_graded_files_at_the_root_or_under_exercises(
    tmp_path: Path,
) -> None:
    (tmp_path / "ana" / "exercises").mkdir(parents=True)
    (tmp_path / "ana" / "exercises" / "layer_norm.py").write_bytes(SOURCE)
    (tmp_path / "ana" / "notes.txt").write_text("not graded")
    make_zip(tmp_path / "bo.zip", {"layer_norm.py": SOURCE, "histograms.py": b"x = 1\n"})
    subs, notes = collect(tmp_path)
    assert [s.learner for s in subs] == ["ana", "bo"]
    assert subs[0].files == {"layer_norm": SOURCE}
    assert subs[0].located["layer_norm"] == "exercises/layer_norm.py"
    assert set(subs[1].files) == {"layer_norm", "histograms"}
    assert not subs[0].problems
    assert not subs[1].problems
    assert not notes


def test_a_zip_with_one_top_folder_is_searched_inside_it(tmp_path: Path) -> None:
    make_zip(
        tmp_path / "cy.zip",
        {"normlab-main/exercises/layer_norm.py": SOURCE, "normlab-main/README.md": b""},
    )
    sub = one(tmp_path)
    assert sub.files == {"layer_norm": SOURCE}
    assert sub.located["layer_norm"] == "normlab-main/exercises/layer_norm.py"


def test_zip_slip_absolute_paths_and_links_are_ignored_and_reported(tmp_path: Path) -> None:
    make_zip(
        tmp_path / "evil.zip",
        {
            "../../outside.py": b"print('escaped')",
            "/etc/cron.d/x": b"boom",
            "C:/windows/x.py": b"",
            "exercises/../../layer_norm.py": SOURCE,
            "layer_norm.py": SOURCE,
        },
        links=("exercises/histograms.py",),
    )
    sub = one(tmp_path)
    assert sub.files == {"layer_norm": SOURCE}
    text = " ".join(sub.problems)
    assert "4 unsafe member name(s) ignored" in text
    assert "histograms.py is a symbolic link" in text
    assert not (tmp_path.parent / "outside.py").exists()


def test_macosx_forks_and_dot_files_are_ignored(tmp_path: Path) -> None:
    make_zip(
        tmp_path / "di.zip",
        {
            "__MACOSX/._layer_norm.py": b"\x00\x05junk",
            ".hidden/layer_norm.py": b"x",
            "layer_norm.py": SOURCE,
        },
    )
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    sub = one(tmp_path)
    assert sub.files == {"layer_norm": SOURCE}
    assert not sub.problems


def test_a_zip_bomb_member_is_not_decompressed_past_the_cap(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("layer_norm.py", b"#" * (MAX_FILE * 8))
    (tmp_path / "ed.zip").write_bytes(buf.getvalue())
    sub = one(tmp_path)
    assert "layer_norm" not in sub.files
    assert any("larger than" in p for p in sub.problems)


def test_an_unreadable_zip_still_gets_a_row_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "fay.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    sub = one(tmp_path)
    assert sub.unreadable
    assert sub.learner == "fay"
    assert "not a readable zip" in sub.problems[0]


def test_duplicate_learner_ids_are_graded_separately_and_flagged(tmp_path: Path) -> None:
    (tmp_path / "gus").mkdir()
    (tmp_path / "gus" / "layer_norm.py").write_bytes(SOURCE)
    make_zip(tmp_path / "gus.zip", {"layer_norm.py": SOURCE})
    subs, _ = collect(tmp_path)
    assert sorted(s.learner for s in subs) == ["gus", "gus.zip"]
    assert all("duplicate learner id 'gus'" in s.problems[0] for s in subs)


def test_a_symlink_named_like_a_graded_file_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "hal").mkdir()
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n")
    (tmp_path / "hal" / "layer_norm.py").symlink_to(secret)
    subs, _notes = collect(tmp_path)
    sub = next(s for s in subs if s.learner == "hal")
    assert "layer_norm" not in sub.files
    assert any("symbolic link" in p for p in sub.problems)


def test_stray_files_are_reported_not_graded(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    subs, notes = collect(tmp_path)
    assert subs == []
    assert "notes.txt" in notes[0]


def test_a_notebook_entry_becomes_a_submission(tmp_path: Path) -> None:
    (tmp_path / "ida.ipynb").write_text(
        '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    )
    sub = one(tmp_path)
    assert sub.kind == "notebook"
    assert sub.learner == "ida"
    assert sub.problems  # no code for any group (or: notebooks not supported yet)


def test_points_split_into_hundredths_add_up_to_the_group_exactly() -> None:
    for points, weights in (
        (30, [3, 3, 3, 2, 1, 2, 2, 2, 2, 1, 3, 3, 2, 1]),
        (25, [1] * 23),
        (20, [1, 1, 1]),
    ):
        cents = split_cents(points, weights)
        assert sum(cents) == points * 100
        assert max(cents) - min(cents) <= 100 * max(weights)
    assert fmt(2900) == "29"
    assert fmt(2903) == "29.03"
    assert fmt(5) == "0.05"


def test_static_check_resolves_aliases_and_charges_helpers_to_their_callers() -> None:
    source = (
        "import torch\n"
        "import torch.nn.functional as F\n"
        "from torch.nn import init\n"
        "ln = F.layer_norm\n"
        "def _helper(x):\n    return ln(x, x.shape[-1:])\n"
        "class LayerNormFunction(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x, w, b, eps):\n        return _helper(x)\n"
        "    @staticmethod\n"
        "    def backward(ctx, g):\n        return torch.autograd.grad(g, g)\n"
        "class LayerNorm(torch.nn.Module):\n"
        "    def reset_parameters(self):\n        init.ones_(self.weight)\n"
        "    def forward(self, x):\n        return x if isinstance(self, torch.nn.LayerNorm) else x\n"
    )
    found = {(f.api, f.function) for f in static_check(source, "layer_norm_torch")}
    assert ("torch.nn.functional.layer_norm", "_helper") in found
    assert ("torch.nn.functional.layer_norm", "LayerNormFunction.forward") in found
    assert ("torch.autograd.grad inside backward", "LayerNormFunction.backward") in found
    assert not any(
        fn.startswith("LayerNorm.") for _, fn in found
    )  # init.ones_ and isinstance are fine
    assert charged_to("LayerNormFunction.forward", ("LayerNormFunction",))
    assert not charged_to("LayerNormFunction.forward", ("LayerNorm",))


def test_every_torch_normalization_is_refused_statically_and_at_dispatch() -> None:
    """batch_norm of the transposed rows, instance_norm, rms_norm of x - mean: layer norm by another name.
    (A module built at run time, getattr(torch.nn, "Batch" + "Norm1d"), is the guard's: tests/kit/hostile.)"""
    from exercises.feedback.checks import TORCH_NORMALIZATIONS
    from grader.inside.forbidden import rules_for

    # the worker's copy of the list
    assert rules_for("layer_norm_torch").aten == TORCH_NORMALIZATIONS
    for call in (
        "F.batch_norm(x.T, None, None, training=True).T",
        "torch.instance_norm(x[None], None, None, None, None, True, 0.1, 1e-5, False)[0]",
        "F.rms_norm(x - x.mean(-1, keepdim=True), x.shape[-1:])",
        "torch.nn.functional.group_norm(x, 1)",
        "torch._refs.native_layer_norm(x, x.shape[-1:], w, b, eps)[0]",
    ):
        source = (
            "import torch\nimport torch.nn.functional as F\n"
            "class LayerNormFunction(torch.autograd.Function):\n"
            f"    @staticmethod\n    def forward(ctx, x, w, b, eps):\n        return {call}\n"
        )
        found = {f.function for f in static_check(source, "layer_norm_torch")}
        assert found == {"LayerNormFunction.forward"}, call


def test_static_check_refuses_torch_calls_in_the_numpy_group_but_not_imports() -> None:
    source = "import numpy as np\nimport torch\ndef layer_norm_forward(x, g, b):\n    return torch.tensor(x)\n"
    assert [(f.api, f.function) for f in static_check(source, "layer_norm")] == [
        ("torch.tensor", "layer_norm_forward")
    ]
    assert static_check("import torch\nimport numpy as np\n", "layer_norm") == []
    hits = static_check(
        "import importlib\ndef xavier_uniform_(t):\n    return importlib.import_module('torch.nn.init').xavier_uniform_(t)\n",
        "initializers",
    )
    assert {f.function for f in hits} == {"xavier_uniform_"}


def test_the_guards_wrappers_keep_no_way_back_to_the_original() -> None:
    """functools.wraps leaves __wrapped__; graded code could call torch.nn.functional.layer_norm.__wrapped__."""
    from grader.inside.guard import Guard

    def original(x):
        return x

    calls: list[str] = []
    guarded = Guard._wrap(original, "api.name", calls.append)
    assert not hasattr(guarded, "__wrapped__")
    assert guarded.__name__ == "original"
    assert guarded(3) == 3
    assert calls == ["api.name"]
