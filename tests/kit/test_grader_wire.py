"""The wire (grader/inside/wire.py): what a worker sends is only ever decoded as checked plain data.

Malformed frames -- random bytes, flipped bytes, lying sizes, bad dtypes, deep nesting -- raise BadFrame
(or Closed for a truncated frame) and nothing else; the parent turns both into "crashed: bad reply".
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.inside import wire

pytestmark = pytest.mark.kit


def frame(header: dict, payload: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack(">I", len(text)) + text + payload


def test_nested_values_round_trip_with_dtypes_shapes_and_tuples() -> None:
    value = {
        "out": np.arange(12, dtype=np.float32).reshape(3, 4),
        "half": np.ones((2, 0), dtype=np.float16),
        "flags": np.array([True, False]),
        "ints": np.arange(3, dtype=np.int32),
        "shape": (3, 4),
        "mixed": [1, 2.5, None, "text", float("nan"), {"inner": np.float64(2.0)}],
    }
    header, back = wire.decode_bytes(wire.encode_bytes({"kind": "reply"}, wire.to_plain(value)))
    assert header == {"kind": "reply"}
    for name in ("out", "half", "flags", "ints"):
        assert back[name].dtype == value[name].dtype
        np.testing.assert_array_equal(back[name], value[name])
    assert back["shape"] == (3, 4)
    assert back["mixed"][:4] == [1, 2.5, None, "text"]
    assert np.isnan(back["mixed"][4])
    assert back["mixed"][5] == {"inner": 2.0}


def test_to_plain_turns_objects_and_odd_dtypes_into_plain_data() -> None:
    import torch

    plain = wire.to_plain(
        {
            "bf16": torch.ones(2, dtype=torch.bfloat16),
            "u8": np.ones(2, dtype=np.uint8),
            "obj": object(),
            "c": np.ones(2, dtype=complex),
        }
    )
    assert plain["bf16"].dtype == np.float32
    assert plain["u8"].dtype == np.int64
    assert plain["obj"] == "<object>"
    assert plain["c"].startswith("<array of complex")


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (struct.pack(">I", 0), "header length 0"),
        (struct.pack(">I", wire.MAX_HEADER + 1) + b"{}", "header longer than the limit"),
        (struct.pack(">I", 4) + b"\xff\xfe{}", "not UTF-8"),
        (struct.pack(">I", 4) + b"nope", "not JSON"),
        (frame([1, 2]), "header not an object"),  # type: ignore[arg-type]
        (frame({"arrays": "x"}), "arrays not a list"),
        (frame({"arrays": [{"dtype": "object", "shape": [1], "nbytes": 8}]}), "dtype not allowed"),
        (
            frame({"arrays": [{"dtype": "uint8", "shape": [1], "nbytes": 1}]}),
            "uint8 not accepted from workers",
        ),
        (frame({"arrays": [{"dtype": "float64", "shape": [2], "nbytes": 8}]}), "nbytes lies"),
        (frame({"arrays": [{"dtype": "float64", "shape": [-1], "nbytes": 8}]}), "negative dim"),
        (frame({"arrays": [{"dtype": "float64", "shape": [2**41], "nbytes": 2**44}]}), "huge dim"),
        (
            frame({"arrays": [{"dtype": "float64", "shape": [1] * 40, "nbytes": 8}]}),
            "too many dims",
        ),
        (
            frame({"arrays": [{"dtype": "float64", "shape": [2**25], "nbytes": 2**28}]}),
            "over the reply cap",
        ),
        (frame({"value": {"a": 0}}), "array index out of range"),
        (frame({"value": {"a": 0, "l": []}}), "ambiguous node"),
        (frame({"value": {"x": 1}}), "unknown tag"),
        (frame({"value": {"a": True}}), "bool as index"),
        (frame({"value": {"l": 5}}), "list tag without a list"),
        (struct.pack(">I", 4000) + b"[" * 4000, "nested too deeply"),
    ],
)
def test_malformed_frames_raise_bad_frame(data: bytes, why: str) -> None:
    with pytest.raises((wire.BadFrame, wire.Closed)):
        wire.decode_bytes(data, cap=2**27)


def test_truncated_frames_raise_closed() -> None:
    good = wire.encode_bytes({"ok": True}, {"x": np.ones(10)})
    for cut in (1, 5, len(good) - 1):
        with pytest.raises(wire.Closed):
            wire.decode_bytes(good[:cut])


def test_trailing_bytes_after_a_frame_are_rejected() -> None:
    with pytest.raises(wire.BadFrame):
        wire.decode_bytes(wire.encode_bytes({"ok": True}) + b"x")


def test_encoding_refuses_objects_that_are_not_plain_data() -> None:
    with pytest.raises(wire.BadFrame):
        wire.encode_bytes({}, {"x": object()})
    with pytest.raises(wire.BadFrame):
        wire.encode_bytes({}, np.ones(2, dtype=complex))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=256))
def test_random_bytes_never_raise_anything_but_bad_frame_or_closed(data: bytes) -> None:
    try:
        wire.decode_bytes(data)
    except (wire.BadFrame, wire.Closed):
        pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_flipped_bytes_in_a_valid_frame_decode_or_raise_bad_frame(data: st.DataObject) -> None:
    good = bytearray(
        wire.encode_bytes(
            {"ok": True}, {"out": np.arange(6.0).reshape(2, 3), "s": "text", "n": [1, 2]}
        )
    )
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(good) - 1))
        good[i] = data.draw(st.integers(0, 255))
    try:
        header, value = wire.decode_bytes(bytes(good))
    except (wire.BadFrame, wire.Closed):
        return
    assert isinstance(header, dict)
    arrays = [
        v for v in (value.values() if isinstance(value, dict) else []) if isinstance(v, np.ndarray)
    ]
    for a in arrays:
        assert a.dtype.name in wire.ALLOWED
