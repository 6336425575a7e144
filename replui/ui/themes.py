"""Theme files -> Textual themes registered on the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from replui.ui.theme_files import ThemeSpec, load_theme_files


def build_theme(spec: ThemeSpec) -> Theme:
    """A Textual Theme from a validated spec; ValueError when Textual rejects a colour."""
    for key, value in spec.colours.items():
        try:
            Color.parse(value)
        except ColorParseError as exc:
            raise ValueError(f"{spec.path}: {key}: {exc}") from None
    colours = spec.colours
    return Theme(
        name=spec.name,
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        success=colours.get("success"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        boost=colours.get("boost"),
        dark=spec.dark,
    )


def register_themes(app: App[Any], dirs: Iterable[Path] | None = None) -> tuple[list[str], list[str]]:
    """Load theme files from ``dirs`` and register them on ``app``.

    Returns ``(names, errors)``: the registered theme names in load order and
    one message per broken file. Never raises.
    """
    specs, errors = load_theme_files(dirs)
    names: list[str] = []
    for spec in specs:
        try:
            app.register_theme(build_theme(spec))
        except Exception as exc:  # noqa: BLE001 - a bad file must not stop the app
            errors.append(str(exc) if str(exc).startswith(spec.path) else f"{spec.path}: {exc}")
            continue
        names.append(spec.name)
    return names, errors
