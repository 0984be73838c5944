"""Asset catalog: every usable pybullet_data object and every articulated generator, with meaning and size.

The scene designer picks assets "by meaning and size", so each entry has a one-line description,
semantic tags and a bounding box that is *measured* (loaded in a throw-away DIRECT client and its
AABB read), never typed in — typed sizes drift from the files and mislead the designer.

Cost: measuring the ~30 curated objects and 7 generators takes well under a second and is cached in
`$ROBOSKILL_HOME/cache/catalog_sizes.json` (keyed by file, mtime and scale), so it happens once. The
1000 `random_urdfs/NNN` objects are listed as `random_NNN` entries but measured only on demand
(`Catalog.size(name)` / `measure_all(include_random=True)`), so a first run stays fast.

User assets: every *.urdf / *.obj under `$ROBOSKILL_ASSETS` (or the `user_dir` argument) becomes an
entry named after its file stem (tags from the folder names, sizes measured the same way).

Every entry says what it is for people and for `scene catalog --json`: `kind` (rigid | articulated), `category`
(the object category, e.g. mug) and `format` (how it is built: urdf, obj/stl mesh, generator, composite). Composite
rigid objects (`roboskill.sim.composite`: mugs, bowls, hammers, shelves … from several primitives) are entries too.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any, Iterable, Literal

import pybullet_data
from pydantic import BaseModel, Field

from roboskill.sim import articulated, composite, meshes

Vec3 = tuple[float, float, float]


class UnknownAssetError(KeyError):
    """An asset name that is neither a catalog entry nor an existing .urdf/.obj path; `.fix` suggests one."""

    def __init__(self, name: str, suggestions: list[str], fix: str | None = None) -> None:
        self.name = name
        self.suggestions = suggestions
        self.fix = fix or (f"did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions
                           else "run `roboskill scene catalog` to list assets, or give a path to a .urdf/.obj file")
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown asset {self.name!r}"


class CatalogEntry(BaseModel):
    """One thing a scene can contain."""

    name: str
    kind: Literal["rigid", "articulated"]
    """rigid: one body that moves as a whole; articulated: parts on joints."""
    category: str = ""
    """The object category (mug, hammer, drawer_cabinet ...): several entries may share one."""
    format: str = "urdf"
    """How it is built: urdf | obj | stl (mesh files) | generator (articulated) | composite (several primitives)."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Parameters a spec may set (`params:`): for composites name -> [default, min, max] (metres or counts)."""
    description: str
    tags: list[str] = Field(default_factory=list)
    path: str | None = None
    """Absolute file path (None for articulated generators)."""
    scale: float = 1.0
    """Default scale applied when loading (the spec's `scale` multiplies it)."""
    size: Vec3 | None = None
    """Measured AABB extents (x, y, z) in metres at the default scale; None until measured."""
    source: Literal["pybullet_data", "generator", "composite", "user"] = "pybullet_data"

    def line(self) -> str:
        size = "size ?" if self.size is None else "size {:.3f}x{:.3f}x{:.3f} m".format(*self.size)
        return f"{self.name} [{self.kind}, {self.category}] {size}: {self.description} (tags: {', '.join(self.tags)})"


#: Curated pybullet_data objects: name -> (relative path, default scale, description, tags).
CURATED: dict[str, tuple[str, float, str, tuple[str, ...]]] = {
    "cube": ("cube.urdf", 0.05, "textured 5 cm cube", ("block", "cube", "box", "graspable", "stackable", "rigid")),
    "cube_small": ("cube_small.urdf", 1.0, "small 5 cm cube", ("block", "cube", "graspable", "stackable", "rigid")),
    "block": ("block.urdf", 1.0, "thin 10 cm stick-shaped block", ("block", "stick", "graspable", "rigid")),
    "duck": ("duck_vhacd.urdf", 1.0, "yellow rubber duck toy", ("toy", "duck", "animal", "graspable", "soft-looking")),
    "teddy": ("teddy_vhacd.urdf", 1.0, "small teddy bear toy", ("toy", "teddy", "bear", "animal", "graspable")),
    "sphere": ("sphere_small.urdf", 1.0, "6 cm ball", ("ball", "sphere", "round", "rollable", "graspable")),
    "red_ball": ("sphere2red.urdf", 0.05, "red 5 cm ball", ("ball", "sphere", "red", "round", "rollable", "graspable")),
    "marble": ("sphere_1cm.urdf", 2.0, "tiny 2 cm marble", ("ball", "sphere", "tiny", "round", "rollable")),
    "soccerball": ("soccerball.urdf", 0.08, "8 cm soccer ball", ("ball", "sphere", "toy", "round", "rollable")),
    "lego": ("lego/lego.urdf", 1.0, "lego brick", ("toy", "brick", "lego", "block", "graspable", "stackable")),
    "jenga": ("jenga/jenga.urdf", 1.0, "wooden jenga block (15 x 5 x 3 cm)", ("block", "wood", "jenga", "graspable", "stackable")),
    "domino": ("domino/domino.urdf", 1.0, "standing domino tile", ("domino", "tile", "thin", "topple", "graspable")),
    # pybullet's mug mesh collides as its convex hull (solid: nothing fits in it); "mug" is the open composite
    "mug_mesh": ("objects/mug.urdf", 1.0, "coffee mug mesh, SOLID collision (use `mug` to put things in)",
                 ("mug", "kitchen", "mesh", "graspable")),
    "tray": ("tray/traybox.urdf", 0.4, "flat tray with low walls (24 cm)", ("tray", "container", "kitchen", "flat", "target")),
    "tray_textured": ("tray/tray_textured2.urdf", 0.4, "textured flat tray (24 cm)", ("tray", "container", "flat", "target")),
    "toy_robot": ("r2d2.urdf", 0.3, "small R2D2 toy robot figure", ("toy", "robot", "figure", "large")),
    "bunny": ("bunny.obj", 0.07, "stanford bunny figurine (mesh)", ("toy", "bunny", "animal", "figure", "mesh")),
    "torus": ("torus/torus_textured.obj", 0.05, "ring / torus (mesh)", ("ring", "torus", "donut", "mesh", "graspable")),
}

#: Object categories of curated entries whose name is not their category.
CURATED_CATEGORY = {"cube_small": "cube", "sphere": "ball", "red_ball": "ball", "marble": "ball", "soccerball": "ball",
                    "mug_mesh": "mug", "tray_textured": "tray", "toy_robot": "robot_figure", "bunny": "figurine",
                    "lego": "lego_brick", "jenga": "jenga_block", "torus": "ring"}

_RANDOM_RE = re.compile(r"^random_(\d{3})$")
_lock = threading.Lock()
_CATALOG: Catalog | None = None


def _home() -> Path:
    return Path(os.environ.get("ROBOSKILL_HOME", "~/.roboskill")).expanduser()


class Catalog:
    """Named assets with lazily measured sizes. Use `get_catalog()` for the process-wide instance."""

    def __init__(self, user_dir: str | Path | None = None, cache_path: Path | None = None) -> None:
        self.data_path = Path(pybullet_data.getDataPath())
        self.cache_path = cache_path or (_home() / "cache" / "catalog_sizes.json")
        self._sizes: dict[str, list[float]] = self._load_cache()
        self._dirty = False
        self.entries: dict[str, CatalogEntry] = {}
        for name, (rel, scale, desc, tags) in CURATED.items():
            path = self.data_path / rel
            if path.exists():
                fmt = "obj" if path.suffix == ".obj" else "urdf"
                self.entries[name] = CatalogEntry(name=name, kind="rigid", category=CURATED_CATEGORY.get(name, name),
                                                  format=fmt, description=desc, tags=list(tags), path=str(path),
                                                  scale=scale)
        for kind in articulated.all_kinds():  # the 7 generators, then the presets built with the articulated spec
            desc, tags, _ = articulated.kind_info(kind)
            self.entries[kind] = CatalogEntry(name=kind, kind="articulated", category=kind, format="generator",
                                              description=desc, tags=list(tags), source="generator")
        for name, ct in composite.types().items():
            self.entries[name] = CatalogEntry(
                name=name, kind="rigid", category=ct.category, format="composite", description=ct.description,
                tags=list(ct.tags), source="composite",
                params={k: [v.default, v.lo, v.hi] for k, v in ct.params.items()})
        rnd = self.data_path / "random_urdfs"
        if rnd.is_dir():
            for d in sorted(rnd.iterdir()):
                f = d / f"{d.name}.urdf"
                if d.name.isdigit() and f.exists():
                    self.entries[f"random_{d.name}"] = CatalogEntry(
                        name=f"random_{d.name}", kind="rigid", category="random_object", path=str(f),
                        description=f"procedurally generated irregular rigid object #{d.name}",
                        tags=["random", "irregular", "rigid", "graspable"])
        user = user_dir or os.environ.get("ROBOSKILL_ASSETS")
        if user:
            self.add_directory(user)
        for e in self.entries.values():
            cached = self._sizes.get(self._key(e))
            if cached:
                e.size = tuple(cached)  # type: ignore[assignment]

    # ------------------------------------------------------------------------------- lookups
    def add_directory(self, directory: str | Path) -> list[str]:
        """Register every .urdf/.obj under `directory` as a user asset; returns the new names."""
        root = Path(directory).expanduser()
        if not root.is_dir():
            raise FileNotFoundError(f"asset directory {root} does not exist (ROBOSKILL_ASSETS / --assets)")
        added = []
        for f in sorted(list(root.rglob("*.urdf")) + list(root.rglob("*.obj"))):
            if f.suffix == ".obj" and f.with_suffix(".urdf").exists():
                continue  # the URDF wraps this mesh
            name = re.sub(r"[^a-z0-9_]", "_", f.stem.lower()).strip("_") or "asset"
            if not name[0].isalpha():
                name = "asset_" + name
            if name in self.entries:
                name = f"user_{name}"
            tags = [t.lower() for t in f.relative_to(root).parts[:-1]] + ["user", *name.split("_")]
            self.entries[name] = CatalogEntry(name=name, kind="rigid", category=name, format=f.suffix.lower()[1:],
                                              description=f"user asset {f.name}", tags=sorted(set(tags)),
                                              path=str(f.resolve()), source="user")
            added.append(name)
        return added

    def resolve(self, name_or_path: str) -> CatalogEntry:
        """A catalog entry by name, or an ad-hoc entry for a .urdf/.obj/.stl file inside an allowed asset
        directory (`meshes.resolve_asset_path`: a spec must not make roboskill read arbitrary files)."""
        if name_or_path in self.entries:
            return self.entries[name_or_path]
        path = Path(name_or_path)
        if path.suffix.lower() in (".urdf", *meshes.MESH_SUFFIXES):
            try:
                real = meshes.resolve_asset_path(name_or_path)
            except meshes.MeshLimitError as exc:
                if exc.limit != "not_found":
                    raise UnknownAssetError(name_or_path, [], fix=str(exc)) from None
            else:
                return CatalogEntry(name=real.stem, kind="rigid", category=real.stem, format=real.suffix.lower()[1:],
                                    description=f"file {real.name}", path=str(real), source="user")
        names = [n for n in self.entries if not _RANDOM_RE.match(n)]
        raise UnknownAssetError(name_or_path, difflib.get_close_matches(name_or_path, names, n=3, cutoff=0.4))

    def find(self, query: str | None = None, tags: Iterable[str] | None = None, *, include_random: bool = False,
             max_size: float | None = None) -> list[CatalogEntry]:
        """Entries whose tags include all `tags` and whose name/description/tags match words of `query`,
        best match first. `max_size` (m) keeps only entries whose measured largest side fits."""
        want = {t.lower() for t in (tags or [])}
        words = [w for w in re.findall(r"[a-z0-9]+", (query or "").lower()) if len(w) > 1]
        scored = []
        for e in self.entries.values():
            if not include_random and _RANDOM_RE.match(e.name) and "random" not in want:
                continue
            etags = {t.lower() for t in e.tags}
            if not want <= etags:
                continue
            score = 0.0
            if words:
                text = f"{e.name} {e.description}".lower()
                for w in words:
                    score += 2.0 if (w in etags or w == e.name) else (1.0 if w in text else 0.0)
                    score += 0.5 if any(t.startswith(w) for t in etags) else 0.0
                if score == 0:
                    continue
            if max_size is not None:
                size = self.size(e.name)
                if size is None or max(size) > max_size:
                    continue
            scored.append((-score, e.name, e))
        return [e for _, _, e in sorted(scored, key=lambda t: (t[0], t[1]))]

    def names(self, include_random: bool = False) -> list[str]:
        return [n for n in self.entries if include_random or not _RANDOM_RE.match(n)]

    # ----------------------------------------------------------------------------- measuring
    def size(self, name: str) -> Vec3 | None:
        """Measured bounding box of an entry (measuring it now if needed, then cached on disk)."""
        e = self.resolve(name)
        if e.size is None:
            self.measure([e.name] if e.name in self.entries else [])
            if e.name not in self.entries:
                e.size = _measure_many([e])[0]
        return e.size

    def measure(self, names: Iterable[str] | None = None, *, include_random: bool = False) -> None:
        """Measure (and cache) sizes; default: every non-random entry not measured yet."""
        wanted = list(names) if names is not None else self.names(include_random)
        todo = [self.entries[n] for n in wanted if self.entries[n].size is None]
        if not todo:
            return
        for e, size in zip(todo, _measure_many(todo)):
            e.size = size
            if size is not None:
                self._sizes[self._key(e)] = list(size)
        self._save_cache()

    def summary(self, max_items: int = 40, *, include_random: bool = False) -> str:
        """Compact text for prompts: one line per asset, generators first, sizes measured."""
        self.measure()
        names = self.names(include_random)
        gens = [n for n in names if self.entries[n].kind == "articulated"]
        rest = [n for n in names if self.entries[n].kind != "articulated"]
        chosen = (gens + rest)[:max_items]
        lines = [self.entries[n].line() for n in chosen]
        if len(names) > len(chosen):
            lines.append(f"... and {len(names) - len(chosen)} more (use find_assets)")
        if not include_random:
            lines.append("random_000 .. random_999 [urdf]: irregular rigid objects (~10 cm), on demand")
        return "\n".join(lines)

    # --------------------------------------------------------------------------------- cache
    def _key(self, e: CatalogEntry) -> str:
        if e.format == "generator":
            return f"gen:{e.name}:{hash_defaults(e.name)}"
        if e.format == "composite":
            return f"composite:{e.name}:{composite.urdf_path(e.name)[0].stem}"
        try:
            mtime = int(Path(e.path or "").stat().st_mtime)
        except OSError:
            mtime = 0
        return f"{e.path}:{mtime}:{e.scale}"

    def _load_cache(self) -> dict[str, list[float]]:
        try:
            return json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_cache(self) -> None:
        with _lock:
            try:
                self.cache_path.parent.mkdir(parents=True, exist_ok=True)
                merged = self._load_cache()
                merged.update(self._sizes)
                tmp = self.cache_path.with_name(f".{self.cache_path.name}.{os.getpid()}.tmp")
                tmp.write_text(json.dumps(merged, indent=0, sort_keys=True), encoding="utf-8")
                os.replace(tmp, self.cache_path)
            except OSError:
                pass  # a read-only home only costs re-measuring next time


def hash_defaults(kind: str) -> str:
    import hashlib

    return hashlib.sha1(json.dumps(articulated.kind_info(kind)[2], sort_keys=True).encode()).hexdigest()[:8]


def _measure_many(entries: list[CatalogEntry]) -> list[Vec3 | None]:
    """Load each entry in one throw-away DIRECT client and read its AABB (all links)."""
    import pybullet as p

    c = p.connect(p.DIRECT)
    out: list[Vec3 | None] = []
    try:
        for e in entries:
            try:
                if e.format == "generator":
                    asset = articulated.generate(e.name, {})
                    body = p.loadURDF(str(asset.urdf_path), useFixedBase=True, physicsClientId=c)
                elif e.format == "composite":
                    body = composite.create_body(e.name, client=c).body
                elif e.format in ("obj", "stl"):
                    sc = [e.scale] * 3
                    col = p.createCollisionShape(p.GEOM_MESH, fileName=e.path, meshScale=sc, physicsClientId=c)
                    body = p.createMultiBody(0.1, col, -1, physicsClientId=c)
                else:
                    body = p.loadURDF(e.path, globalScaling=e.scale, physicsClientId=c)
                lo, hi = list(p.getAABB(body, -1, physicsClientId=c)[0]), list(p.getAABB(body, -1, physicsClientId=c)[1])
                for j in range(p.getNumJoints(body, physicsClientId=c)):
                    a, b = p.getAABB(body, j, physicsClientId=c)
                    lo = [min(x, y) for x, y in zip(lo, a)]
                    hi = [max(x, y) for x, y in zip(hi, b)]
                out.append(tuple(round(h - l, 4) for l, h in zip(lo, hi)))  # type: ignore[arg-type]
                p.removeBody(body, physicsClientId=c)
            except p.error:
                out.append(None)
    finally:
        p.disconnect(physicsClientId=c)
    return out


def get_catalog(user_dir: str | Path | None = None) -> Catalog:
    """The process-wide catalog (rebuilt when ROBOSKILL_HOME / ROBOSKILL_ASSETS change or user_dir is given)."""
    global _CATALOG
    key = (str(_home()), os.environ.get("ROBOSKILL_ASSETS"))
    with _lock:
        if user_dir is not None or _CATALOG is None or getattr(_CATALOG, "_env_key", None) != key:
            cat = Catalog(user_dir)
            cat._env_key = key  # type: ignore[attr-defined]
            _CATALOG = cat
        return _CATALOG


def catalog_summary(max_items: int = 40) -> str:
    """Prompt-ready list of assets (name, kind, measured size, description, tags)."""
    return get_catalog().summary(max_items)


def find_assets(query: str | None = None, tags: Iterable[str] | None = None, *, include_random: bool = False,
                max_size: float | None = None) -> list[CatalogEntry]:
    """Search the catalog by words and/or required tags (see `Catalog.find`)."""
    return get_catalog().find(query, tags, include_random=include_random, max_size=max_size)


__all__ = ["CURATED", "Catalog", "CatalogEntry", "UnknownAssetError", "catalog_summary", "find_assets", "get_catalog"]
