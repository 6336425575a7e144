"""Theme files: ``themes/*.toml`` -> validated colour tables, without textual.

A theme file holds one theme::

    name = "replui-dark"
    dark = true
    primary = "#4f9fdf"
    secondary = "#7aa2c8"   # optional, like every key below
    accent = "#e0af68"
    foreground = "#d8dee9"
    background = "#1b1f27"
    surface = "#232833"
    panel = "#2c3240"
    success = "#6fcf97"
    warning = "#f2c94c"
    error = "#eb5757"

Colours are ``#rgb``, ``#rrggbb``, ``#rrggbbaa``, ``rgb(r,g,b)`` or
``hsl(h,s%,l%)`` (the forms Textual's ``Color.parse`` reads). Files are looked
up in the bundled ``themes/`` folder next to the package, then in
``$XDG_CONFIG_HOME/replui/themes/`` (``~/.config`` when unset); a user file
with the same ``name`` replaces the bundled one.

Nothing here raises for a bad file: :func:`load_theme_files` returns the good
themes and one message per broken file, so the UI reports them all in one
notification.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import tomli

#: Config ``theme = "..."`` short names -> bundled theme names.
THEME_ALIASES: dict[str, str] = {
    "dark": "replui-dark",
    "light": "replui-light",
    "high-contrast": "replui-high-contrast",
    "high_contrast": "replui-high-contrast",
}
DEFAULT_THEME = "replui-dark"

COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)
REQUIRED_KEYS = ("name", "primary")

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_NUM = r"\s*-?\d+(?:\.\d+)?\s*"
_RGB = re.compile(r"^rgba?\(" + _NUM + "," + _NUM + "," + _NUM + r"(?:," + _NUM + r")?\)$")
_HSL = re.compile(r"^hsla?\(" + _NUM + "," + _NUM + "%," + _NUM + r"%(?:," + _NUM + r")?\)$")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class ThemeSpec:
    """One validated theme file: ``name``, ``dark`` and ``colours`` (key -> colour
    string, only the keys the file set) plus ``path`` for messages."""

    name: str
    dark: bool
    colours: dict[str, str] = field(default_factory=dict)
    path: str = ""


def is_colour(value: object) -> bool:
    """True when ``value`` is a colour string in one of the accepted forms."""
    if not isinstance(value, str):
        return False
    v = value.strip()
    return bool(_HEX.match(v) or _RGB.match(v) or _HSL.match(v))


def bundled_theme_dir() -> Path:
    """The top-level ``themes/`` folder, reached through the ``replui/themes``
    symlink (so an installed wheel, which copies it as package data, finds it too)."""
    import replui

    packaged = Path(replui.__file__).parent / "themes"
    return packaged if packaged.is_dir() else Path(replui.__file__).resolve().parents[1] / "themes"


def user_theme_dir(env: dict[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/replui/themes`` (``~/.config`` when unset)."""
    env = dict(os.environ) if env is None else env
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(xdg) / "replui" / "themes"


def default_theme_dirs() -> list[Path]:
    return [bundled_theme_dir(), user_theme_dir()]


def parse_theme(text: str, path: str = "<theme>") -> ThemeSpec:
    """Parse and validate one theme file's text.

    Raises ValueError with every problem of the file in one message
    (``path: problem; problem``).
    """
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {exc}") from None
    problems: list[str] = []
    for key in REQUIRED_KEYS:
        if key not in data:
            problems.append(f"missing {key}")
    name = data.get("name")
    if name is not None and not (isinstance(name, str) and _NAME.match(name)):
        problems.append(f"name: expected letters, digits, '.', '_' or '-', got {name!r}")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        problems.append(f"dark: expected true or false, got {dark!r}")
    colours: dict[str, str] = {}
    for key, value in data.items():
        if key in ("name", "dark"):
            continue
        if key not in COLOUR_KEYS:
            problems.append(f"unknown key {key!r} (expected one of name, dark, {', '.join(COLOUR_KEYS)})")
        elif not is_colour(value):
            problems.append(f"{key}: not a colour: {value!r} (expected #rrggbb, rgb(r,g,b) or hsl(h,s%,l%))")
        else:
            colours[key] = value.strip()
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    assert isinstance(name, str)  # required, and checked above
    return ThemeSpec(name=name, dark=dark, colours=colours, path=path)


def load_theme_files(dirs: Iterable[Path] | None = None) -> tuple[list[ThemeSpec], list[str]]:
    """Every ``*.toml`` in ``dirs`` (default :func:`default_theme_dirs`), in
    order, sorted by file name within a folder.

    Returns ``(themes, errors)``: the valid themes (a later file with the same
    name replaces an earlier one, keeping its place) and one message per file
    that could not be read or is invalid. Never raises.
    """
    by_name: dict[str, ThemeSpec] = {}
    errors: list[str] = []
    for d in default_theme_dirs() if dirs is None else dirs:
        d = Path(d)
        if not d.is_dir():
            continue
        for p in sorted(d.glob("*.toml")):
            try:
                text = p.read_text(encoding="utf-8")
                spec = parse_theme(text, str(p))
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(f"{p}: cannot read: {exc}")
                continue
            except ValueError as exc:
                errors.append(str(exc))
                continue
            by_name[spec.name] = spec
    return list(by_name.values()), errors


def resolve_theme_name(requested: str | None, available: Iterable[str]) -> tuple[str, str | None]:
    """Map a config/CLI theme name to a registered one.

    ``"dark"``/``"light"``/``"high-contrast"`` map through
    :data:`THEME_ALIASES`; an exact registered name is taken as is. Returns
    ``(name, problem)`` where ``problem`` explains a fallback to
    :data:`DEFAULT_THEME`, else None.
    """
    names = list(available)
    if not requested:
        return DEFAULT_THEME, None
    for candidate in (requested, THEME_ALIASES.get(requested), f"replui-{requested}"):
        if candidate and candidate in names:
            return candidate, None
    return (
        DEFAULT_THEME,
        f"unknown theme {requested!r}; using {DEFAULT_THEME} (available: {', '.join(sorted(names))})",
    )
