"""The on-disk model format: a directory with `model.json` (metadata) and `weights.npz` (plain arrays).

Nothing is ever unpickled: arrays are read with `allow_pickle=False` and must have the expected names
and numeric dtypes. `model.json` records a sha256 over the npz bytes and the rest of the metadata, so
a truncated, edited or mismatched pair of files is refused with a clear error instead of predicting
nonsense. (The checksum detects damage and accidental edits; it is not a signature.)
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "hotline-classifier"
FORMAT_VERSION = 1
METADATA_FILE = "model.json"
ARRAYS_FILE = "weights.npz"
#: Expected arrays and their allowed dtypes.
ARRAY_DTYPES: dict[str, tuple[str, ...]] = {
    "vocabulary": ("uint64",),
    "idf": ("float32",),
    "w_tfidf": ("float16", "float32"),
    "w_nb": ("float16", "float32"),
    "bias": ("float32",),
    "training_hashes": ("uint64",),
}
MAX_METADATA_BYTES = 1 << 20


class ModelFileError(Exception):
    """A model directory is missing, damaged, tampered with or of an incompatible format version."""


def _checksum(metadata: dict[str, Any], arrays_bytes: bytes) -> str:
    """sha256 over the canonical metadata (without the checksum) and the npz bytes."""
    body = {key: value for key, value in metadata.items() if key != "checksum"}
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    digest.update(hashlib.sha256(arrays_bytes).digest())
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file in the same directory, then rename it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; a model is shipped and read by other users
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def save(directory: Path, metadata: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write the arrays (compressed npz) and the metadata with format, version and checksum."""
    unknown = set(arrays) ^ set(ARRAY_DTYPES)
    if unknown:
        raise ValueError(f"unexpected or missing arrays: {sorted(unknown)}")
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{ARRAYS_FILE}.building.npz"
    try:
        np.savez_compressed(temporary, **arrays)
        arrays_bytes = temporary.read_bytes()
    finally:
        temporary.unlink(missing_ok=True)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION} | metadata
    meta["arrays_sha256"] = hashlib.sha256(arrays_bytes).hexdigest()
    meta["checksum"] = _checksum(meta, arrays_bytes)
    _write_atomic(directory / ARRAYS_FILE, arrays_bytes)
    _write_atomic(directory / METADATA_FILE, (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def read_metadata(directory: Path) -> dict[str, Any]:
    """The parsed metadata of a model directory, after format and version checks (arrays not verified)."""
    path = directory / METADATA_FILE
    if not path.is_file():
        raise ModelFileError(f"no model at {directory} ({METADATA_FILE} missing); run `hotline train`")
    raw = path.read_bytes()
    if len(raw) > MAX_METADATA_BYTES:
        raise ModelFileError(f"{path}: metadata file too large ({len(raw)} bytes)")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a {FORMAT} model file")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: model format version {version!r} is not supported (this code reads version "
            f"{FORMAT_VERSION}); retrain with `hotline train`"
        )
    return meta


def load(directory: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a model directory; return its metadata and arrays."""
    meta = read_metadata(directory)
    arrays_path = directory / ARRAYS_FILE
    if not arrays_path.is_file():
        raise ModelFileError(f"{directory}: {ARRAYS_FILE} missing")
    arrays_bytes = arrays_path.read_bytes()
    if hashlib.sha256(arrays_bytes).hexdigest() != meta.get("arrays_sha256"):
        raise ModelFileError(f"{arrays_path}: checksum mismatch (damaged, replaced or from another model)")
    if _checksum(meta, arrays_bytes) != meta.get("checksum"):
        raise ModelFileError(f"{directory / METADATA_FILE}: checksum mismatch (metadata edited or damaged)")
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(arrays_path, allow_pickle=False) as npz:
            names = set(npz.files)
            if names != set(ARRAY_DTYPES):
                raise ModelFileError(f"{arrays_path}: unexpected arrays {sorted(names)}")
            for name, allowed in ARRAY_DTYPES.items():
                array = npz[name]
                if array.dtype.name not in allowed:
                    raise ModelFileError(f"{arrays_path}: array {name} has dtype {array.dtype}, expected {allowed}")
                arrays[name] = array
    except ModelFileError:
        raise
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{arrays_path}: unreadable: {exc}") from exc
    return meta, arrays
