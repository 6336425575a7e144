"""How replui writes quantities, one way everywhere (TUI, CLI, transcripts):
bytes in binary units (KiB, MiB, GiB — 1 MiB = 1,048,576 bytes), durations in
whole seconds, minutes and hours, signed offsets without a negative zero."""

from __future__ import annotations


def human_bytes(n: float) -> str:
    """``512 → "512 B"``, ``1536 → "1.5 KiB"``, ``52428800 → "50.0 MiB"``: binary
    units, one decimal above bytes (``n`` in bytes)."""
    size = float(n)
    if size < 1024:
        return f"{int(size)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024.0
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}"
    return f"{size:.1f} TiB"  # pragma: no cover


def human_seconds(seconds: float) -> str:
    """``9.4 → "9s"``, ``75 → "1m15s"``, ``7300 → "2h01m"`` (rounded to whole seconds)."""
    s = int(round(max(0.0, seconds)))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m"


def signed_seconds(seconds: float, places: int = 3) -> str:
    """``0.0123 → "+0.012 s"``, ``-0.0004 → "+0.000 s"`` (never "-0.000 s"),
    ``-1.5 → "-1.500 s"``: an offset such as a clock skew, in seconds."""
    value = round(seconds, places) or 0.0  # -0.0 is falsy: no negative zero
    return f"{value:+.{places}f} s"
