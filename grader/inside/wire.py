"""Frames between the trusted parent and an untrusted worker: a JSON header plus raw array bytes, never pickle.

A frame is::

    4 bytes   big-endian length N of the header (N <= MAX_HEADER)
    N bytes   UTF-8 JSON header: {"kind": ..., ..., "value": <tree>, "arrays": [<meta>, ...]}
    buffers   the raw bytes of every array listed in "arrays", in order, back to back

``value`` is a tagged tree, so that nothing the worker returns can be mistaken for structure::

    scalar        JSON null, true/false, a number (NaN and +-Infinity allowed) or a string
    {"a": i}      the array arrays[i]
    {"l": [...]}  a list
    {"t": [...]}  a tuple (kept a tuple, so that a reply decodes to what the driver returned in-process)
    {"d": {...}}  a dict with string keys

An array's meta is ``{"name", "dtype", "shape", "nbytes"}``; ``dtype`` comes from an allowlist (ALLOWED: bool,
int32, int64, float16, float32, float64; bfloat16 tensors travel as float32, which is exact). The reader checks
``nbytes == prod(shape) * itemsize`` and the frame's total against a cap *before* it reads or wraps a byte with
``np.frombuffer``; anything malformed raises :class:`BadFrame` (the parent reports "crashed: bad reply").

Worker side too: this module imports only the standard library and numpy, and no other part of ``grader``.
"""

from __future__ import annotations

import json
import math
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_HEADER = 64 * 1024  # bytes of JSON per frame
MAX_REPLY = 256 * 1024 * 1024  # bytes of array data per frame the parent accepts from a worker
MAX_ARRAYS = 4096
MAX_NDIM = 32
MAX_DEPTH = 32  # nesting of lists/dicts in a value tree
ALLOWED = ("bool", "int32", "int64", "float16", "float32", "float64")
# Parent -> worker requests may also carry bytes (staged files) as uint8 arrays.
REQUEST_DTYPES = (*ALLOWED, "uint8")

_LEN = struct.Struct(">I")


class BadFrame(ValueError):
    """A frame that breaks the protocol: wrong length, bad JSON, a dtype or size that is not allowed."""


class Closed(EOFError):
    """The other end closed the connection (the worker exited or was killed)."""


class Timeout(TimeoutError):
    """No complete frame before the deadline."""


# --- encoding -----------------------------------------------------------------------------------------


def to_plain(value: Any, depth: int = 0) -> Any:
    """Best-effort conversion of a driver's result to wire-able plain data (numpy, scalars, str, lists...).

    Tensors become numpy arrays (bfloat16 as float32); numpy scalars become Python scalars; other objects become the string ``"<TypeName>"`` so the judge can say what came back.
    """
    if depth > MAX_DEPTH:
        return "<too deeply nested>"
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            return float(value)
        return value
    if isinstance(value, np.ndarray):
        return _plain_array(value)
    if isinstance(value, np.generic):
        return value.item() if value.dtype.kind in "biuf" else f"<{type(value).__name__}>"
    if (
        hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "numpy")
    ):  # torch.Tensor
        t = value.detach().cpu()
        if str(t.dtype) in ("torch.bfloat16", "torch.float8_e4m3fn", "torch.float8_e5m2"):
            t = t.float()
        try:
            return _plain_array(t.resolve_conj().resolve_neg().numpy())
        except (TypeError, RuntimeError):
            return f"<tensor of {t.dtype}>"
    if isinstance(value, tuple):
        return tuple(to_plain(v, depth + 1) for v in value)
    if isinstance(value, list):
        return [to_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v, depth + 1) for k, v in value.items()}
    return f"<{type(value).__name__}>"


def _plain_array(a: np.ndarray) -> np.ndarray | str:
    kind, name = a.dtype.kind, a.dtype.name
    if name in ALLOWED:
        return a
    if kind == "b":
        return a.astype(np.bool_)
    if kind in "iu":
        return a.astype(np.int64)
    if kind == "f":
        return a.astype(np.float64)
    return f"<array of {a.dtype}>"


def _encode_tree(
    value: Any, arrays: list[np.ndarray], metas: list[dict], path: str, depth: int
) -> Any:
    if depth > MAX_DEPTH:
        raise BadFrame(f"{path}: nested more than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value  # json writes NaN / Infinity; the reader accepts them
    if isinstance(value, np.ndarray):
        a = np.ascontiguousarray(value)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        name = a.dtype.name
        if name not in REQUEST_DTYPES:
            raise BadFrame(f"{path}: dtype {a.dtype} is not allowed on the wire")
        metas.append({"name": path, "dtype": name, "shape": list(a.shape), "nbytes": int(a.nbytes)})
        arrays.append(a)
        return {"a": len(arrays) - 1}
    if isinstance(value, list | tuple):
        tag = "t" if isinstance(value, tuple) else "l"
        return {
            tag: [
                _encode_tree(v, arrays, metas, f"{path}/{i}", depth + 1)
                for i, v in enumerate(value)
            ]
        }
    if isinstance(value, dict):
        return {
            "d": {
                str(k): _encode_tree(v, arrays, metas, f"{path}/{k}", depth + 1)
                for k, v in value.items()
            }
        }
    raise BadFrame(f"{path}: {type(value).__name__} cannot travel on the wire (plain data only)")


def encode(header: dict[str, Any], value: Any = None) -> list[bytes | memoryview]:
    """The buffers of one frame: ``header`` (a JSON-able dict) plus ``value`` (a tree of plain data)."""
    arrays: list[np.ndarray] = []
    metas: list[dict] = []
    body = dict(header)
    body["value"] = _encode_tree(value, arrays, metas, "", 0)
    body["arrays"] = metas
    text = json.dumps(body, separators=(",", ":"), allow_nan=True).encode()
    if len(text) > MAX_HEADER:
        raise BadFrame(f"header of {len(text)} bytes is over the {MAX_HEADER}-byte limit")
    return [_LEN.pack(len(text)), text, *(memoryview(a).cast("B") for a in arrays if a.nbytes)]


def send(sock: socket.socket, header: dict[str, Any], value: Any = None) -> None:
    """Send one frame (all buffers; no copy of the arrays)."""
    pending = [memoryview(b) if not isinstance(b, memoryview) else b for b in encode(header, value)]
    while pending:
        sent = sock.sendmsg(pending[:512])
        while sent and pending:
            if sent >= len(pending[0]):
                sent -= len(pending[0])
                pending.pop(0)
            else:
                pending[0] = pending[0][sent:]
                sent = 0


# --- decoding -----------------------------------------------------------------------------------------


def _recv_exact(sock: socket.socket, n: int, deadline: float | None) -> bytearray:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"no reply within the time limit ({got} of {n} bytes)")
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        try:
            k = sock.recv_into(view[got:], n - got)
        except TimeoutError as exc:
            raise Timeout("no reply within the time limit") from exc
        except (ConnectionResetError, BrokenPipeError) as exc:
            raise Closed("connection reset") from exc
        if k == 0:
            raise Closed(f"connection closed after {got} of {n} bytes")
        got += k
    return buf


def check_metas(
    metas: Any, *, allowed: tuple[str, ...], cap: int
) -> list[tuple[str, tuple[int, ...], int]]:
    """Validate the "arrays" list of a header: (dtype, shape, nbytes) per array. Raises BadFrame."""
    if not isinstance(metas, list) or len(metas) > MAX_ARRAYS:
        raise BadFrame(f"'arrays' must be a list of at most {MAX_ARRAYS} entries")
    out = []
    total = 0
    for i, m in enumerate(metas):
        if not isinstance(m, dict):
            raise BadFrame(f"array {i}: meta is not an object")
        dtype, shape, nbytes = m.get("dtype"), m.get("shape"), m.get("nbytes")
        if dtype not in allowed:
            raise BadFrame(f"array {i}: dtype {dtype!r} is not allowed")
        if (
            not isinstance(shape, list)
            or len(shape) > MAX_NDIM
            or not all(
                isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 2**40 for d in shape
            )
        ):
            raise BadFrame(f"array {i}: bad shape {shape!r}")
        if not isinstance(nbytes, int) or isinstance(nbytes, bool) or nbytes < 0:
            raise BadFrame(f"array {i}: bad nbytes {nbytes!r}")
        expected = math.prod(shape) * np.dtype(dtype).itemsize
        if nbytes != expected:
            raise BadFrame(f"array {i}: nbytes {nbytes} != prod(shape) * itemsize = {expected}")
        total += nbytes
        if total > cap:
            raise BadFrame(f"reply larger than the {cap >> 20} MiB cap")
        out.append((dtype, tuple(shape), nbytes))
    return out


def _decode_tree(node: Any, arrays: list[np.ndarray], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise BadFrame(f"value nested more than {MAX_DEPTH} levels")
    if node is None or isinstance(node, bool | int | float | str):
        return node
    if isinstance(node, dict) and len(node) == 1:
        ((tag, body),) = node.items()
        if (
            tag == "a"
            and isinstance(body, int)
            and not isinstance(body, bool)
            and 0 <= body < len(arrays)
        ):
            return arrays[body]
        if tag == "l" and isinstance(body, list):
            return [_decode_tree(v, arrays, depth + 1) for v in body]
        if tag == "t" and isinstance(body, list):
            return tuple(_decode_tree(v, arrays, depth + 1) for v in body)
        if tag == "d" and isinstance(body, dict):
            return {k: _decode_tree(v, arrays, depth + 1) for k, v in body.items()}
    raise BadFrame(f"malformed value node {str(node)[:80]!r}")


def _read_frame(
    read: Callable[[int], bytes | bytearray], allowed: tuple[str, ...], cap: int
) -> tuple[dict[str, Any], Any]:
    (n,) = _LEN.unpack(bytes(read(_LEN.size)))
    if n == 0 or n > MAX_HEADER:
        raise BadFrame(f"header length {n} is outside 1..{MAX_HEADER}")
    raw = read(n)
    try:
        header = json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadFrame(f"header is not valid JSON: {exc}") from None
    if not isinstance(header, dict):
        raise BadFrame("header is not a JSON object")
    metas = check_metas(header.pop("arrays", []), allowed=allowed, cap=cap)
    total = sum(nb for _, _, nb in metas)
    data = bytearray(read(total)) if total else bytearray()
    arrays: list[np.ndarray] = []
    offset = 0
    for dtype, shape, nbytes in metas:
        dt = np.dtype(dtype).newbyteorder("<")
        if nbytes == 0:
            a = np.empty(shape, dtype=dt)
        else:
            a = np.frombuffer(data, dtype=dt, count=nbytes // dt.itemsize, offset=offset).reshape(
                shape
            )
        arrays.append(a)
        offset += nbytes
    try:
        value = _decode_tree(header.pop("value", None), arrays, 0)
    except RecursionError:
        raise BadFrame("value nested too deeply") from None
    return header, value


def recv(
    sock: socket.socket,
    *,
    deadline: float | None = None,
    allowed: tuple[str, ...] = ALLOWED,
    cap: int = MAX_REPLY,
) -> tuple[dict[str, Any], Any]:
    """Read one frame: (header without value/arrays, decoded value). Raises BadFrame, Closed or Timeout.

    Arrays are writable views of one buffer per frame, little-endian, with the announced dtype and shape.
    """
    return _read_frame(lambda n: _recv_exact(sock, n, deadline), allowed, cap)


def decode_bytes(
    frame: bytes, *, allowed: tuple[str, ...] = ALLOWED, cap: int = MAX_REPLY
) -> tuple[dict[str, Any], Any]:
    """Decode one complete frame held in memory (tests, fuzzing). Trailing bytes are a BadFrame."""
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(frame):
            raise Closed(f"frame ends after {len(frame)} bytes, {pos + n} needed")
        chunk = frame[pos : pos + n]
        pos += n
        return chunk

    header, value = _read_frame(read, allowed, cap)
    if pos != len(frame):
        raise BadFrame(f"{len(frame) - pos} bytes after the end of the frame")
    return header, value


def encode_bytes(header: dict[str, Any], value: Any = None) -> bytes:
    """One frame as bytes (tests, fuzzing)."""
    return b"".join(bytes(b) for b in encode(header, value))
