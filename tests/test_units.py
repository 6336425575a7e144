"""One way to write bytes, durations and signed offsets everywhere (replui.units)."""

from __future__ import annotations

from replui.units import human_bytes, human_seconds, signed_seconds


def test_bytes_are_binary_units():
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KiB"
    assert human_bytes(50 * 1024 * 1024) == "50.0 MiB"
    assert human_bytes(3 * 1024**3) == "3.0 GiB"


def test_durations_in_whole_seconds_minutes_hours():
    assert human_seconds(9.4) == "9s"
    assert human_seconds(75) == "1m15s"
    assert human_seconds(7300) == "2h01m"


def test_a_signed_offset_is_never_negative_zero():
    assert signed_seconds(-0.0004) == "+0.000 s"
    assert signed_seconds(0.0123) == "+0.012 s"
    assert signed_seconds(-1.5) == "-1.500 s"


def test_the_cli_progress_line_speaks_mib(capsys):
    # the CLI once printed decimal MB while the TUI printed MiB for the same transfer
    import inspect

    from replui.wizards import cli

    source = inspect.getsource(cli)
    assert " MB" not in source and "1e6" not in source
