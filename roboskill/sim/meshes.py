"""User meshes (OBJ / STL) as scene objects: bounded, confined to asset directories, convex-decomposed.

Why this module: a scene spec may be written by a model, so a mesh path and file are untrusted input. Three
rules keep them harmless: (1) a path must resolve (symlinks followed) inside an allowed asset directory, so a
spec cannot make roboskill read `/etc/passwd` or `~/.ssh/id_rsa`; (2) the file's size and vertex count are
capped *before* anything parses or decomposes it (refusal in well under a second, naming the limit); (3) its
scaled size and its mass must be in ranges a tabletop robot can meet.

PyBullet collides a dynamic mesh by its convex hull, so a mug mesh would be a solid lump. `collision_mesh`
runs V-HACD (`p.vhacd`) once per file content (cached under `$ROBOSKILL_HOME/cache/vhacd/<sha256>.obj`) and the
body collides with the union of the convex parts; the original mesh stays the visual.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from roboskill.sim.quiet import quiet_c_stdout

MESH_SUFFIXES = (".obj", ".stl")
#: Largest mesh file read (bytes), and largest vertex count parsed.
MAX_MESH_BYTES = 8 * 1024 * 1024
MAX_VERTICES = 100_000
#: Allowed `scale` factors, scaled largest extent (m) and mass (kg) of a mesh object.
SCALE_RANGE = (1e-4, 20.0)
EXTENT_RANGE = (0.005, 1.0)
MASS_RANGE = (0.005, 10.0)
MAX_PATH_CHARS = 400
#: V-HACD voxel resolution: 20k decomposes a small mesh in about a second, fine enough for tabletop objects.
VHACD_RESOLUTION = 20_000
#: Default density (kg/m^3) times a fill factor of the bounding box, when the spec gives no mass.
_DEFAULT_DENSITY, _FILL = 500.0, 0.4


class MeshLimitError(ValueError):
    """A mesh path or file over a limit; `.limit` names it (e.g. "MAX_MESH_BYTES")."""

    def __init__(self, limit: str, message: str) -> None:
        self.limit = limit
        super().__init__(message)


@dataclass(frozen=True)
class MeshInfo:
    """What a check learned about a mesh file: where it is, its content hash, vertex count and extents at scale 1."""

    path: Path
    sha256: str
    vertices: int
    extents: tuple[float, float, float]


def home_dir() -> Path:
    return Path(os.environ.get("ROBOSKILL_HOME", "~/.roboskill")).expanduser()


def allowed_asset_dirs() -> list[Path]:
    """Where asset files may come from: pybullet_data, the package's `roboskill/data/assets`, `$ROBOSKILL_HOME/assets`,
    the repository's `examples/assets`, and the directories in `$ROBOSKILL_ASSETS` (os.pathsep separated; the user set
    them). Resolved, so a symlinked directory counts as where it points."""
    import pybullet_data

    package = Path(__file__).resolve().parents[1]
    dirs = [Path(pybullet_data.getDataPath()), package / "data" / "assets", home_dir() / "assets",
            package.parent / "examples" / "assets"]
    dirs += [Path(d).expanduser() for d in (os.environ.get("ROBOSKILL_ASSETS") or "").split(os.pathsep) if d.strip()]
    return [d.resolve() for d in dirs]


def resolve_asset_path(path: str, suffixes: tuple[str, ...] = (*MESH_SUFFIXES, ".urdf")) -> Path:
    """The existing file `path` names, inside an allowed directory (MeshLimitError otherwise).

    A relative path is looked up in each allowed directory in turn; `..` components are refused outright; the
    resolved file (symlinks followed) must lie inside an allowed directory, so a link pointing out is refused too."""
    if len(path) > MAX_PATH_CHARS:
        raise MeshLimitError("MAX_PATH_CHARS", f"asset path is {len(path)} characters; the limit is {MAX_PATH_CHARS}")
    raw = Path(path).expanduser()
    if raw.suffix.lower() not in suffixes:
        raise MeshLimitError("suffix", f"asset {path!r} must be a {' / '.join(suffixes)} file")
    if ".." in raw.parts:
        raise MeshLimitError("allowed_asset_dirs", f"asset path {path!r} contains '..'; name a file inside an "
                             "asset directory ($ROBOSKILL_HOME/assets, $ROBOSKILL_ASSETS, pybullet_data)")
    dirs = allowed_asset_dirs()
    escaped = None
    for cand in ([raw] if raw.is_absolute() else [d / raw for d in dirs]):
        real = cand.resolve()
        if not cand.exists():
            continue
        if any(real.is_relative_to(d) for d in dirs) and real.is_file():
            return real
        escaped = real
    where = ", ".join(str(d) for d in dirs)
    if escaped is not None or raw.is_absolute():
        raise MeshLimitError("allowed_asset_dirs", f"asset {path!r} resolves outside the allowed asset directories "
                             f"({where}); copy the file into $ROBOSKILL_HOME/assets")
    raise MeshLimitError("not_found", f"asset {path!r} was not found in the allowed asset directories ({where})")


# ------------------------------------------------------------------------------------------- reading
def _obj_vertices(path: Path) -> list[tuple[float, float, float]]:
    out: list[tuple[float, float, float]] = []
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith("v "):
                if len(out) >= MAX_VERTICES:
                    raise MeshLimitError("MAX_VERTICES", f"mesh {path.name} has more than {MAX_VERTICES} vertices "
                                         "(limit MAX_VERTICES); simplify it")
                parts = line.split()
                try:
                    out.append((float(parts[1]), float(parts[2]), float(parts[3])))
                except (IndexError, ValueError):
                    raise MeshLimitError("format", f"mesh {path.name}: bad vertex line {line.strip()[:60]!r}") from None
    return out


def _stl_vertices(path: Path, size: int) -> list[tuple[float, float, float]]:
    with path.open("rb") as fh:
        head = fh.read(84)
        if len(head) == 84:
            (n,) = struct.unpack("<I", head[80:84])
            if 84 + 50 * n == size:  # binary STL
                if 3 * n > MAX_VERTICES:
                    raise MeshLimitError("MAX_VERTICES", f"mesh {path.name} has {3 * n} vertices (limit MAX_VERTICES "
                                         f"= {MAX_VERTICES}); simplify it")
                data = fh.read(50 * n)
                out = []
                for i in range(n):
                    vals = struct.unpack_from("<12f", data, 50 * i)
                    out += [vals[3:6], vals[6:9], vals[9:12]]
                return out
    verts: list[tuple[float, float, float]] = []
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            s = line.strip()
            if s.startswith("vertex"):
                if len(verts) >= MAX_VERTICES:
                    raise MeshLimitError("MAX_VERTICES", f"mesh {path.name} has more than {MAX_VERTICES} vertices "
                                         "(limit MAX_VERTICES); simplify it")
                x, y, z = (float(v) for v in s.split()[1:4])
                verts.append((x, y, z))
    return verts


def inspect_mesh(path: str | Path) -> MeshInfo:
    """Confined path, file-size cap (checked before reading), vertex cap (checked while reading), extents."""
    real = resolve_asset_path(str(path), MESH_SUFFIXES)
    size = real.stat().st_size
    if size > MAX_MESH_BYTES:
        raise MeshLimitError("MAX_MESH_BYTES", f"mesh {real.name} is {size / 1e6:.1f} MB; the limit MAX_MESH_BYTES is "
                             f"{MAX_MESH_BYTES / 1e6:.1f} MB")
    verts = _obj_vertices(real) if real.suffix.lower() == ".obj" else _stl_vertices(real, size)
    if len(verts) < 4:
        raise MeshLimitError("format", f"mesh {real.name} has {len(verts)} vertices; a solid needs at least 4")
    lo = [min(v[i] for v in verts) for i in range(3)]
    hi = [max(v[i] for v in verts) for i in range(3)]
    digest = hashlib.sha256(real.read_bytes()).hexdigest()
    return MeshInfo(real, digest, len(verts), (hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]))


def default_mass(info: MeshInfo, scale: float) -> float:
    """A plausible mass (kg) for a mesh without one: its scaled bounding box, 40 % filled, at 500 kg/m^3."""
    x, y, z = (v * scale for v in info.extents)
    return min(max(x * y * z * _FILL * _DEFAULT_DENSITY, MASS_RANGE[0]), MASS_RANGE[1])


def check_mesh(path: str | Path, scale: float = 1.0, mass: float | None = None) -> MeshInfo:
    """Every limit of a mesh object at once the cheap way round: MeshLimitError naming the first one broken."""
    if not SCALE_RANGE[0] <= scale <= SCALE_RANGE[1]:
        raise MeshLimitError("SCALE_RANGE", f"scale {scale:g} is outside SCALE_RANGE {list(SCALE_RANGE)}")
    if mass is not None and not MASS_RANGE[0] <= mass <= MASS_RANGE[1]:
        raise MeshLimitError("MASS_RANGE", f"mass {mass:g} kg is outside MASS_RANGE {list(MASS_RANGE)} kg")
    info = inspect_mesh(path)
    largest = max(info.extents) * scale
    if not EXTENT_RANGE[0] <= largest <= EXTENT_RANGE[1]:
        fix = EXTENT_RANGE[1] * 0.3 / max(max(info.extents), 1e-9)
        raise MeshLimitError("EXTENT_RANGE", f"mesh {info.path.name} at scale {scale:g} is {largest:.3g} m across; "
                             f"EXTENT_RANGE is {list(EXTENT_RANGE)} m (e.g. scale {fix:.3g} makes it 30 cm)")
    return info


# --------------------------------------------------------------------------------- decomposition, loading
def cache_dir() -> Path:
    return home_dir() / "cache" / "vhacd"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def visual_mesh(info: MeshInfo) -> Path:
    """An OBJ PyBullet can draw: the file itself, or an STL converted once to OBJ (cached by content)."""
    if info.path.suffix.lower() == ".obj":
        return info.path
    out = cache_dir() / f"{info.sha256[:24]}_src.obj"
    if not out.exists():
        verts = _stl_vertices(info.path, info.path.stat().st_size)
        lines = [f"v {x:.6g} {y:.6g} {z:.6g}" for x, y, z in verts]
        lines += [f"f {i + 1} {i + 2} {i + 3}" for i in range(0, len(verts) - 2, 3)]
        _atomic_write(out, "\n".join(lines) + "\n")
    return out


def collision_mesh(info: MeshInfo) -> Path:
    """The V-HACD convex decomposition of the mesh (an OBJ of convex parts), computed once per file content."""
    import pybullet as p

    out = cache_dir() / f"{info.sha256[:24]}_vhacd.obj"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp.obj")
        log = out.with_name(f".{out.name}.{os.getpid()}.log")
        with quiet_c_stdout():  # V-HACD prints its progress from C
            p.vhacd(str(visual_mesh(info)), str(tmp), str(log), resolution=VHACD_RESOLUTION, maxNumVerticesPerCH=64)
        log.unlink(missing_ok=True)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise MeshLimitError("vhacd", f"convex decomposition of {info.path.name} produced nothing (is it a closed mesh?)")
        os.replace(tmp, out)
    return out


def prepare_mesh(path: str | Path, scale: float = 1.0, mass: float | None = None) -> tuple[MeshInfo, Path, Path]:
    """Check a mesh and write what loading it reads (visual OBJ, decomposition): done before sandboxed builds."""
    info = check_mesh(path, scale, mass)
    return info, visual_mesh(info), collision_mesh(info)


def load_mesh_body(path: str | Path, *, client: int, scale: float = 1.0, mass: float | None = None,
                   fixed: bool = False, quat: tuple[float, float, float, float] = (0, 0, 0, 1),
                   color: tuple[float, float, float, float] = (0.75, 0.75, 0.75, 1.0)) -> int:
    """A checked mesh as one rigid body: decomposed collision (union of convex parts), the mesh as its visual."""
    import pybullet as p

    info, vis_path, col_path = prepare_mesh(path, scale, mass)
    sc = [scale] * 3
    col = p.createCollisionShape(p.GEOM_MESH, fileName=str(col_path), meshScale=sc, physicsClientId=client)
    vis = p.createVisualShape(p.GEOM_MESH, fileName=str(vis_path), meshScale=sc, rgbaColor=color, physicsClientId=client)
    body_mass = 0.0 if fixed else float(mass if mass is not None else default_mass(info, scale))
    return p.createMultiBody(body_mass, col, vis, [0, 0, 0], list(quat), physicsClientId=client)


__all__ = ["EXTENT_RANGE", "MASS_RANGE", "MAX_MESH_BYTES", "MAX_VERTICES", "MESH_SUFFIXES", "MeshInfo",
           "MeshLimitError", "SCALE_RANGE", "allowed_asset_dirs", "check_mesh", "collision_mesh", "default_mass",
           "inspect_mesh", "load_mesh_body", "prepare_mesh", "resolve_asset_path", "visual_mesh"]
