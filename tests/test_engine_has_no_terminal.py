"""One engine, two faces: nothing outside replui/ui/ imports textual or rich.

Each engine module is imported in a fresh interpreter, and ``textual`` and
``rich`` must not be in ``sys.modules`` afterwards (harlequin's check).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "replui"
ENGINE_MODULES = sorted(
    ".".join(p.relative_to(PKG.parent).with_suffix("").parts)
    for p in PKG.rglob("*.py")
    if "ui" not in p.relative_to(PKG).parts[:1] and p.name != "__main__.py"
)


def test_engine_modules_are_found():
    assert "replui.cli" in ENGINE_MODULES and "replui.config" in ENGINE_MODULES
    assert not any(m.startswith("replui.ui") for m in ENGINE_MODULES)


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_module_imports_without_textual(module):
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, f"{module} pulls in {out.stdout.strip() or out.stderr[-500:]}"


def test_status_command_does_not_import_textual():
    code = (
        "import sys; from replui import cli; cli.build_parser(); "
        "import replui.report, replui.monitor; "
        "sys.exit(1 if 'textual' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
