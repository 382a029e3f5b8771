"""The corpus folder: which files it holds, their ids, sizes, metadata sidecars and content
hashes, and one file loaded into a `SourceDoc` through the format loaders of `formats/`.

Every failure is a `CorpusError` whose message is one line saying what is wrong and what to do,
without the file's path (the caller prefixes it). Nothing here trusts a file: sizes are checked
before reading; the loaders check zip directories before unzipping and decode PDF streams under
tight limits.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.ingest.aliases import ALIASES_FILE
from assistant.ingest.formats import parse_bytes
from assistant.ingest.formats.common import (
    CorpusError,
    Parsed,
    decode_text,
    first_line,
    human_size,
    iso_date,
    string_meta,
)
from assistant.ingest.structure import (
    MAX_TITLE_CHARS,
    cap,
)
from assistant.types import FileError, SourceDoc

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".pdf", ".html", ".htm", ".docx"})
SIDECAR_SUFFIX = ".meta.yaml"

LOADERS_VERSION = b"structure-5\0"  # change it when loaders read files differently (or chunks
# are embedded differently): a sync then re-reads every document instead of keeping old chunks
_MAX_SIDECAR_BYTES = 64_000  # YAML parsing is slow: keep metadata small
_MAX_NAME_CHARS = 120
# A corpus file's name in bytes: a file system allows 255, and names are derived from it (its
# sidecar, NAME.meta.yaml; an upload's temporary copy, .NAME.uploading), which must fit too
MAX_NAME_BYTES = 240


# ---------------------------------------------------------------------------------------------
# public API


Parser = Callable[[str, bytes], Parsed]  # (suffix, bytes) -> Parsed; see ingest/worker.py


@dataclass(frozen=True)
class CorpusFile:
    """A file of the corpus as found on disk, before parsing: enough to tell if it changed."""

    id: str
    path: Path
    sha256: str


def load_document(
    path: Path,
    corpus_dir: Path,
    *,
    max_bytes: int = 20_000_000,
    parse: Parser | None = None,
) -> SourceDoc:
    """Load one file of the corpus; raises CorpusError with a one-line reason. `parse` runs
    the format loader (in-process by default; a ParseWorker bounds its time and memory)."""
    abs_path = Path(os.path.abspath(path))
    doc_id = _doc_id(abs_path, Path(os.path.abspath(corpus_dir)))
    check_entry(abs_path)
    return _load(abs_path, doc_id, max_bytes, parse)


def _load(abs_path: Path, doc_id: str, max_bytes: int, parse: Parser | None) -> SourceDoc:
    data = _read_bytes(abs_path, max_bytes)
    sidecar_bytes = _read_sidecar(abs_path)
    parsed = (parse or parse_bytes)(abs_path.suffix.lower(), data)
    if not parsed.text.strip():
        raise CorpusError("no text found; check that the file has readable text")
    sidecar = _parse_sidecar(sidecar_bytes) if sidecar_bytes is not None else {}
    title = cap(sidecar.get("title") or parsed.title, MAX_TITLE_CHARS)
    return SourceDoc(
        id=doc_id,
        path=str(abs_path),
        title=title or cap(_readable_stem(abs_path), MAX_TITLE_CHARS),
        date=iso_date(sidecar.get("date", "")) or parsed.date,
        text=parsed.text,
        sha256=_digest(data, sidecar_bytes),
        pages=parsed.pages,
        sections=parsed.sections,
        meta={**parsed.meta, **sidecar},
        blocks=parsed.blocks,
    )


def list_corpus(
    corpus_dir: Path, *, max_bytes: int = 20_000_000
) -> tuple[list[CorpusFile], list[FileError]]:
    """Every file under corpus_dir with its content hash (file and sidecar), without parsing,
    so a sync parses only what changed. Unreadable or oversized files become FileErrors."""
    if not corpus_dir.is_dir():
        raise CorpusError("the corpus folder does not exist or is not a folder; create it first")
    found: list[CorpusFile] = []
    errors: list[FileError] = []
    for path in _walk(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        try:
            check_entry(path)
            digest = _digest(_read_bytes(path, max_bytes), _read_sidecar(path))
            found.append(CorpusFile(rel, path, digest))
        except CorpusError as exc:
            errors.append(FileError(path=rel, reason=str(exc)))
    return found, errors


def load_files(
    files: list[CorpusFile],
    corpus_dir: Path,
    *,
    max_bytes: int = 20_000_000,
    parse: Parser | None = None,
) -> tuple[list[SourceDoc], list[FileError]]:
    """Load the given files; bad files become FileErrors, not exceptions."""
    docs: list[SourceDoc] = []
    errors: list[FileError] = []
    for f in files:
        try:
            docs.append(load_document(f.path, corpus_dir, max_bytes=max_bytes, parse=parse))
        except CorpusError as exc:
            errors.append(FileError(path=f.id, reason=str(exc)))
    docs.sort(key=lambda d: d.id)
    return docs, errors


def scan_corpus(
    corpus_dir: Path, *, max_bytes: int = 20_000_000, parse: Parser | None = None
) -> tuple[list[SourceDoc], list[FileError]]:
    """Load every document under corpus_dir; bad files become FileErrors, not exceptions."""
    files, unreadable = list_corpus(corpus_dir, max_bytes=max_bytes)
    docs, failed = load_files(files, corpus_dir, max_bytes=max_bytes, parse=parse)
    return docs, sorted(unreadable + failed, key=lambda e: e.path)


def validate_file(path: Path, *, max_bytes: int = 20_000_000, parse: Parser | None = None) -> None:
    """Fully load a file from outside the corpus as a check, e.g. before copying an upload
    into the corpus (a link given to `docs add` is the user's own: what it points to is
    checked, and copied)."""
    real = Path(os.path.realpath(path))
    _load(real, real.name, max_bytes, parse)


def safe_name(name: str) -> str:
    """Reduce a user-supplied file name to one safe file name with a supported suffix."""
    last = name.replace("\\", "/").split("/")[-1]
    cleaned = re.sub(r"[^\w .-]", "_", last)
    cleaned = re.sub(r"_{2,}", "_", re.sub(r" {2,}", " ", cleaned))
    cleaned = re.sub(r"\.{2,}", ".", cleaned).lstrip(". -").rstrip(". ")
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot or not stem.strip(" _-") or f".{suffix.lower()}" not in SUPPORTED_SUFFIXES:
        raise CorpusError(f"not a usable file name; use a name ending in {_supported_list()}")
    suffix = "." + suffix.lower()
    stem = stem[: _MAX_NAME_CHARS - len(suffix)]
    while len(os.fsencode(stem + suffix)) > MAX_NAME_BYTES:  # letters of many bytes each
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


# ---------------------------------------------------------------------------------------------
# files and folders


def _walk(corpus_dir: Path) -> Iterator[Path]:
    """Files under corpus_dir in sorted order, without hidden entries, sidecars or the corpus's
    aliases.yaml; links to
    folders are listed too (os.walk does not enter them), so that they are refused by name."""
    for root, dirs, files in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in dirs:
            if (Path(root) / name).is_symlink():
                yield Path(root) / name
        for name in sorted(files):
            aliases = name == ALIASES_FILE and Path(root) == Path(corpus_dir)
            if not name.startswith(".") and not name.endswith(SIDECAR_SUFFIX) and not aliases:
                yield Path(root) / name


def check_entry(path: Path) -> None:
    """CorpusError unless path is a plain entry of the corpus: not a symbolic link (the corpus
    never reaches outside itself through one) and a name short enough for the names derived
    from it (checked before any of them is built)."""
    if path.is_symlink():
        raise CorpusError(
            "it is a symbolic link, and links are not followed; copy the file itself into the "
            "corpus folder, or remove the link"
        )
    size = len(os.fsencode(path.name))
    if size > MAX_NAME_BYTES:
        raise CorpusError(
            f"the file name is {size} bytes long; the limit is {MAX_NAME_BYTES} (its "
            f"{SIDECAR_SUFFIX} sidecar's name must fit too): rename it with a shorter name"
        )


def sidecar_path(path: Path) -> Path | None:
    """Where a document's metadata sidecar would be; None when its name would be too long for
    the file system (then the document has none)."""
    name = path.name + SIDECAR_SUFFIX
    return path.with_name(name) if len(os.fsencode(name)) <= 255 else None


def _doc_id(abs_path: Path, abs_corpus: Path) -> str:
    try:
        return abs_path.relative_to(abs_corpus).as_posix()
    except ValueError:
        raise CorpusError("the file is outside the corpus folder; copy it in first") from None


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no suffix)"
        raise CorpusError(f"unsupported file type {shown}; supported: {_supported_list()}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise CorpusError(
                f"the file is {human_size(size)}, over the {human_size(max_bytes)} limit; "
                "split it or raise ASSISTANT_MAX_FILE_MB"
            )
        if size == 0:
            raise CorpusError("the file is empty; add text or remove it")
        data = _read_no_link(path, max_bytes + 1)
    except OSError as exc:
        raise CorpusError(f"could not read the file: {_os_reason(exc)}") from None
    if len(data) > max_bytes:  # it grew since stat()
        raise CorpusError(f"the file is over the {human_size(max_bytes)} limit; split it")
    if not data:
        raise CorpusError("the file is empty; add text or remove it")
    return data


def _digest(data: bytes, sidecar: bytes | None) -> str:
    """What a document's index entry depends on: the loaders' version, the file, its sidecar."""
    digest = hashlib.sha256(LOADERS_VERSION)
    digest.update(data)
    if sidecar is not None:
        digest.update(sidecar)
    return digest.hexdigest()


def _read_no_link(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of a file, opened without following a link in its last part (a
    link swapped in after the check is refused too: ELOOP)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        return fh.read(limit)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symbolic link, and links are not followed"
    return exc.strerror or type(exc).__name__


def _read_sidecar(path: Path) -> bytes | None:
    sidecar = sidecar_path(path)
    if sidecar is None or not (sidecar.is_symlink() or sidecar.is_file()):
        return None
    try:
        data = _read_no_link(sidecar, _MAX_SIDECAR_BYTES + 1)
    except OSError as exc:
        reason = _os_reason(exc)
        raise CorpusError(f"could not read its {SIDECAR_SUFFIX} sidecar: {reason}") from None
    if len(data) > _MAX_SIDECAR_BYTES:
        raise CorpusError(
            f"its {SIDECAR_SUFFIX} sidecar is over {human_size(_MAX_SIDECAR_BYTES)}; keep it short"
        )
    return data


def _parse_sidecar(data: bytes) -> dict[str, str]:
    try:
        loaded = yaml.safe_load(decode_text(data))
    except yaml.YAMLError as exc:
        raise CorpusError(
            f"its {SIDECAR_SUFFIX} sidecar is not valid YAML: {first_line(exc)}"
        ) from None
    except CorpusError as exc:
        raise CorpusError(f"its {SIDECAR_SUFFIX} sidecar: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise CorpusError(f"its {SIDECAR_SUFFIX} sidecar must be a mapping like 'title: ...'")
    return string_meta(loaded)


def _supported_list() -> str:
    return ", ".join(sorted(SUPPORTED_SUFFIXES))


def _readable_stem(path: Path) -> str:
    words = re.sub(r"[-_\s]+", " ", path.stem).strip()
    if not words:
        return path.name
    return words[0].upper() + words[1:] if words.islower() else words
