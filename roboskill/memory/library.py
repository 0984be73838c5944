"""The skill library: learned skills and failed tasks, searchable by meaning.

Layout of a library directory:

    <library>/records.sqlite   full records as JSON — the source of truth (small, transactional)
    <library>/chroma/          Chroma PersistentClient — a derived vector index over descriptions

Why two stores: Chroma metadata must be flat scalars, and listing or showing skills should not load
the embedding model. SQLite is written first (one transaction), then the Chroma index; on open the
index is reconciled with SQLite, so a crash between the two never loses or duplicates a skill — a skill
is in the library iff its record is in records.sqlite. Nothing here ever deletes a file: a corrupted
store raises `LibraryCorruptedError` naming the file and what to do.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from roboskill.memory.records import FailedTaskRecord, SkillRecord

SCHEMA_VERSION = 1
EXPORT_FORMAT = "roboskill-skill-library"
SKILLS_COLLECTION = "skills"
FAILURES_COLLECTION = "failed_tasks"
RECORDS_FILE = "records.sqlite"
CHROMA_DIR = "chroma"


class LibraryError(RuntimeError):
    """Base class for skill-library errors (messages are meant for users)."""


class LibraryCorruptedError(LibraryError):
    """A library file cannot be read. The message names the file; nothing was deleted."""


class SkillNotFoundError(LibraryError, KeyError):
    """No skill with that name; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class SkillMatch(BaseModel):
    """A search hit: the record and its cosine similarity to the query (1 = identical meaning)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    record: SkillRecord
    similarity: float


class FailureMatch(BaseModel):
    record: FailedTaskRecord
    similarity: float


class NoveltyVerdict(BaseModel):
    """Whether a proposed task is new, with the evidence.

    `novel` is False when the most similar stored skill reaches `threshold` (calibrated on
    roboskill/data/novelty/novelty_pairs.jsonl unless overridden). `nearest` is [(skill name, similarity)], best first.
    """

    query: str
    novel: bool
    nearest: list[tuple[str, float]] = Field(default_factory=list)
    threshold: float
    details: list[dict[str, Any]] = Field(default_factory=list)
    """Per nearest skill: name, similarity, and the task-frame conflicts found (e.g. "action: CLOSE vs OPEN")."""

    @property
    def max_similarity(self) -> float:
        return self.nearest[0][1] if self.nearest else 0.0


class ImportResult(BaseModel):
    skills_added: int = 0
    skills_updated: int = 0
    failures_added: int = 0
    failures_updated: int = 0
    renamed: dict[str, str] = Field(default_factory=dict)
    """Imported name -> stored name, where a different skill already used the name."""


class LibraryExport(BaseModel):
    """The file written by `export` and read by `import_` (JSON)."""

    format: str = EXPORT_FORMAT
    version: int = SCHEMA_VERSION
    exported_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    skills: list[SkillRecord] = Field(default_factory=list)
    failures: list[FailedTaskRecord] = Field(default_factory=list)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS skills (
    key TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
    success_rate REAL NOT NULL, created_at TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,
    created_at TEXT NOT NULL, record TEXT NOT NULL);
"""


class SkillLibrary:
    """Learned skills and failed tasks at `path` (created if missing).

    Thread-safe within a process (one lock); use one library object per process.
    """

    def __init__(self, path: str | Path, *, novelty_threshold: float | None = None) -> None:
        self.path = Path(path).expanduser()
        if self.path.exists() and not self.path.is_dir():
            raise LibraryError(f"{self.path}: library path is a file, expected a directory (pass --library DIR)")
        self.path.mkdir(parents=True, exist_ok=True)
        self.records_file = self.path / RECORDS_FILE
        self.chroma_dir = self.path / CHROMA_DIR
        self._novelty_threshold = novelty_threshold
        self._lock = threading.RLock()
        self._db = self._open_db()
        self._client: Any = None
        self._collections: dict[str, Any] = {}

    # ------------------------------------------------------------------ stores
    def _open_db(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.records_file, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise LibraryError(
                    f"{self.records_file}: library schema v{row[0]} is newer than this roboskill (v{SCHEMA_VERSION}); "
                    "upgrade roboskill"
                )
        except sqlite3.DatabaseError as exc:
            raise LibraryCorruptedError(
                f"{self.records_file}: skill library records are unreadable ({exc}). Nothing was deleted. "
                "Restore it from a `roboskill skills export` file, or move it aside to start a new library."
            ) from None
        return db

    def _chroma(self) -> Any:
        """The Chroma client, opened on first vector use (keeps `list`/`show` fast)."""
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            try:
                self._client = chromadb.PersistentClient(
                    path=str(self.chroma_dir),
                    settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
                )
            except Exception as exc:  # noqa: BLE001 - chroma raises many types for a bad store
                raise LibraryCorruptedError(
                    f"{self.chroma_dir}: the vector index cannot be opened ({type(exc).__name__}: {exc}). "
                    f"Nothing was deleted. The index is derived from {self.records_file}: move the folder aside "
                    "and it is rebuilt on next use."
                ) from None
        return self._client

    def _collection(self, name: str) -> Any:
        if name not in self._collections:
            from roboskill.memory.embed import MiniLMEmbeddingFunction

            try:
                col = self._chroma().get_or_create_collection(
                    name=name,
                    embedding_function=MiniLMEmbeddingFunction(),
                    configuration={"hnsw": {"space": "cosine"}},
                )
            except LibraryError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise LibraryCorruptedError(
                    f"{self.chroma_dir}: collection {name!r} cannot be opened ({type(exc).__name__}: {exc}). "
                    f"Nothing was deleted. The index is derived from {self.records_file}: move the folder aside "
                    "and it is rebuilt on next use."
                ) from None
            self._collections[name] = col
            self._reconcile(name, col)
        return self._collections[name]

    def _reconcile(self, name: str, col: Any) -> None:
        """Make the vector index match records.sqlite (after a crash between the two writes)."""
        table = "skills" if name == SKILLS_COLLECTION else "failures"
        (n_rows,) = self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        if col.count() == n_rows and n_rows == 0:
            return
        indexed = set(col.get(include=[])["ids"]) if col.count() else set()
        rows = {k: (d, n) for k, d, n in self._db.execute(f"SELECT key, description, name FROM {table}")}
        stale = sorted(indexed - rows.keys())
        if stale:
            col.delete(ids=stale)
        missing = sorted(rows.keys() - indexed)
        for start in range(0, len(missing), 256):
            keys = missing[start : start + 256]
            col.upsert(
                ids=keys,
                documents=[rows[k][0] for k in keys],
                metadatas=[{"name": rows[k][1]} for k in keys],
            )

    def _load(self, raw: str, table: str, key: str, model: type[BaseModel]) -> Any:
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            raise LibraryCorruptedError(
                f"{self.records_file}: {table} row {key!r} is not a valid {model.__name__} "
                f"({exc.error_count()} problems, first: {exc.errors()[0]['msg']}). Nothing was deleted."
            ) from None

    # ------------------------------------------------------------------ writes
    def _unique_name(self, name: str, key: str) -> str:
        candidate, n = name, 2
        while True:
            row = self._db.execute("SELECT key FROM skills WHERE name=?", (candidate,)).fetchone()
            if row is None or row[0] == key:
                return candidate
            candidate = f"{name}_{n}"
            n += 1

    def add_skill(self, record: SkillRecord) -> SkillRecord:
        """Store an accepted skill; idempotent on (run_id, task_id).

        Storing the same (run_id, task_id) again replaces the record (keeping its name), so resuming a
        run never duplicates. A *different* skill with a taken name is stored as `<name>_2`, `<name>_3`…;
        the returned record carries the stored name.
        """
        record = SkillRecord.model_validate(record.model_dump())
        with self._lock:
            existing = self._db.execute("SELECT name FROM skills WHERE key=?", (record.key,)).fetchone()
            name = existing[0] if existing else self._unique_name(record.name, record.key)
            if name != record.name:
                record = record.model_copy(update={"name": name})
            col = self._collection(SKILLS_COLLECTION)  # open (and reconcile) before writing
            with self._tx():
                self._db.execute(
                    "INSERT INTO skills(key, name, description, success_rate, created_at, record) VALUES (?,?,?,?,?,?) "
                    "ON CONFLICT(key) DO UPDATE SET name=excluded.name, description=excluded.description, "
                    "success_rate=excluded.success_rate, created_at=excluded.created_at, record=excluded.record",
                    (record.key, record.name, record.description, record.success_rate,
                     record.created_at.isoformat(), record.model_dump_json()),
                )
            col.upsert(ids=[record.key], documents=[record.description], metadatas=[{"name": record.name}])
        return record

    def add_skills(self, records: list[SkillRecord], batch_size: int = 256) -> list[SkillRecord]:
        """Bulk `add_skill` (one transaction and one embedding batch per `batch_size` records)."""
        stored: list[SkillRecord] = []
        with self._lock:
            col = self._collection(SKILLS_COLLECTION)
            for start in range(0, len(records), batch_size):
                batch: list[SkillRecord] = []
                with self._tx():
                    for rec in records[start : start + batch_size]:
                        rec = SkillRecord.model_validate(rec.model_dump())
                        existing = self._db.execute("SELECT name FROM skills WHERE key=?", (rec.key,)).fetchone()
                        name = existing[0] if existing else self._unique_name(rec.name, rec.key)
                        if name != rec.name:
                            rec = rec.model_copy(update={"name": name})
                        self._db.execute(
                            "INSERT INTO skills(key, name, description, success_rate, created_at, record) "
                            "VALUES (?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET name=excluded.name, "
                            "description=excluded.description, success_rate=excluded.success_rate, "
                            "created_at=excluded.created_at, record=excluded.record",
                            (rec.key, rec.name, rec.description, rec.success_rate,
                             rec.created_at.isoformat(), rec.model_dump_json()),
                        )
                        batch.append(rec)
                col.upsert(
                    ids=[r.key for r in batch],
                    documents=[r.description for r in batch],
                    metadatas=[{"name": r.name} for r in batch],
                )
                stored.extend(batch)
        return stored

    def add_failure(self, record: FailedTaskRecord) -> FailedTaskRecord:
        """Remember a task the loop gave up on; idempotent on (run_id, task_id)."""
        record = FailedTaskRecord.model_validate(record.model_dump())
        with self._lock:
            col = self._collection(FAILURES_COLLECTION)
            with self._tx():
                self._db.execute(
                    "INSERT INTO failures(key, name, description, created_at, record) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(key) DO UPDATE SET name=excluded.name, description=excluded.description, "
                    "created_at=excluded.created_at, record=excluded.record",
                    (record.key, record.name, record.description, record.created_at.isoformat(),
                     record.model_dump_json()),
                )
            col.upsert(ids=[record.key], documents=[record.description], metadatas=[{"name": record.name}])
        return record

    def remove(self, name: str) -> SkillRecord:
        """Delete a skill by name and return it (raises SkillNotFoundError)."""
        with self._lock:
            record = self.get(name)
            col = self._collection(SKILLS_COLLECTION)
            with self._tx():
                self._db.execute("DELETE FROM skills WHERE key=?", (record.key,))
            col.delete(ids=[record.key])
        return record

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------------ reads
    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM skills").fetchone()[0])

    def __contains__(self, name: object) -> bool:
        return self._db.execute("SELECT 1 FROM skills WHERE name=?", (name,)).fetchone() is not None

    def names(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT name FROM skills ORDER BY created_at, name")]

    def get(self, name: str) -> SkillRecord:
        """The skill called `name`; SkillNotFoundError names close matches."""
        row = self._db.execute("SELECT key, record FROM skills WHERE name=?", (name,)).fetchone()
        if row is None:
            close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.5)
            hint = f" Did you mean: {', '.join(close)}?" if close else " See `roboskill skills list`."
            raise SkillNotFoundError(f"no skill named {name!r} in {self.path}.{hint}")
        return self._load(row[1], "skills", row[0], SkillRecord)

    def get_by_key(self, run_id: str, task_id: str) -> SkillRecord | None:
        """The skill stored for (run_id, task_id), if any — lets a resumed run check before re-storing."""
        key = f"{run_id}/{task_id}"
        row = self._db.execute("SELECT record FROM skills WHERE key=?", (key,)).fetchone()
        return None if row is None else self._load(row[0], "skills", key, SkillRecord)

    def list(self) -> list[SkillRecord]:  # noqa: A003 - contract name
        """All skills, oldest first."""
        rows = self._db.execute("SELECT key, record FROM skills ORDER BY created_at, name").fetchall()
        return [self._load(r, "skills", k, SkillRecord) for k, r in rows]

    def list_failures(self) -> list[FailedTaskRecord]:
        rows = self._db.execute("SELECT key, record FROM failures ORDER BY created_at, name").fetchall()
        return [self._load(r, "failures", k, FailedTaskRecord) for k, r in rows]

    def _query(self, collection: str, text: str, k: int) -> list[tuple[str, float]]:
        """(key, cosine similarity) of the k nearest descriptions, best first."""
        col = self._collection(collection)
        n = col.count()
        if n == 0 or k <= 0:
            return []
        from roboskill.memory.embed import embed_query

        res = col.query(query_embeddings=[embed_query(text)], n_results=min(k, n), include=["distances"])
        return [(key, 1.0 - float(dist)) for key, dist in zip(res["ids"][0], res["distances"][0])]

    def _records_by_key(self, table: str, keys: list[str], model: type[BaseModel]) -> dict[str, Any]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(f"SELECT key, record FROM {table} WHERE key IN ({marks})", keys).fetchall()
        return {k: self._load(r, table, k, model) for k, r in rows}

    def search(self, query: str, k: int = 5) -> list[SkillMatch]:
        """Skills nearest in meaning to `query` (MiniLM cosine), best first."""
        with self._lock:
            hits = self._query(SKILLS_COLLECTION, query, k)
            recs = self._records_by_key("skills", [h[0] for h in hits], SkillRecord)
        return [SkillMatch(record=recs[key], similarity=sim) for key, sim in hits if key in recs]

    def nearest_failures(self, description: str, k: int = 3) -> list[FailureMatch]:
        """Failed tasks nearest to `description`, for the proposer to steer away from."""
        with self._lock:
            hits = self._query(FAILURES_COLLECTION, description, k)
            recs = self._records_by_key("failures", [h[0] for h in hits], FailedTaskRecord)
        return [FailureMatch(record=recs[key], similarity=sim) for key, sim in hits if key in recs]

    def similar_successful(self, description: str, k: int = 3, min_success_rate: float = 0.5) -> list[SkillRecord]:
        """The most similar skills that actually worked — their plans carry reward code to reuse as examples."""
        matches = self.search(description, k=max(k * 4, 10))
        good = [m.record for m in matches if m.record.success_rate >= min_success_rate]
        return good[:k]

    @property
    def novelty_threshold(self) -> float:
        if self._novelty_threshold is not None:
            return self._novelty_threshold
        from roboskill.memory.novelty import default_threshold

        return default_threshold()

    def is_novel(self, description: str, k: int = 5, threshold: float | None = None,
                 candidates: int = 50) -> NoveltyVerdict:
        """Is `description` a task not yet learned? Verdict plus the k nearest skills as evidence.

        The `candidates` nearest skills by embedding cosine are re-scored with the task-frame check
        (`novelty.task_similarity`: same action, objects, attributes), because cosine alone rates
        "close the drawer" as a near-duplicate of "open the drawer". Similarities reported are those
        re-scored values, which are what the calibrated threshold applies to.
        """
        from roboskill.memory.novelty import task_similarity

        thr = self.novelty_threshold if threshold is None else threshold
        with self._lock:
            col = self._collection(SKILLS_COLLECTION)
            n = col.count()
            if n == 0:
                return NoveltyVerdict(query=description, novel=True, nearest=[], threshold=thr)
            from roboskill.memory.embed import embed_query

            res = col.query(query_embeddings=[embed_query(description)], n_results=min(max(k, candidates), n),
                            include=["distances", "documents", "metadatas"])
        scored = []
        for dist, doc, meta in zip(res["distances"][0], res["documents"][0], res["metadatas"][0]):
            score, conflicts = task_similarity(description, doc, 1.0 - float(dist))
            scored.append((round(score, 4), str(meta.get("name", "?")), conflicts))
        scored.sort(key=lambda t: -t[0])
        nearest = [(name, score) for score, name, _ in scored[:k]]
        novel = nearest[0][1] < thr
        details = [{"name": name, "similarity": score, "conflicts": conflicts} for score, name, conflicts in scored[:k]]
        return NoveltyVerdict(query=description, novel=novel, nearest=nearest, threshold=thr, details=details)

    def library_summary(self, max_items: int = 20) -> str:
        """A compact text listing of learned skills and failures, for the proposer's prompt."""
        skills = self.list()
        failures = self.list_failures()
        lines = [f"Learned skills ({len(skills)}):"]
        for rec in sorted(skills, key=lambda r: r.created_at, reverse=True)[:max_items]:
            lines.append(f"- {rec.name} (success {rec.success_rate:.0%}): {rec.description}")
        if len(skills) > max_items:
            lines.append(f"- … and {len(skills) - max_items} more")
        if failures:
            lines.append(f"Failed tasks ({len(failures)}):")
            for fail in sorted(failures, key=lambda r: r.created_at, reverse=True)[:max_items]:
                reason = f" — {fail.reason}" if fail.reason else ""
                lines.append(f"- {fail.name}: {fail.description}{reason}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ export / import
    def export(self, file: str | Path) -> LibraryExport:
        """Write every skill and failure to a JSON file (atomically) and return what was written."""
        payload = LibraryExport(skills=self.list(), failures=self.list_failures())
        target = Path(file).expanduser()
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload.model_dump_json(indent=2))
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return payload

    def import_(self, file: str | Path) -> ImportResult:
        """Merge an export file into this library; idempotent (re-importing changes nothing)."""
        payload = read_export(file)
        result = ImportResult()
        existing_skills = {r[0] for r in self._db.execute("SELECT key FROM skills")}
        existing_fails = {r[0] for r in self._db.execute("SELECT key FROM failures")}
        stored = self.add_skills(payload.skills)
        for original, rec in zip(payload.skills, stored):
            if rec.key in existing_skills:
                result.skills_updated += 1
            else:
                result.skills_added += 1
            if rec.name != original.name:
                result.renamed[original.name] = rec.name
        for fail in payload.failures:
            self.add_failure(fail)
            if fail.key in existing_fails:
                result.failures_updated += 1
            else:
                result.failures_added += 1
        return result

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._collections.clear()
            self._client = None

    def __enter__(self) -> "SkillLibrary":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_export(file: str | Path) -> LibraryExport:
    """Parse and validate an export file; errors name the file and the first bad record."""
    path = Path(file).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LibraryError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:  # "[[[[…" nested thousands deep
        raise LibraryError(f"{path}: not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise LibraryError(f"{path}: not a roboskill skill export (expected \"format\": \"{EXPORT_FORMAT}\")")
    try:
        version = int(data.get("version", 0))
    except (TypeError, ValueError):  # "abc" / [1] / null used to escape as a traceback
        raise LibraryError(f"{path}: \"version\" must be a whole number, got {data.get('version')!r}") from None
    if version > SCHEMA_VERSION:
        raise LibraryError(f"{path}: export version {data.get('version')} is newer than this roboskill; upgrade")
    try:
        return LibraryExport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LibraryError(f"{path}: invalid export at {where}: {first['msg']} ({exc.error_count()} problems)") from None


def open_library(path: str | Path | None = None) -> SkillLibrary:
    """The library configured in settings (`library_dir`, `novelty_threshold`), or at `path`."""
    from roboskill.config import load_settings

    settings = load_settings()
    return SkillLibrary(path or settings.library_dir, novelty_threshold=settings.novelty_threshold)
