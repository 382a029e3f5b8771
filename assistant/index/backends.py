"""Where versions live: the embedded backend (one Chroma folder per version, CURRENT names
the committed one) and the server backend (versions side by side, a pointer record); see
assistant/index/store.py."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, Protocol

from chromadb.errors import NotFoundError

from assistant.index.clients import (
    Guarded,
    StoreError,
    batch_limit,
    copy_chroma,
    detail,
    get_collection,
    get_or_create,
    persistent,
    retry,
    sync_dir,
)
from assistant.index.schema import KINDS, NEVER, UNIT_VECTOR, utc_now
from assistant.index.view import IndexView, Transaction

UUID_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- where versions live ------------------------------------------------------------------


class Backend(Protocol):
    where: str

    def committed(self) -> int: ...
    def open_view(self, version: int) -> IndexView | None: ...
    def close_view(self, version: int) -> None: ...
    def begin(self, rebuild: bool, batch_size: int | None) -> Transaction: ...
    def commit(self, txn: Transaction) -> None: ...
    def discard(self, txn: Transaction) -> None: ...


class Embedded:
    """index/CURRENT names the committed folder index/v<N>; see the module docstring."""

    def __init__(self, index_dir: Path, name: str) -> None:
        self.root = index_dir
        self.name = name
        self.where = str(index_dir)
        self._readers: dict[int, tuple[Any, int]] = {}  # version -> (client, lock fd)
        self._writing: Any = None

    def committed(self) -> int:
        try:
            return int((self.root / "CURRENT").read_text(encoding="ascii").strip() or 0)
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"cannot read {self.root / 'CURRENT'} ({detail(exc)}); run `assistant ingest "
                "--rebuild` or check ASSISTANT_INDEX_DIR"
            ) from exc

    def folder(self, version: int) -> Path:
        return self.root / f"v{version}"

    def open_view(self, version: int) -> IndexView | None:
        """A view of version, or None when it was superseded and collected meanwhile."""
        if version == 0:
            return IndexView(0, None, filtered=False)
        folder = self.folder(version)
        try:
            fd = os.open(folder / ".readers", os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # the writer is collecting it
        except BlockingIOError:
            os.close(fd)
            return None
        if not (folder / "chroma.sqlite3").is_file():
            os.close(fd)
            return None
        try:
            client = persistent(folder)
            collections = {k: get_collection(client, f"{self.name}_{k}") for k in KINDS}
        except Exception as exc:
            os.close(fd)
            raise StoreError(
                f"cannot read the index at {folder} ({detail(exc)}); run `assistant ingest "
                "--rebuild`"
            ) from exc
        self._readers[version] = (client, fd)
        return IndexView(version, collections, filtered=False)

    def close_view(self, version: int) -> None:
        client, fd = self._readers.pop(version, (None, None))
        if client is not None:
            with suppress(Exception):
                client.close()
        if fd is not None:
            os.close(fd)  # releases the shared lock

    def begin(self, rebuild: bool, batch_size: int | None) -> Transaction:
        current = self.committed()
        version = current + 1
        target = self.folder(version)
        shutil.rmtree(target, ignore_errors=True)  # left by a writer that never committed
        target.mkdir(parents=True)
        if current and not rebuild:
            copy_chroma(self.folder(current), target)
        client = persistent(target)
        self._writing = client
        collections = {k: get_or_create(client, f"{self.name}_{k}") for k in KINDS}
        return Transaction(version, collections, batch_limit(client, batch_size), private=True)

    def commit(self, txn: Transaction) -> None:
        self._close_writer()
        folder = self.folder(txn.version)
        (folder / ".readers").touch()
        sync_dir(folder)
        first = self.committed() == 0
        tmp = self.root / "CURRENT.tmp"
        with tmp.open("w", encoding="ascii") as f:
            f.write(f"{txn.version}\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.root / "CURRENT")
        sync_dir(self.root)
        self._collect(txn.version, legacy=first)

    def discard(self, txn: Transaction) -> None:
        self._close_writer()
        shutil.rmtree(self.folder(txn.version), ignore_errors=True)

    def _close_writer(self) -> None:
        client, self._writing = self._writing, None
        if client is not None:
            client.close()

    def _collect(self, current: int, legacy: bool) -> None:
        """Delete superseded folders that no reader holds (each is tried again at the next
        commit); at the first commit, an index left by an earlier release of the assistant."""
        for path in self.root.glob("v*"):
            if not (path.name[1:].isdigit() and int(path.name[1:]) < current):
                continue
            try:
                fd = os.open(path / ".readers", os.O_RDONLY)
            except FileNotFoundError:
                shutil.rmtree(path, ignore_errors=True)  # never committed
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                shutil.rmtree(path, ignore_errors=True)
            except BlockingIOError:
                pass  # a reader is still on it
            finally:
                os.close(fd)
        if legacy:
            (self.root / "chroma.sqlite3").unlink(missing_ok=True)
            for path in self.root.iterdir():
                if path.is_dir() and UUID_DIR.match(path.name):
                    shutil.rmtree(path, ignore_errors=True)


class Server:
    """A pointer record holds the committed version; see the module docstring."""

    def __init__(self, client: Any, name: str, where: str, grace_s: float) -> None:
        self.client = client
        self.name = name
        self.where = where
        self.grace_s = grace_s
        self._pointer = Guarded(where, lambda: get_or_create(client, f"{name}_pointer"))
        self._generations: dict[int, dict[str, Any]] = {}
        self._begun: tuple[dict[str, Any], int] = ({}, 0)  # the pointer and generation written to

    def _read_pointer(self) -> dict[str, Any]:
        got = self._pointer.get(ids=["committed"], include=["metadatas"])
        metas = got["metadatas"] or []
        return dict(metas[0]) if metas else {}

    def committed(self) -> int:
        return int(self._read_pointer().get("version", 0))

    def open_view(self, version: int) -> IndexView | None:
        pointer = self._read_pointer()
        if int(pointer.get("version", 0)) != version:
            return None
        if version == 0:
            return IndexView(0, None, filtered=True)
        return IndexView(version, self._collections(int(pointer["generation"])), filtered=True)

    def close_view(self, version: int) -> None:
        pass

    def _collections(self, generation: int, create: bool = False) -> dict[str, Any]:
        if generation not in self._generations:
            client, name = self.client, self.name

            def getter(kind: str) -> Callable[[], Any]:
                full = f"{name}_g{generation}_{kind}"
                return lambda: (get_or_create if create else get_collection)(client, full)

            self._generations[generation] = {k: Guarded(self.where, getter(k)) for k in KINDS}
        return self._generations[generation]

    def begin(self, rebuild: bool, batch_size: int | None) -> Transaction:
        pointer = self._read_pointer()
        current = int(pointer.get("version", 0))
        version = current + 1
        generation = int(pointer.get("generation", 0))
        if rebuild or not generation:
            generation = version
            self._drop_generation(generation)  # left by a rebuild that never committed
        collections = self._collections(generation, create=True)
        if generation != version:
            roll_back(collections, current)
        self._begun = (pointer, generation)
        return Transaction(
            version, collections, batch_limit(self.client, batch_size, self.where), private=False
        )

    def commit(self, txn: Transaction) -> None:
        pointer, generation = self._begun
        now = time.time()
        history = json.loads(str(pointer.get("history", "[]")))
        retired = json.loads(str(pointer.get("retired", "[]")))
        old_generation = int(pointer.get("generation", 0))
        if old_generation and old_generation != generation:
            retired.append([old_generation, txn.version])
        # T: the newest version whose commit is older than the grace period. Records it (or an
        # earlier one) removed can no longer be read by anyone.
        settled = [v for v, at in history if at < now - self.grace_s]
        if settled:
            cutoff = max(settled)
            for collection in self._collections(generation).values():
                collection.delete(where={"v_to": {"$lte": cutoff}})
            for old, _ in [r for r in retired if r[1] <= cutoff]:
                self._drop_generation(old)
            retired = [r for r in retired if r[1] > cutoff]
            history = [h for h in history if h[0] > cutoff]
        if not pointer:
            self._drop_legacy()
        self._drop_strays(keep={generation, *(r[0] for r in retired)})
        history.append([txn.version, now])
        self._pointer.upsert(
            ids=["committed"],
            embeddings=[UNIT_VECTOR],
            metadatas=[
                {
                    "version": txn.version,
                    "generation": generation,
                    "history": json.dumps(history),
                    "retired": json.dumps(retired),
                    "committed_at": utc_now(),
                }
            ],
        )

    def discard(self, txn: Transaction) -> None:
        """Left as it is: the next writer rolls it back before it starts."""

    def _drop_generation(self, generation: int) -> None:
        self._generations.pop(generation, None)
        for kind in KINDS:
            with suppress(NotFoundError, ValueError):
                retry(
                    self.where, self.client.delete_collection, f"{self.name}_g{generation}_{kind}"
                )

    def _drop_strays(self, keep: set[int]) -> None:
        """Generations no pointer names: left by rebuilds that never committed."""
        pattern = re.compile(rf"^{re.escape(self.name)}_g(\d+)_(?:chunks|sentences|docs)$")
        names = [getattr(c, "name", c) for c in retry(self.where, self.client.list_collections)]
        found = {int(m[1]) for n in names if (m := pattern.match(str(n)))}
        for generation in found - keep:
            self._drop_generation(generation)

    def _drop_legacy(self) -> None:
        """The collections of an earlier release of the assistant (no pointer, no versions)."""
        for kind in KINDS:
            with suppress(NotFoundError, ValueError):
                retry(self.where, self.client.delete_collection, f"{self.name}_{kind}")


def roll_back(collections: dict[str, Any], committed: int) -> None:
    """Undo what a writer that never committed left in the collections: records it added, and
    removals it marked."""
    for collection in collections.values():
        collection.delete(where={"v_from": {"$gt": committed}})
        marked = {"$and": [{"v_to": {"$gt": committed}}, {"v_to": {"$lt": NEVER}}]}
        ids = collection.get(where=marked, include=[])["ids"]
        if ids:
            collection.update(ids=ids, metadatas=[{"v_to": NEVER}] * len(ids))
