"""The composite rigid object presets: everyday objects as a few boxes and cylinders, with parameter ranges.

Each preset is a function from its parameters to `Design` (parts, the open interior of a container, the
parts a gripper can close across). Conventions (see `roboskill.sim.composite`): metres, bottom at z=0,
handles towards -x (the robot). Ranges keep every `grasp` width under the Panda's 8 cm opening and every
object standing or lying stably as built; tests/sim/test_composite.py checks both at two settings each.
Round walls are polygons of flat segments (`ring`), so containers are genuinely open with a bottom.
"""

from __future__ import annotations

import math
from typing import Callable

from roboskill.sim.composite import CompositeType, Design, Interior, Param, Part

RGBA = tuple[float, float, float, float]
WHITE: RGBA = (0.92, 0.92, 0.9, 1.0)
CREAM: RGBA = (0.93, 0.88, 0.74, 1.0)
RED: RGBA = (0.8, 0.15, 0.12, 1.0)
BLUE: RGBA = (0.2, 0.35, 0.8, 1.0)
GREEN: RGBA = (0.2, 0.6, 0.3, 1.0)
YELLOW: RGBA = (0.95, 0.8, 0.15, 1.0)
ORANGE: RGBA = (0.95, 0.5, 0.1, 1.0)
WOOD: RGBA = (0.62, 0.45, 0.28, 1.0)
DARK: RGBA = (0.15, 0.15, 0.15, 1.0)
METAL: RGBA = (0.72, 0.72, 0.75, 1.0)
GLASS: RGBA = (0.65, 0.85, 0.95, 0.6)
TERRACOTTA: RGBA = (0.75, 0.4, 0.25, 1.0)
HALF_PI = math.pi / 2

PRESETS: dict[str, CompositeType] = {}


def preset(name: str, category: str, description: str, tags: tuple[str, ...], density: float, color: RGBA,
           **params: tuple[float, float, float] | tuple[float, float, float, bool]) -> Callable:
    """Register the decorated `make(params) -> Design` as preset `name` (params: default, lo, hi[, integer])."""
    def wrap(make: Callable[[dict[str, float]], Design]) -> Callable[[dict[str, float]], Design]:
        PRESETS[name] = CompositeType(name, category, description, tuple(tags),
                                      {k: Param(*v) for k, v in params.items()}, make, density, color)
        return make
    return wrap


# --------------------------------------------------------------------------------------------- helpers
def box(sx: float, sy: float, sz: float, x: float = 0.0, y: float = 0.0, z: float | None = None,
        euler: tuple[float, float, float] = (0.0, 0.0, 0.0), color: RGBA | None = None, name: str = "") -> Part:
    """A box by full size; `z` is its centre (default: resting on the table)."""
    return Part("box", (sx, sy, sz), (x, y, sz / 2 if z is None else z), euler, color, name)


def cyl(d: float, h: float, x: float = 0.0, y: float = 0.0, z: float | None = None,
        euler: tuple[float, float, float] = (0.0, 0.0, 0.0), color: RGBA | None = None, name: str = "") -> Part:
    """An upright cylinder (diameter, height); `z` its centre (default: standing on the table)."""
    return Part("cylinder", (d, h), (x, y, h / 2 if z is None else z), euler, color, name)


def rod_x(d: float, length: float, x: float, z: float, y: float = 0.0, color: RGBA | None = None, name: str = "") -> Part:
    """A cylinder lying along x."""
    return Part("cylinder", (d, length), (x, y, z), (0.0, HALF_PI, 0.0), color, name)


def rod_y(d: float, length: float, y: float, z: float, x: float = 0.0, color: RGBA | None = None, name: str = "") -> Part:
    """A cylinder lying along y."""
    return Part("cylinder", (d, length), (x, y, z), (HALF_PI, 0.0, 0.0), color, name)


def sph(d: float, x: float = 0.0, y: float = 0.0, z: float = 0.0, color: RGBA | None = None, name: str = "") -> Part:
    return Part("sphere", (d,), (x, y, z), (0.0, 0.0, 0.0), color, name)


def ring(d_out: float, h: float, wall: float, z0: float = 0.0, n: int = 12, flare: float = 0.0,
         color: RGBA | None = None, name: str = "wall", x: float = 0.0) -> list[Part]:
    """A round wall of `n` flat segments: outer diameter `d_out` at its bottom, height `h`, leaning outwards by
    `flare` rad. Segments overlap a little so nothing slips between them."""
    r_mid = d_out / 2 - wall / 2 + h / 2 * math.tan(flare)
    width = 2 * (d_out / 2 + h * math.tan(flare)) * math.tan(math.pi / n) * 1.08
    slant = h / math.cos(flare)
    zc = z0 + h / 2 + wall / 2 * math.sin(flare)
    out = []
    for i in range(n):
        a = 2 * math.pi * i / n
        out.append(Part("box", (wall, width, slant), (x + r_mid * math.cos(a), r_mid * math.sin(a), zc),
                        (0.0, flare, a), color, name))
    return out


def rect_walls(ix: float, iy: float, h: float, wall: float, z0: float = 0.0, x: float = 0.0,
               color: RGBA | None = None, name: str = "wall") -> list[Part]:
    """Four walls around an inner `ix` x `iy` opening, from z0 up to z0 + h."""
    zc = z0 + h / 2
    ox, oy = ix + 2 * wall, iy + 2 * wall
    return [box(wall, oy, h, x - (ix + wall) / 2, 0, zc, color=color, name=name),
            box(wall, oy, h, x + (ix + wall) / 2, 0, zc, color=color, name=name),
            box(ix, wall, h, x, -(iy + wall) / 2, zc, color=color, name=name),
            box(ix, wall, h, x, (iy + wall) / 2, zc, color=color, name=name)]


def round_interior(d_out: float, wall: float, floor: float, h: float, x: float = 0.0) -> Interior:
    """The box an object must fit in inside a round wall, from the floor to the rim: 0.85 of the inner radius,
    between the inscribed square (0.71, too strict for round things) and the circle's bounding square."""
    half = (d_out / 2 - wall) * 0.85
    return Interior((x, 0.0, floor), (half, half, max(h - floor, 0.005) / 2))


def cup_shell(d: float, h: float, wall: float, bottom: float, flare: float = 0.0, n: int = 12, z0: float = 0.0,
              x: float = 0.0, color: RGBA | None = None) -> list[Part]:
    """An open round container: a bottom disc and a ring of walls standing on it."""
    return [cyl(d, bottom, x, 0, z0 + bottom / 2, color=color, name="bottom"),
            *ring(d, h - bottom, wall, z0 + bottom, n, flare, color, "wall", x)]


def loop_handle(x_wall: float, z_lo: float, z_hi: float, reach: float = 0.03, bar: float = 0.012,
                color: RGBA | None = None, side: float = -1.0) -> list[Part]:
    """A C-shaped handle on a wall at x = x_wall, sticking out towards `side` (-1: -x): two arms and a grip."""
    arm_x = x_wall + side * reach / 2
    grip_x = x_wall + side * (reach + bar / 2)
    return [box(reach + 0.004, bar, bar, arm_x, 0, z_lo, color=color, name="handle"),
            box(reach + 0.004, bar, bar, arm_x, 0, z_hi, color=color, name="handle"),
            box(bar, bar, z_hi - z_lo + bar, grip_x, 0, (z_lo + z_hi) / 2, color=color, name="handle")]


# ============================================================================== open containers (kitchen)
@preset("mug", "mug", "coffee mug: open (walls + bottom), handle towards -x; pick it by the handle or rim", ("mug",
        "cup", "kitchen", "container", "graspable"), 2000, WHITE, diameter=(0.085, 0.065, 0.095), height=(0.09, 0.07, 0.11),
        wall=(0.005, 0.004, 0.007))
def _mug(p: dict[str, float]) -> Design:
    d, h, w = p["diameter"], p["height"], p["wall"]
    parts = cup_shell(d, h, w, 0.006) + loop_handle(-d / 2 + 0.002, h * 0.3, h * 0.8)
    grasp = {"handle": 0.012, "rim": w, **({"body": d} if d < 0.078 else {})}
    return Design(parts, round_interior(d, w, 0.006, h), grasp)


@preset("cup", "cup", "paper / plastic cup, open, slightly flared", ("cup", "kitchen", "container", "graspable"), 900,
        RED, diameter=(0.065, 0.05, 0.07), height=(0.1, 0.07, 0.12))
def _cup(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    return Design(cup_shell(d, h, 0.004, 0.004, flare=0.06), round_interior(d, 0.004, 0.004, h), {"body": d})


@preset("glass", "glass", "drinking glass, open, thin straight walls", ("glass", "tumbler", "kitchen", "container",
        "graspable", "fragile"), 2500, GLASS, diameter=(0.065, 0.055, 0.075), height=(0.12, 0.09, 0.15))
def _glass(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    return Design(cup_shell(d, h, 0.003, 0.008, n=14), round_interior(d, 0.003, 0.008, h), {"body": d})


@preset("bowl", "bowl", "open bowl with sloped walls (pick it by the rim)", ("bowl", "kitchen", "container", "dish"),
        1800, CREAM, base=(0.08, 0.06, 0.1), height=(0.06, 0.04, 0.08))
def _bowl(p: dict[str, float]) -> Design:
    b, h = p["base"], p["height"]
    return Design(cup_shell(b, h, 0.005, 0.006, flare=0.6, n=14), round_interior(b, 0.005, 0.006, h), {"rim": 0.005})


@preset("plate", "plate", "dinner plate: flat disc with a low flared rim", ("plate", "dish", "kitchen", "flat", "surface"),
        2000, WHITE, diameter=(0.2, 0.14, 0.26))
def _plate(p: dict[str, float]) -> Design:
    d = p["diameter"]
    return Design(cup_shell(d * 0.75, 0.02, 0.005, 0.006, flare=1.0, n=16))


@preset("pan", "pan", "frying pan: shallow open dish with a long handle towards -x", ("pan", "frying_pan", "kitchen",
        "cookware", "container", "graspable"), 2500, DARK, diameter=(0.18, 0.14, 0.22), handle=(0.15, 0.1, 0.18))
def _pan(p: dict[str, float]) -> Design:
    d, hl = p["diameter"], p["handle"]
    parts = cup_shell(d, 0.04, 0.004, 0.005, flare=0.3, n=16)
    parts.append(box(hl, 0.022, 0.014, -d / 2 - hl / 2 + 0.005, 0, 0.03, color=WOOD, name="handle"))
    return Design(parts, round_interior(d, 0.004, 0.005, 0.04), {"handle": 0.022})


@preset("saucepan", "saucepan", "saucepan: deep open pot with one long handle towards -x", ("saucepan", "pot", "kitchen",
        "cookware", "container", "graspable"), 2500, METAL, diameter=(0.13, 0.1, 0.16), height=(0.08, 0.06, 0.11))
def _saucepan(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    parts = cup_shell(d, h, 0.004, 0.005, n=14)
    parts.append(box(0.13, 0.022, 0.014, -d / 2 - 0.06, 0, h * 0.8, color=DARK, name="handle"))
    return Design(parts, round_interior(d, 0.004, 0.005, h), {"handle": 0.022})


@preset("pot", "pot", "cooking pot: open, two loop handles at the sides (+y / -y)", ("pot", "kitchen", "cookware",
        "container", "graspable"), 2500, METAL, diameter=(0.17, 0.13, 0.21), height=(0.11, 0.08, 0.14))
def _pot(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    parts = cup_shell(d, h, 0.004, 0.005, n=16)
    for s in (-1, 1):
        parts += [box(0.05, 0.03, 0.01, 0, s * (d / 2 + 0.012), h * 0.85, color=DARK, name="handle")]
    return Design(parts, round_interior(d, 0.004, 0.005, h), {"handle": 0.01})


@preset("jar", "jar", "open glass jar with a thick rim", ("jar", "kitchen", "container", "graspable", "storage"), 2500,
        GLASS, diameter=(0.075, 0.06, 0.078), height=(0.12, 0.08, 0.16))
def _jar(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    parts = cup_shell(d, h, 0.005, 0.008, n=14) + ring(d, 0.012, 0.009, h - 0.012, 14, 0.0, METAL, "rim")
    return Design(parts, round_interior(d, 0.009, 0.008, h), {"body": d})


@preset("vase", "vase", "flower vase: tall open cylinder on a wider foot", ("vase", "decor", "container", "graspable",
        "fragile"), 2200, BLUE, diameter=(0.07, 0.055, 0.075), height=(0.18, 0.12, 0.24))
def _vase(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    parts = [cyl(d + 0.025, 0.012, name="foot")] + cup_shell(d, h - 0.012, 0.004, 0.004, z0=0.012)
    return Design(parts, round_interior(d, 0.004, 0.016, h), {"body": d})


@preset("pitcher", "pitcher", "water pitcher: open jug with a handle towards -x and a spout at +x", ("pitcher", "jug",
        "kitchen", "container", "graspable"), 1500, GLASS, diameter=(0.1, 0.085, 0.12), height=(0.17, 0.13, 0.2))
def _pitcher(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    parts = cup_shell(d, h, 0.004, 0.006, n=14) + loop_handle(-d / 2 + 0.002, h * 0.3, h * 0.85, reach=0.035)
    parts.append(box(0.03, 0.03, 0.004, d / 2 + 0.01, 0, h - 0.01, euler=(0, -0.4, 0), name="spout"))
    return Design(parts, round_interior(d, 0.004, 0.006, h), {"handle": 0.012})


@preset("teapot", "teapot", "teapot without its lid: open body, spout at +x, handle at -x", ("teapot", "kitchen",
        "container", "graspable"), 1800, CREAM, diameter=(0.12, 0.1, 0.14), height=(0.1, 0.08, 0.12))
def _teapot(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    parts = cup_shell(d, h, 0.005, 0.006, n=14) + loop_handle(-d / 2 + 0.002, h * 0.25, h * 0.85, reach=0.035)
    parts.append(Part("cylinder", (0.018, 0.08), (d / 2 + 0.025, 0, h * 0.55), (0.0, 0.8, 0.0), None, "spout"))
    return Design(parts, round_interior(d, 0.005, 0.006, h), {"handle": 0.012})


@preset("watering_can", "watering_can", "watering can: open body, long spout at +x, handle at -x", ("watering_can",
        "garden", "container", "graspable"), 1200, GREEN, diameter=(0.12, 0.1, 0.14), height=(0.13, 0.1, 0.16))
def _watering_can(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    parts = cup_shell(d, h, 0.004, 0.005, n=14) + loop_handle(-d / 2 + 0.002, h * 0.4, h * 0.9, reach=0.04)
    parts.append(Part("cylinder", (0.016, 0.16), (d / 2 + 0.05, 0, h * 0.55), (0.0, 0.9, 0.0), None, "spout"))
    return Design(parts, round_interior(d, 0.004, 0.005, h), {"handle": 0.012})


@preset("measuring_cup", "measuring_cup", "small measuring cup with a straight handle towards -x", ("measuring_cup",
        "cup", "kitchen", "container", "graspable"), 1200, METAL, diameter=(0.065, 0.05, 0.075), handle=(0.09, 0.06, 0.12))
def _measuring_cup(p: dict[str, float]) -> Design:
    d, hl = p["diameter"], p["handle"]
    parts = cup_shell(d, 0.055, 0.003, 0.004) + [box(hl, 0.018, 0.006, -d / 2 - hl / 2 + 0.003, 0, 0.05, name="handle")]
    return Design(parts, round_interior(d, 0.003, 0.004, 0.055), {"handle": 0.018})


@preset("wine_glass", "wine_glass", "wine glass: foot, thin stem and an open bowl", ("wine_glass", "glass", "kitchen",
        "container", "graspable", "fragile"), 2500, GLASS, diameter=(0.07, 0.06, 0.08), stem=(0.07, 0.05, 0.09))
def _wine_glass(p: dict[str, float]) -> Design:
    d, s = p["diameter"], p["stem"]
    parts = [cyl(d, 0.008, name="foot"), cyl(0.009, s, 0, 0, 0.008 + s / 2, name="stem")]
    parts += cup_shell(d * 0.8, 0.07, 0.0025, 0.005, flare=0.12, z0=0.008 + s)
    return Design(parts, round_interior(d * 0.8, 0.0025, 0.013 + s, 0.078 + s), {"stem": 0.009})


@preset("colander", "colander", "colander: open bowl on three feet", ("colander", "kitchen", "container"), 1500, METAL,
        base=(0.1, 0.08, 0.12), height=(0.08, 0.06, 0.1))
def _colander(p: dict[str, float]) -> Design:
    b, h = p["base"], p["height"]
    parts = [box(0.015, 0.015, 0.02, b / 2 * math.cos(a) * 0.8, b / 2 * math.sin(a) * 0.8, name="foot")
             for a in (0.0, 2.094, 4.189)]
    parts += cup_shell(b, h, 0.004, 0.004, flare=0.45, n=14, z0=0.02)
    return Design(parts, round_interior(b, 0.004, 0.024, h + 0.02), {"rim": 0.004})


@preset("trophy", "trophy", "trophy cup: base block, stem and an open cup with two side handles", ("trophy", "award",
        "container", "graspable", "decor"), 3000, YELLOW, cup=(0.07, 0.06, 0.09), stem=(0.05, 0.03, 0.08))
def _trophy(p: dict[str, float]) -> Design:
    c, s = p["cup"], p["stem"]
    z = 0.03 + s
    parts = [box(0.07, 0.07, 0.03, color=DARK, name="base"), cyl(0.015, s, 0, 0, 0.03 + s / 2, name="stem")]
    parts += cup_shell(c, 0.07, 0.003, 0.004, flare=0.15, z0=z)
    parts += [box(0.008, 0.02, 0.04, 0, sgn * (c / 2 + 0.012), z + 0.04, name="handle") for sgn in (-1, 1)]
    return Design(parts, round_interior(c, 0.003, z + 0.004, z + 0.07), {"stem": 0.015})


@preset("flower_pot", "flower_pot", "terracotta flower pot, open, flared, on a saucer", ("flower_pot", "pot", "garden",
        "container", "graspable"), 1800, TERRACOTTA, base=(0.075, 0.06, 0.078), height=(0.1, 0.07, 0.13))
def _flower_pot(p: dict[str, float]) -> Design:
    b, h = p["base"], p["height"]
    parts = [cyl(b + 0.02, 0.008, name="saucer")] + cup_shell(b, h, 0.006, 0.008, flare=0.12, z0=0.008)
    return Design(parts, round_interior(b, 0.006, 0.016, h + 0.008), {"body": b})


# ================================================================================ open containers (boxes)
@preset("open_box", "box", "open box: four walls and a bottom, no lid", ("box", "open_box", "container", "storage",
        "target"), 600, (0.7, 0.55, 0.35, 1.0), length=(0.16, 0.1, 0.3), width=(0.12, 0.08, 0.24), height=(0.08, 0.04, 0.15))
def _open_box(p: dict[str, float]) -> Design:
    lx, ly, h = p["length"], p["width"], p["height"]
    w = 0.006
    parts = [box(lx, ly, w, name="bottom")] + rect_walls(lx - 2 * w, ly - 2 * w, h - w, w, w)
    return Design(parts, Interior((0, 0, w), (lx / 2 - w, ly / 2 - w, (h - w) / 2)), {"wall": w})


@preset("crate", "crate", "wooden crate: slatted walls on corner posts, open top", ("crate", "container", "storage",
        "wood", "target"), 700, WOOD, length=(0.24, 0.16, 0.32), width=(0.18, 0.12, 0.24), height=(0.12, 0.08, 0.16))
def _crate(p: dict[str, float]) -> Design:
    lx, ly, h = p["length"], p["width"], p["height"]
    w = 0.01
    parts = [box(lx, ly, w, name="bottom")]
    parts += [box(0.02, 0.02, h, sx * (lx / 2 - 0.01), sy * (ly / 2 - 0.01)) for sx in (-1, 1) for sy in (-1, 1)]
    for z in (0.35 * h, 0.8 * h):
        parts += rect_walls(lx - 2 * w, ly - 2 * w, 0.035, w, z - 0.0175, name="slat")
    return Design(parts, Interior((0, 0, w), (lx / 2 - 0.02, ly / 2 - 0.02, (h - w) / 2)), {"slat": w})


@preset("basket", "basket", "basket: open box with a carrying handle arching over it along y", ("basket", "container",
        "storage", "graspable"), 500, (0.8, 0.65, 0.4, 1.0), length=(0.2, 0.14, 0.26), height=(0.08, 0.06, 0.12))
def _basket(p: dict[str, float]) -> Design:
    lx, h = p["length"], p["height"]
    ly, w = lx * 0.7, 0.006
    parts = [box(lx, ly, w, name="bottom")] + rect_walls(lx - 2 * w, ly - 2 * w, h - w, w, w)
    top = h + 0.1
    parts += [box(0.015, 0.012, top - h + 0.01, 0, s * (ly / 2 - 0.006), (h + top) / 2, name="handle") for s in (-1, 1)]
    parts.append(box(0.02, ly, 0.012, 0, 0, top, name="handle"))
    return Design(parts, Interior((0, 0, w), (lx / 2 - w - 0.015, ly / 2 - w, (h - w) / 2)), {"handle": 0.02})


@preset("wastebasket", "wastebasket", "wastebasket: tall open cylinder", ("wastebasket", "bin", "trash", "container",
        "target"), 900, DARK, diameter=(0.18, 0.14, 0.24), height=(0.2, 0.15, 0.28))
def _wastebasket(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    return Design(cup_shell(d, h, 0.004, 0.006, flare=0.06, n=16), round_interior(d, 0.004, 0.006, h), {"rim": 0.004})


@preset("pen_holder", "pen_holder", "square desk pen holder, open", ("pen_holder", "pencil_cup", "office", "container",
        "graspable"), 900, BLUE, width=(0.07, 0.05, 0.075), height=(0.1, 0.07, 0.12))
def _pen_holder(p: dict[str, float]) -> Design:
    s, h = p["width"], p["height"]
    parts = [box(s, s, 0.006, name="bottom")] + rect_walls(s - 0.008, s - 0.008, h - 0.006, 0.004, 0.006)
    return Design(parts, Interior((0, 0, 0.006), (s / 2 - 0.004, s / 2 - 0.004, (h - 0.006) / 2)), {"body": s})


@preset("baking_tray", "baking_tray", "baking sheet: flat metal tray with a low rim", ("baking_tray", "tray", "kitchen",
        "flat", "container", "target"), 2500, METAL, length=(0.3, 0.2, 0.36), width=(0.2, 0.14, 0.26))
def _baking_tray(p: dict[str, float]) -> Design:
    lx, ly = p["length"], p["width"]
    parts = [box(lx, ly, 0.003, name="bottom")] + rect_walls(lx - 0.006, ly - 0.006, 0.02, 0.003, 0.003)
    return Design(parts, Interior((0, 0, 0.003), (lx / 2 - 0.003, ly / 2 - 0.003, 0.01)), {"rim": 0.003})


@preset("ice_tray", "ice_tray", "ice cube tray: open cells in two rows", ("ice_tray", "kitchen", "container", "cells"),
        1000, (0.7, 0.85, 0.95, 1.0), cells=(6, 4, 8, True))
def _ice_tray(p: dict[str, float]) -> Design:
    n = int(p["cells"])
    c, w = 0.035, 0.003
    lx, ly = n * c + w, 2 * c + w
    parts = [box(lx, ly, w, name="bottom")] + rect_walls(lx - 2 * w, ly - 2 * w, 0.03, w, w)
    parts += [box(w, ly - 2 * w, 0.03, -lx / 2 + i * c + w / 2, 0, w + 0.015, name="divider") for i in range(1, n)]
    parts.append(box(lx - 2 * w, w, 0.03, 0, 0, w + 0.015, name="divider"))
    return Design(parts, Interior((-lx / 2 + c / 2 + w / 2, -c / 2, w), (c / 2 - w, c / 2 - w, 0.015)), {"wall": w})


@preset("egg_carton", "egg_carton", "egg carton without its lid: 2 rows of open cups", ("egg_carton", "kitchen",
        "container", "cells"), 400, (0.75, 0.7, 0.6, 1.0), columns=(6, 3, 6, True))
def _egg_carton(p: dict[str, float]) -> Design:
    n = int(p["columns"])
    c, w = 0.05, 0.004
    lx, ly = n * c + w, 2 * c + w
    parts = [box(lx, ly, w, name="bottom")] + rect_walls(lx - 2 * w, ly - 2 * w, 0.04, w, w)
    parts += [box(w, ly - 2 * w, 0.035, -lx / 2 + i * c + w / 2, 0, w + 0.0175, name="divider") for i in range(1, n)]
    parts.append(box(lx - 2 * w, w, 0.035, 0, 0, w + 0.0175, name="divider"))
    return Design(parts, Interior((-lx / 2 + c / 2 + w / 2, -c / 2, w), (c / 2 - w, c / 2 - w, 0.02)), {"wall": w})


@preset("drawer_organizer", "organizer", "desk organizer: open tray split into compartments along x", ("organizer",
        "office", "container", "cells"), 700, (0.3, 0.3, 0.35, 1.0), compartments=(3, 2, 4, True), width=(0.1, 0.08, 0.14))
def _organizer(p: dict[str, float]) -> Design:
    n, ly, w = int(p["compartments"]), p["width"], 0.005
    c = 0.08
    lx = n * c + w
    parts = [box(lx, ly, w, name="bottom")] + rect_walls(lx - 2 * w, ly - 2 * w, 0.05, w, w)
    parts += [box(w, ly - 2 * w, 0.05, -lx / 2 + i * c + w / 2, 0, w + 0.025, name="divider") for i in range(1, n)]
    return Design(parts, Interior((-lx / 2 + c / 2 + w / 2, 0, w), (c / 2 - w, ly / 2 - w, 0.025)), {"wall": w})


@preset("tool_caddy", "tool_caddy", "tool caddy: open box with a centre divider and a carry bar along x", ("tool_caddy",
        "workshop", "container", "graspable"), 700, RED, length=(0.24, 0.18, 0.3), height=(0.08, 0.06, 0.1))
def _tool_caddy(p: dict[str, float]) -> Design:
    lx, h = p["length"], p["height"]
    ly, w = 0.16, 0.006
    parts = [box(lx, ly, w, name="bottom")] + rect_walls(lx - 2 * w, ly - 2 * w, h - w, w, w)
    parts.append(box(lx - 2 * w, w, h + 0.06, 0, 0, (h + 0.06) / 2, name="divider"))
    parts.append(rod_x(0.02, lx - 2 * w, 0, h + 0.06, name="handle"))
    return Design(parts, Interior((0, -ly / 4, w), (lx / 2 - w, ly / 4 - w, (h - w) / 2)), {"handle": 0.02})


@preset("planter", "planter", "rectangular planter box on four feet, open", ("planter", "garden", "container"), 900,
        GREEN, length=(0.24, 0.16, 0.3), height=(0.08, 0.06, 0.12))
def _planter(p: dict[str, float]) -> Design:
    lx, h = p["length"], p["height"]
    ly, w, f = 0.12, 0.008, 0.015
    parts = [box(0.02, 0.02, f, sx * (lx / 2 - 0.015), sy * (ly / 2 - 0.015)) for sx in (-1, 1) for sy in (-1, 1)]
    parts += [box(lx, ly, w, 0, 0, f + w / 2, name="bottom")] + rect_walls(lx - 2 * w, ly - 2 * w, h - w, w, f + w)
    return Design(parts, Interior((0, 0, f + w), (lx / 2 - w, ly / 2 - w, (h - w) / 2)), {"wall": w})


@preset("dustpan", "dustpan", "dustpan: floor plate with back and side walls, open at +x, handle towards -x",
        ("dustpan", "cleaning", "container", "graspable"), 1000, YELLOW, width=(0.2, 0.15, 0.25))
def _dustpan(p: dict[str, float]) -> Design:
    ly = p["width"]
    lx, w, h = 0.16, 0.004, 0.05
    parts = [box(lx, ly, w, name="floor"), box(w, ly, h, -lx / 2 + w / 2, name="back"),
             box(lx, w, h, 0, -ly / 2 + w / 2, name="side"), box(lx, w, h, 0, ly / 2 - w / 2, name="side"),
             box(0.1, 0.022, 0.016, -lx / 2 - 0.05, 0, 0.008, name="handle")]
    return Design(parts, Interior((0.01, 0, w), (lx / 2 - 0.02, ly / 2 - w - 0.01, h / 2)), {"handle": 0.022})


@preset("hole_block", "hole_block", "block with a square through-hole (peg-in-hole target)", ("hole_block", "peg_hole",
        "hole", "container", "target", "toy"), 700, WOOD, hole=(0.035, 0.03, 0.05), height=(0.05, 0.03, 0.08))
def _hole_block(p: dict[str, float]) -> Design:
    s, h, w = p["hole"], p["height"], 0.025
    return Design(rect_walls(s, s, h, w), Interior((0, 0, 0), (s / 2, s / 2, h / 2)))


@preset("shelf", "shelf", "open shelf unit: side panels, back and boards, open towards -x", ("shelf", "furniture",
        "support", "container", "storage"), 400, WOOD, width=(0.36, 0.24, 0.5), height=(0.36, 0.24, 0.5),
        boards=(3, 2, 4, True))
def _shelf(p: dict[str, float]) -> Design:
    ly, h, n = p["width"], p["height"], int(p["boards"])
    dx, w = 0.18, 0.015
    parts = [box(dx, w, h, 0, sy * (ly / 2 - w / 2), name="side") for sy in (-1, 1)]
    parts.append(box(w, ly - 2 * w, h, dx / 2 - w / 2, 0, name="back"))
    gap = (h - w) / (n - 1)
    parts += [box(dx - w, ly - 2 * w, w, -w / 2, 0, w / 2 + i * gap, name="board") for i in range(n)]
    return Design(parts, Interior((-w / 2, 0, w), ((dx - w) / 2 - 0.01, ly / 2 - w - 0.01, (gap - w) / 2)))


# ========================================================================================== kitchen tools
@preset("bottle", "bottle", "bottle with a shoulder, neck and cap (standing)", ("bottle", "kitchen", "drink",
        "graspable"), 500, GREEN, diameter=(0.065, 0.05, 0.075), height=(0.18, 0.12, 0.24))
def _bottle(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    body = h * 0.65
    parts = [cyl(d, body, name="body"), cyl(d * 0.7, 0.02, 0, 0, body + 0.01, name="shoulder"),
             cyl(0.026, h - body - 0.035, 0, 0, body + 0.02 + (h - body - 0.035) / 2, name="neck"),
             cyl(0.03, 0.015, 0, 0, h - 0.0075, color=DARK, name="cap")]
    return Design(parts, grasp={"neck": 0.026, "body": d})


@preset("spatula", "spatula", "kitchen spatula lying flat: handle towards -x, flat blade at +x", ("spatula", "kitchen",
        "utensil", "tool", "graspable"), 900, DARK, length=(0.25, 0.2, 0.3), blade=(0.07, 0.05, 0.09))
def _spatula(p: dict[str, float]) -> Design:
    length, bw = p["length"], p["blade"]
    hl = length - 0.09
    return Design([box(hl, 0.022, 0.016, -length / 2 + hl / 2, name="handle"),
                   box(0.09, bw, 0.004, length / 2 - 0.045, name="blade")], grasp={"handle": 0.022})


@preset("spoon", "spoon", "large spoon lying flat: handle towards -x, bowl at +x", ("spoon", "kitchen", "utensil",
        "cutlery", "graspable"), 3000, METAL, length=(0.2, 0.15, 0.25))
def _spoon(p: dict[str, float]) -> Design:
    length = p["length"]
    hl = length - 0.06
    return Design([box(hl, 0.016, 0.012, -length / 2 + hl / 2, name="handle"),
                   box(0.06, 0.04, 0.006, length / 2 - 0.03, name="bowl"),
                   box(0.05, 0.03, 0.004, length / 2 - 0.03, 0, 0.008, name="bowl")], grasp={"handle": 0.016})


@preset("fork", "fork", "large fork lying flat: handle towards -x, four tines at +x", ("fork", "kitchen", "utensil",
        "cutlery", "graspable"), 3000, METAL, length=(0.2, 0.15, 0.25))
def _fork(p: dict[str, float]) -> Design:
    length = p["length"]
    hl = length - 0.07
    parts = [box(hl, 0.016, 0.012, -length / 2 + hl / 2, name="handle"),
             box(0.02, 0.03, 0.006, length / 2 - 0.06, name="neck")]
    parts += [box(0.05, 0.004, 0.004, length / 2 - 0.025, y, name="tine") for y in (-0.013, -0.0045, 0.0045, 0.013)]
    return Design(parts, grasp={"handle": 0.016})


@preset("knife", "knife", "kitchen knife lying flat: handle towards -x, blade at +x", ("knife", "kitchen", "utensil",
        "cutlery", "graspable"), 2000, METAL, blade=(0.14, 0.1, 0.2))
def _knife(p: dict[str, float]) -> Design:
    b = p["blade"]
    return Design([box(0.11, 0.02, 0.016, -0.055, color=DARK, name="handle"),
                   box(b, 0.026, 0.003, b / 2, name="blade")], grasp={"handle": 0.02})


@preset("ladle", "ladle", "soup ladle lying on the table: long handle towards -x, open bowl at +x", ("ladle", "kitchen",
        "utensil", "container", "graspable"), 2000, METAL, handle=(0.2, 0.15, 0.26), bowl=(0.07, 0.06, 0.08))
def _ladle(p: dict[str, float]) -> Design:
    hl, b = p["handle"], p["bowl"]
    parts = cup_shell(b, 0.04, 0.003, 0.004, x=hl / 2) + [box(hl, 0.016, 0.01, -b / 2 + 0.004, name="handle")]
    return Design(parts, round_interior(b, 0.003, 0.004, 0.04, x=hl / 2), {"handle": 0.016})


@preset("rolling_pin", "rolling_pin", "rolling pin lying along y: roller with a handle at each end", ("rolling_pin",
        "kitchen", "utensil", "graspable", "rollable"), 700, WOOD, length=(0.25, 0.18, 0.3), diameter=(0.05, 0.04, 0.06))
def _rolling_pin(p: dict[str, float]) -> Design:
    length, d = p["length"], p["diameter"]
    r = d / 2
    return Design([rod_y(d, length, 0, r, name="roller")] +
                  [rod_y(0.024, 0.07, s * (length / 2 + 0.035), r, name="handle") for s in (-1, 1)],
                  grasp={"handle": 0.024, "roller": d})


@preset("cutting_board", "cutting_board", "cutting board with a handle tab towards -x (push it, lift by the tab)",
        ("cutting_board", "board", "kitchen", "flat", "surface"), 700, WOOD, length=(0.3, 0.22, 0.36), width=(0.2, 0.15, 0.25))
def _cutting_board(p: dict[str, float]) -> Design:
    lx, ly = p["length"], p["width"]
    return Design([box(lx, ly, 0.02, name="board"), box(0.05, 0.06, 0.02, -lx / 2 - 0.025, name="handle")])


@preset("whisk", "whisk", "whisk lying flat: handle towards -x, wire loops at +x", ("whisk", "kitchen", "utensil",
        "graspable"), 2000, METAL, length=(0.25, 0.2, 0.3))
def _whisk(p: dict[str, float]) -> Design:
    length = p["length"]
    hl = 0.11
    parts = [box(hl, 0.024, 0.024, -length / 2 + hl / 2, color=DARK, name="handle")]
    lw = length - hl
    parts += [box(lw, 0.003, 0.05 * (1 - abs(k) / 3) + 0.004, -length / 2 + hl + lw / 2, k * 0.012, name="wire")
              for k in (-2, -1, 0, 1, 2)]
    return Design(parts, grasp={"handle": 0.024})


@preset("salt_shaker", "salt_shaker", "salt shaker: cylinder with a domed cap", ("salt_shaker", "shaker", "kitchen",
        "graspable"), 1500, WHITE, diameter=(0.04, 0.03, 0.05), height=(0.08, 0.06, 0.1))
def _salt_shaker(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    return Design([cyl(d, h - d / 2, name="body"), sph(d, 0, 0, h - d / 2, color=METAL, name="cap")],
                  grasp={"body": d})


@preset("pepper_mill", "pepper_mill", "pepper mill: tall body, waist and top knob", ("pepper_mill", "kitchen",
        "graspable"), 700, WOOD, height=(0.16, 0.12, 0.22))
def _pepper_mill(p: dict[str, float]) -> Design:
    h = p["height"]
    b = h * 0.55
    return Design([cyl(0.05, b, name="body"), cyl(0.036, 0.02, 0, 0, b + 0.01, name="waist"),
                   cyl(0.048, h - b - 0.03, 0, 0, b + 0.02 + (h - b - 0.03) / 2, name="top"),
                   sph(0.02, 0, 0, h - 0.008, color=DARK, name="knob")], grasp={"body": 0.05})


@preset("thermos", "thermos", "thermos flask with a cup-cap", ("thermos", "flask", "drink", "graspable"), 500, BLUE,
        height=(0.24, 0.18, 0.3))
def _thermos(p: dict[str, float]) -> Design:
    h = p["height"]
    return Design([cyl(0.07, h - 0.06, name="body"), cyl(0.074, 0.06, 0, 0, h - 0.03, color=DARK, name="cap")],
                  grasp={"body": 0.07})


@preset("tin_can", "can", "food can with rims", ("can", "tin", "kitchen", "food", "graspable"), 800, METAL,
        diameter=(0.07, 0.055, 0.078), height=(0.1, 0.07, 0.13))
def _tin_can(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    return Design([cyl(d - 0.004, h, name="body", color=RED), cyl(d, 0.006, 0, 0, 0.003, name="rim"),
                   cyl(d, 0.006, 0, 0, h - 0.003, name="rim")], grasp={"body": d})


@preset("spray_bottle", "spray_bottle", "spray bottle: body, neck and a trigger head pointing -x", ("spray_bottle",
        "cleaning", "bottle", "graspable"), 500, (0.3, 0.7, 0.9, 1.0), height=(0.2, 0.16, 0.25))
def _spray_bottle(p: dict[str, float]) -> Design:
    h = p["height"]
    b = h - 0.07
    return Design([cyl(0.065, b, name="body"), cyl(0.03, 0.025, 0, 0, b + 0.0125, name="neck"),
                   box(0.06, 0.03, 0.045, -0.012, 0, h - 0.0225, color=WHITE, name="head"),
                   box(0.012, 0.012, 0.04, -0.03, 0, h - 0.06, color=WHITE, name="trigger")],
                  grasp={"neck": 0.03, "body": 0.065})


@preset("soap_dispenser", "soap_dispenser", "soap dispenser: body with a pump and spout towards -x", ("soap_dispenser",
        "bathroom", "bottle", "graspable"), 900, WHITE, height=(0.15, 0.12, 0.18))
def _soap_dispenser(p: dict[str, float]) -> Design:
    h = p["height"]
    b = h - 0.05
    return Design([cyl(0.07, b, name="body"), cyl(0.012, 0.03, 0, 0, b + 0.015, color=METAL, name="stem"),
                   box(0.05, 0.02, 0.02, -0.015, 0, h - 0.01, color=METAL, name="pump")], grasp={"body": 0.07})


# ============================================================================================ hand tools
@preset("hammer", "hammer", "hammer lying flat: handle towards -x, head across at +x", ("hammer", "tool", "workshop",
        "graspable"), 1800, WOOD, handle=(0.25, 0.18, 0.3), head=(0.1, 0.08, 0.12))
def _hammer(p: dict[str, float]) -> Design:
    hl, hw = p["handle"], p["head"]
    return Design([box(hl, 0.026, 0.022, -0.015, name="handle"),
                   box(0.03, hw, 0.028, hl / 2 - 0.015 + 0.015, 0, 0.014, color=METAL, name="head")],
                  grasp={"handle": 0.026})


@preset("mallet", "mallet", "rubber mallet lying flat: handle towards -x, block head at +x", ("mallet", "tool",
        "workshop", "graspable"), 1100, DARK, handle=(0.22, 0.16, 0.28))
def _mallet(p: dict[str, float]) -> Design:
    hl = p["handle"]
    return Design([box(hl, 0.025, 0.025, 0, color=WOOD, name="handle"),
                   box(0.05, 0.11, 0.05, hl / 2 + 0.025, name="head")], grasp={"handle": 0.025})


@preset("screwdriver", "screwdriver", "screwdriver lying flat: grip towards -x, shaft at +x", ("screwdriver", "tool",
        "workshop", "graspable"), 1200, ORANGE, shaft=(0.1, 0.06, 0.15))
def _screwdriver(p: dict[str, float]) -> Design:
    s = p["shaft"]
    return Design([box(0.1, 0.03, 0.028, -0.05, name="grip"),
                   rod_x(0.007, s, s / 2, 0.014, color=METAL, name="shaft")], grasp={"grip": 0.03})


@preset("wrench", "wrench", "open-end wrench lying flat: handle towards -x, open jaw at +x", ("wrench", "spanner",
        "tool", "workshop", "graspable"), 4000, METAL, length=(0.16, 0.12, 0.22))
def _wrench(p: dict[str, float]) -> Design:
    length = p["length"]
    hl = length - 0.04
    return Design([box(hl, 0.02, 0.008, -length / 2 + hl / 2, name="handle"),
                   box(0.015, 0.045, 0.008, length / 2 - 0.0325, name="jaw"),
                   box(0.025, 0.01, 0.008, length / 2 - 0.0125, -0.0175, name="jaw"),
                   box(0.025, 0.01, 0.008, length / 2 - 0.0125, 0.0175, name="jaw")], grasp={"handle": 0.02})


@preset("pliers", "pliers", "pliers lying flat: two handles spreading towards -x, jaws at +x", ("pliers", "tool",
        "workshop", "graspable"), 4000, RED, length=(0.18, 0.14, 0.22))
def _pliers(p: dict[str, float]) -> Design:
    length = p["length"]
    hl = length - 0.06
    parts = [box(hl, 0.014, 0.01, -length / 2 + hl / 2, s * 0.016, euler=(0, 0, s * 0.12), name="handle")
             for s in (-1, 1)]
    parts += [box(0.03, 0.03, 0.012, length / 2 - 0.045, color=METAL, name="pivot"),
              box(0.035, 0.018, 0.01, length / 2 - 0.0175, color=METAL, name="jaw")]
    return Design(parts, grasp={"handle": 0.05})


@preset("hand_saw", "saw", "hand saw lying flat: loop handle towards -x, thin blade at +x", ("saw", "hand_saw", "tool",
        "workshop", "graspable"), 1500, METAL, blade=(0.3, 0.2, 0.36))
def _saw(p: dict[str, float]) -> Design:
    b = p["blade"]
    return Design([box(b, 0.09, 0.003, b / 2, name="blade"),
                   box(0.09, 0.022, 0.025, -0.045, -0.03, color=WOOD, name="grip"),
                   box(0.09, 0.012, 0.025, -0.045, 0.035, color=WOOD, name="handle"),
                   box(0.012, 0.08, 0.025, -0.084, 0.0, color=WOOD, name="handle")], grasp={"grip": 0.022})


@preset("paint_brush", "paint_brush", "paint brush lying flat: handle towards -x, bristles at +x", ("paint_brush",
        "brush", "tool", "art", "graspable"), 700, WOOD, width=(0.05, 0.03, 0.07))
def _paint_brush(p: dict[str, float]) -> Design:
    w = p["width"]
    return Design([box(0.13, 0.02, 0.016, -0.065, name="handle"),
                   box(0.025, w, 0.014, 0.0125, color=METAL, name="ferrule"),
                   box(0.04, w, 0.01, 0.045, color=DARK, name="bristles")], grasp={"handle": 0.02})


@preset("bolt", "bolt", "hex bolt standing on its head", ("bolt", "hardware", "workshop", "graspable", "peg"), 7800,
        METAL, length=(0.06, 0.04, 0.1), diameter=(0.012, 0.008, 0.016))
def _bolt(p: dict[str, float]) -> Design:
    length, d = p["length"], p["diameter"]
    return Design([cyl(d * 2.4, d * 0.7, name="head"), cyl(d, length, 0, 0, d * 0.7 + length / 2, name="shaft")],
                  grasp={"shaft": d, "head": d * 2.4})


@preset("nut", "nut", "large hex nut lying flat (six sides around a hole)", ("nut", "hardware", "workshop", "ring",
        "graspable"), 7800, METAL, size=(0.04, 0.03, 0.06))
def _nut(p: dict[str, float]) -> Design:
    s = p["size"]
    return Design(ring(s, s * 0.35, s * 0.25, n=6), grasp={"wall": s * 0.25})


@preset("gear", "gear", "spur gear lying flat with a raised hub", ("gear", "hardware", "workshop", "toy", "graspable"),
        2000, METAL, diameter=(0.08, 0.06, 0.12), teeth=(12, 8, 16, True))
def _gear(p: dict[str, float]) -> Design:
    d, n = p["diameter"], int(p["teeth"])
    parts = [cyl(d, 0.012, name="disc"), cyl(0.025, 0.03, name="hub", color=DARK)]
    for i in range(n):
        a = 2 * math.pi * i / n
        parts.append(box(0.014, 0.01, 0.012, (d / 2 + 0.005) * math.cos(a), (d / 2 + 0.005) * math.sin(a),
                         euler=(0, 0, a), name="tooth"))
    return Design(parts, grasp={"hub": 0.025})


@preset("peg", "peg", "square peg with a flange on top (fits hole_block)", ("peg", "toy", "insertion", "graspable"), 700,
        ORANGE, width=(0.025, 0.02, 0.03), height=(0.08, 0.05, 0.1))
def _peg(p: dict[str, float]) -> Design:
    w, h = p["width"], p["height"]
    return Design([box(w, w, h - 0.01, name="shaft"), box(w + 0.02, w + 0.02, 0.01, 0, 0, h - 0.005, name="flange")],
                  grasp={"shaft": w, "flange": w + 0.02})


@preset("spool", "spool", "thread spool standing: core between two flanges", ("spool", "sewing", "craft", "graspable"),
        700, WOOD, height=(0.06, 0.04, 0.08))
def _spool(p: dict[str, float]) -> Design:
    h = p["height"]
    return Design([cyl(0.05, 0.008, name="flange"), cyl(0.034, h - 0.016, 0, 0, h / 2, color=RED, name="core"),
                   cyl(0.05, 0.008, 0, 0, h - 0.004, name="flange")], grasp={"core": 0.034, "flange": 0.05})


@preset("tape_roll", "tape_roll", "roll of tape lying flat: a ring with a hole", ("tape_roll", "tape", "office", "ring",
        "graspable"), 1100, (0.85, 0.8, 0.6, 1.0), diameter=(0.1, 0.08, 0.12))
def _tape_roll(p: dict[str, float]) -> Design:
    d = p["diameter"]
    return Design(ring(d, 0.05, 0.018, n=12), grasp={"wall": 0.018})


# ======================================================================================= home and office
@preset("book", "book", "hardcover book standing upright: covers, pages and spine", ("book", "office", "library",
        "graspable"), 700, BLUE, thickness=(0.03, 0.015, 0.05), height=(0.21, 0.15, 0.25))
def _book(p: dict[str, float]) -> Design:
    t, h = p["thickness"], p["height"]
    dx = 0.15
    return Design([box(dx, 0.003, h, 0, -t / 2 + 0.0015, name="cover"), box(dx, 0.003, h, 0, t / 2 - 0.0015, name="cover"),
                   box(dx - 0.006, t - 0.006, h - 0.006, 0.003, 0, h / 2, color=WHITE, name="pages"),
                   box(0.004, t, h, -dx / 2 + 0.002, name="spine")], grasp={"pages": t})


@preset("bookend", "bookend", "L-shaped bookend: floor plate with an upright at -x", ("bookend", "office", "library",
        "graspable"), 4000, DARK, height=(0.15, 0.1, 0.18))
def _bookend(p: dict[str, float]) -> Design:
    h = p["height"]
    return Design([box(0.12, 0.1, 0.004, 0.02, name="plate"), box(0.004, 0.1, h, -0.04, name="upright")],
                  grasp={"upright": 0.004})


@preset("table_lamp", "lamp", "table lamp: heavy round base, pole and an open shade", ("lamp", "table_lamp", "home",
        "decor"), 3000, DARK, height=(0.3, 0.22, 0.36))
def _lamp(p: dict[str, float]) -> Design:
    h = p["height"]
    return Design([cyl(0.13, 0.02, name="base"), cyl(0.015, h - 0.02, 0, 0, 0.02 + (h - 0.02) / 2, name="pole")] +
                  ring(0.14, 0.1, 0.002, h - 0.09, 12, -0.25, CREAM, "shade"), grasp={"pole": 0.015})


@preset("candlestick", "candlestick", "candlestick: foot, stem, drip cup and a candle", ("candlestick", "candle", "home",
        "decor", "graspable"), 3000, YELLOW, height=(0.12, 0.08, 0.16))
def _candlestick(p: dict[str, float]) -> Design:
    h = p["height"]
    return Design([cyl(0.08, 0.012, name="foot"), cyl(0.02, h, 0, 0, 0.012 + h / 2, name="stem"),
                   cyl(0.045, 0.008, 0, 0, 0.016 + h, name="cup"),
                   cyl(0.02, 0.08, 0, 0, 0.02 + h + 0.04, color=WHITE, name="candle")], grasp={"stem": 0.02})


@preset("alarm_clock", "clock", "twin-bell alarm clock: round body facing -x on two feet, bells on top",
        ("clock", "alarm_clock", "home", "graspable"), 800, RED, diameter=(0.1, 0.08, 0.12))
def _alarm_clock(p: dict[str, float]) -> Design:
    d = p["diameter"]
    z = 0.012 + d / 2
    parts = [box(0.03, 0.015, 0.012, 0, s * d * 0.3, color=DARK, name="foot") for s in (-1, 1)]
    parts += [rod_x(d, 0.045, 0, z, name="body"), rod_x(d * 0.85, 0.004, -0.024, z, color=WHITE, name="face")]
    parts += [sph(0.035, 0, s * d * 0.3, z + d / 2, color=METAL, name="bell") for s in (-1, 1)]
    return Design(parts, grasp={"body": 0.045})


@preset("remote_control", "remote", "TV remote lying flat with buttons on top", ("remote", "remote_control", "home",
        "electronics", "graspable"), 900, DARK, length=(0.18, 0.14, 0.22))
def _remote(p: dict[str, float]) -> Design:
    length = p["length"]
    parts = [box(length, 0.05, 0.02, name="body")]
    parts += [box(0.012, 0.012, 0.004, -length / 2 + 0.03 + i * 0.03, y, 0.022, color=RED if i == 0 else METAL,
                  name="button") for i in range(int(length / 0.03) - 1) for y in (-0.012, 0.012)]
    return Design(parts, grasp={"body": 0.05})


@preset("computer_mouse", "mouse", "computer mouse with two buttons, cable end towards +x", ("mouse", "computer_mouse",
        "office", "electronics", "graspable"), 800, (0.85, 0.85, 0.85, 1.0))
def _mouse(p: dict[str, float]) -> Design:
    return Design([box(0.1, 0.06, 0.025, name="body"), box(0.04, 0.028, 0.008, 0.028, -0.0145, 0.029, name="button"),
                   box(0.04, 0.028, 0.008, 0.028, 0.0145, 0.029, name="button")], grasp={"body": 0.06})


@preset("flashlight", "flashlight", "flashlight standing on its lens: wide head down, body up", ("flashlight", "torch",
        "tool", "graspable"), 900, DARK, length=(0.16, 0.12, 0.22))
def _flashlight(p: dict[str, float]) -> Design:
    length = p["length"]
    return Design([cyl(0.045, 0.04, name="head", color=METAL), cyl(0.032, length - 0.04, 0, 0, 0.04 + (length - 0.04) / 2,
                   name="body"), cyl(0.036, 0.01, 0, 0, length - 0.005, color=RED, name="button")], grasp={"body": 0.032})


@preset("marker", "marker", "felt marker lying along x: barrel, cap at +x", ("marker", "pen", "office", "art",
        "graspable", "rollable"), 800, BLUE, length=(0.13, 0.1, 0.15))
def _marker(p: dict[str, float]) -> Design:
    length = p["length"]
    return Design([rod_x(0.018, length - 0.04, -0.02, 0.0105, color=WHITE, name="barrel"),
                   rod_x(0.021, 0.05, length / 2 - 0.025, 0.0105, name="cap")], grasp={"barrel": 0.018})


@preset("pencil", "pencil", "pencil lying along x: body, eraser at -x, sharpened tip at +x", ("pencil", "office", "art",
        "graspable", "rollable"), 800, YELLOW, length=(0.17, 0.1, 0.19))
def _pencil(p: dict[str, float]) -> Design:
    length = p["length"]
    return Design([rod_x(0.01, length - 0.03, -0.005, 0.005, name="body"),
                   rod_x(0.01, 0.012, -length / 2 + 0.006, 0.005, color=(0.95, 0.6, 0.7, 1.0), name="eraser"),
                   rod_x(0.006, 0.02, length / 2 - 0.01, 0.005, color=WOOD, name="tip")], grasp={"body": 0.01})


@preset("toothbrush", "toothbrush", "toothbrush lying flat: handle towards -x, bristle head at +x", ("toothbrush",
        "bathroom", "graspable"), 900, (0.3, 0.8, 0.8, 1.0), length=(0.18, 0.15, 0.2))
def _toothbrush(p: dict[str, float]) -> Design:
    length = p["length"]
    return Design([box(length, 0.013, 0.012, name="handle"),
                   box(0.025, 0.011, 0.01, length / 2 - 0.015, 0, 0.017, color=WHITE, name="bristles")],
                  grasp={"handle": 0.013})


@preset("hairbrush", "hairbrush", "paddle hairbrush lying flat: handle towards -x, bristle pad at +x", ("hairbrush",
        "brush", "bathroom", "graspable"), 800, DARK, length=(0.22, 0.18, 0.26))
def _hairbrush(p: dict[str, float]) -> Design:
    length = p["length"]
    hl = length - 0.1
    return Design([box(hl, 0.025, 0.015, -length / 2 + hl / 2, name="handle"),
                   box(0.1, 0.07, 0.015, length / 2 - 0.05, name="paddle"),
                   box(0.08, 0.055, 0.012, length / 2 - 0.05, 0, 0.021, color=WHITE, name="bristles")],
                  grasp={"handle": 0.025})


@preset("dumbbell", "dumbbell", "small dumbbell lying along y: grip bar with a weight at each end", ("dumbbell",
        "sport", "fitness", "graspable", "heavy"), 4000, DARK, weight=(0.08, 0.06, 0.1), bar=(0.12, 0.09, 0.15))
def _dumbbell(p: dict[str, float]) -> Design:
    w, b = p["weight"], p["bar"]
    return Design([rod_y(0.026, b, 0, w / 2, color=METAL, name="bar")] +
                  [rod_y(w, 0.035, s * (b / 2 + 0.0175), w / 2, name="weight") for s in (-1, 1)], grasp={"bar": 0.026})


@preset("frisbee", "frisbee", "frisbee lying flat: disc with a rim", ("frisbee", "toy", "sport", "flat", "disc"), 900,
        ORANGE, diameter=(0.22, 0.15, 0.26))
def _frisbee(p: dict[str, float]) -> Design:
    d = p["diameter"]
    return Design([cyl(d, 0.004, 0, 0, 0.022, name="disc")] + ring(d, 0.02, 0.005, n=16, name="rim"),
                  grasp={"rim": 0.005})


@preset("plunger", "plunger", "plunger: rubber cup on the floor with an upright stick", ("plunger", "bathroom",
        "cleaning", "graspable"), 700, (0.55, 0.2, 0.1, 1.0), height=(0.35, 0.25, 0.45))
def _plunger(p: dict[str, float]) -> Design:
    h = p["height"]
    return Design([cyl(0.12, 0.05, name="cup", color=RED), cyl(0.024, h - 0.05, 0, 0, 0.05 + (h - 0.05) / 2, name="stick")],
                  grasp={"stick": 0.024})


# ==================================================================================== furniture and toys
@preset("stool", "stool", "small stool: round seat on four legs", ("stool", "furniture", "support"), 700, WOOD,
        height=(0.18, 0.12, 0.25), seat=(0.2, 0.15, 0.25))
def _stool(p: dict[str, float]) -> Design:
    h, s = p["height"], p["seat"]
    leg = s * 0.32
    return Design([cyl(s, 0.02, 0, 0, h - 0.01, name="seat")] +
                  [box(0.02, 0.02, h - 0.02, sx * leg, sy * leg) for sx in (-1, 1) for sy in (-1, 1)])


@preset("side_table", "side_table", "small side table: square top on four legs (a raised surface)", ("side_table",
        "table", "furniture", "support", "surface"), 700, WOOD, size=(0.3, 0.22, 0.36), height=(0.25, 0.15, 0.3))
def _side_table(p: dict[str, float]) -> Design:
    s, h = p["size"], p["height"]
    leg = s / 2 - 0.02
    return Design([box(s, s, 0.02, 0, 0, h - 0.01, name="top")] +
                  [box(0.025, 0.025, h - 0.02, sx * leg, sy * leg) for sx in (-1, 1) for sy in (-1, 1)])


@preset("toy_chair", "chair", "toy chair: seat, four legs and a backrest at +x", ("chair", "toy", "furniture"), 700,
        WOOD, height=(0.2, 0.14, 0.25))
def _chair(p: dict[str, float]) -> Design:
    h = p["height"]
    seat_z, s = h * 0.5, 0.1
    parts = [box(s, s, 0.012, 0, 0, seat_z, name="seat"), box(0.012, s, h - seat_z, s / 2 - 0.006, 0, seat_z + (h - seat_z) / 2,
             name="back")]
    parts += [box(0.012, 0.012, seat_z - 0.006, sx * (s / 2 - 0.006), sy * (s / 2 - 0.006)) for sx in (-1, 1) for sy in (-1, 1)]
    return Design(parts, grasp={"back": 0.012})


@preset("toy_car", "toy_car", "toy car on four wheels, front towards +x", ("toy_car", "car", "toy", "vehicle",
        "graspable", "rollable"), 600, RED, length=(0.12, 0.09, 0.16))
def _toy_car(p: dict[str, float]) -> Design:
    length = p["length"]
    wheel = 0.03
    parts = [box(length, 0.055, 0.03, 0, 0, wheel / 2 + 0.012, name="body"),
             box(length * 0.5, 0.05, 0.025, -length * 0.05, 0, wheel / 2 + 0.027 + 0.0125, color=GLASS, name="cabin")]
    parts += [rod_y(wheel, 0.012, sy * 0.032, wheel / 2, x=sx * length * 0.32, color=DARK, name="wheel")
              for sx in (-1, 1) for sy in (-1, 1)]
    return Design(parts, grasp={"body": 0.055})


@preset("toy_train", "toy_train", "toy locomotive: chassis, boiler, cab and chimney, front at +x", ("toy_train", "train",
        "toy", "vehicle", "graspable"), 700, GREEN, length=(0.14, 0.1, 0.18))
def _toy_train(p: dict[str, float]) -> Design:
    length = p["length"]
    return Design([box(length, 0.05, 0.015, name="chassis", color=DARK),
                   rod_x(0.04, length * 0.6, length * 0.18, 0.035, name="boiler"),
                   box(length * 0.3, 0.05, 0.05, -length * 0.33, 0, 0.04, color=RED, name="cab"),
                   cyl(0.014, 0.025, length * 0.4, 0, 0.065, color=DARK, name="chimney")], grasp={"cab": 0.05})


@preset("chess_pawn", "chess_piece", "big chess pawn: base, body, collar and round head", ("chess_piece", "pawn", "toy",
        "game", "graspable"), 900, WHITE, height=(0.08, 0.06, 0.1))
def _pawn(p: dict[str, float]) -> Design:
    h = p["height"]
    b = h - 0.035
    return Design([cyl(0.045, 0.012, name="base"), cyl(0.026, b - 0.012, 0, 0, 0.012 + (b - 0.012) / 2, name="body"),
                   cyl(0.034, 0.006, 0, 0, b + 0.003, name="collar"), sph(0.032, 0, 0, b + 0.02, name="head")],
                  grasp={"body": 0.026, "head": 0.032})


@preset("chess_rook", "chess_rook", "big chess rook: base, tower and a crenellated top", ("chess_rook", "rook", "toy",
        "game", "graspable"), 900, DARK, height=(0.09, 0.07, 0.11))
def _rook(p: dict[str, float]) -> Design:
    h = p["height"]
    t = h - 0.015
    parts = [cyl(0.05, 0.012, name="base"), cyl(0.034, t - 0.012, 0, 0, 0.012 + (t - 0.012) / 2, name="tower")]
    parts += [box(0.012, 0.012, 0.015, 0.014 * math.cos(a), 0.014 * math.sin(a), t + 0.0075, euler=(0, 0, a),
                  name="merlon") for a in (0, 1.571, 3.142, 4.712)]
    return Design(parts, grasp={"tower": 0.034})


@preset("traffic_cone", "traffic_cone", "toy traffic cone: square base and a stepped cone", ("traffic_cone", "cone",
        "toy", "graspable"), 900, ORANGE, height=(0.12, 0.08, 0.16))
def _cone(p: dict[str, float]) -> Design:
    h = p["height"]
    parts = [box(0.08, 0.08, 0.008, name="base")]
    tiers = 4
    th = (h - 0.008) / tiers
    for i in range(tiers):
        parts.append(cyl(0.06 - i * 0.012, th, 0, 0, 0.008 + th * (i + 0.5), color=WHITE if i == 2 else None, name="cone"))
    return Design(parts, grasp={"cone": 0.036})


@preset("stacking_toy", "stacking_toy", "ring stacker toy: base, a pole and three rings (one piece)", ("stacking_toy",
        "toy", "rings", "graspable"), 600, BLUE, height=(0.14, 0.1, 0.18))
def _stacking_toy(p: dict[str, float]) -> Design:
    h = p["height"]
    parts = [cyl(0.09, 0.015, color=WOOD, name="base"), cyl(0.016, h - 0.015, 0, 0, 0.015 + (h - 0.015) / 2, color=WOOD,
             name="pole")]
    for i, (d, c) in enumerate(((0.08, RED), (0.065, YELLOW), (0.05, GREEN))):
        parts.append(cyl(d, 0.02, 0, 0, 0.015 + 0.01 + i * 0.02, color=c, name="ring"))
    return Design(parts, grasp={"pole": 0.016})


@preset("toy_house", "toy_house", "toy house block: body with a pitched roof", ("toy_house", "house", "toy", "block",
        "graspable"), 600, CREAM, width=(0.06, 0.04, 0.07))
def _toy_house(p: dict[str, float]) -> Design:
    w = p["width"]
    return Design([box(w, w, w, name="body"),
                   box(w * 0.75, w + 0.006, 0.008, -w * 0.23, 0, w + w * 0.2, euler=(0, -0.7, 0), color=RED, name="roof"),
                   box(w * 0.75, w + 0.006, 0.008, w * 0.23, 0, w + w * 0.2, euler=(0, 0.7, 0), color=RED, name="roof")],
                  grasp={"body": w})


@preset("key", "key", "big key lying flat (too flat to pick from the table): bow ring towards -x, blade at +x", ("key",
        "home", "flat"),
        6000, YELLOW, length=(0.1, 0.07, 0.12))
def _key(p: dict[str, float]) -> Design:
    length = p["length"]
    parts = ring(0.04, 0.006, 0.008, n=8, x=-length / 2 + 0.02, name="bow")
    parts += [box(length - 0.04, 0.01, 0.006, 0.02, name="blade"),
              box(0.008, 0.012, 0.006, length / 2 - 0.015, -0.011, name="bit"),
              box(0.008, 0.012, 0.006, length / 2 - 0.035, -0.011, name="bit")]
    return Design(parts)


@preset("cake_stand", "cake_stand", "cake stand: foot, stem and a raised round plate", ("cake_stand", "kitchen",
        "support", "surface"), 2000, WHITE, diameter=(0.22, 0.16, 0.26), height=(0.1, 0.06, 0.14))
def _cake_stand(p: dict[str, float]) -> Design:
    d, h = p["diameter"], p["height"]
    return Design([cyl(0.1, 0.012, name="foot"), cyl(0.03, h - 0.02, 0, 0, 0.012 + (h - 0.02) / 2, name="stem"),
                   cyl(d, 0.008, 0, 0, h - 0.004, name="plate")], grasp={"stem": 0.03})


__all__ = ["PRESETS", "preset"]
