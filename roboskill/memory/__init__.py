"""Skill memory: a ChromaDB library of learned and failed tasks (novelty, search, reuse).

Import from here: `from roboskill.memory import SkillLibrary, SkillRecord, FailedTaskRecord`.
Heavy dependencies (chromadb, sentence-transformers) load only when a library is used.
"""

from roboskill.memory.library import (
    FailureMatch,
    ImportResult,
    LibraryCorruptedError,
    LibraryError,
    NoveltyVerdict,
    SkillLibrary,
    SkillMatch,
    SkillNotFoundError,
    open_library,
)
from roboskill.memory.records import FailedTaskRecord, SkillRecord, slugify_name

__all__ = [
    "FailedTaskRecord",
    "FailureMatch",
    "ImportResult",
    "LibraryCorruptedError",
    "LibraryError",
    "NoveltyVerdict",
    "SkillLibrary",
    "SkillMatch",
    "SkillNotFoundError",
    "SkillRecord",
    "open_library",
    "slugify_name",
]
