"""``python docs/screenshots.py`` (``make screenshots``): the README's screenshots,
taken from the real TUI on a real lab at 80x24 and 160x45.

Starts a throwaway two-node lab (node1 ⇄ node2), breaks it the way the
'MySQL Replication Error' runbook (Chameleon Cloud) describes — a row written
on node2 with ``sql_log_bin=0``, then the same key on node1, so node2's SQL
thread stops with 1062 — and saves, at each size:

* ``docs/screenshot-lab-1062-WxH.svg``: the dashboard, polling the lab live;
* ``docs/screenshot-wizard-confirm-WxH.svg``: ``rebuild-replica`` node2 from
  node1 at its first question (the answer is no: nothing is changed).

Then it heals the lab and saves ``docs/screenshot-training-80x24.svg``: ``replui
train master-info-broken`` (node2's master.info overwritten), its first hint asked.

The lab is stopped and removed afterwards.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):  # tests/lab_helpers.py: the tests' own 1062 break
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from lab_helpers import break_with_duplicate_key  # noqa: E402

from replui.config import load_config  # noqa: E402
from replui.lab.lab import Lab  # noqa: E402
from replui.monitor import Monitor  # noqa: E402
from replui.ui.app import ReplUIApp  # noqa: E402
from replui.ui.screens.confirm import ConfirmScreen  # noqa: E402
from replui.wizards import catalogue  # noqa: E402

SIZES = ((80, 24), (160, 45))
OUT = ROOT / "docs"


async def until(pilot, cond, what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            raise SystemExit(f"never happened: {what}")
        await pilot.pause(0.05)


async def shoot(config: Path, size: tuple[int, int]) -> None:
    w, h = size
    monitor = Monitor(load_config(config))
    app = ReplUIApp(monitor, theme="dark", poll=True)
    try:
        async with app.run_test(size=size) as pilot:
            await until(pilot, lambda: len(app.statuses) == 2 and len(app.findings) > 1, "both nodes read")
            await pilot.pause(1.0)
            app.save_screenshot(f"screenshot-lab-1062-{w}x{h}.svg", str(OUT))
            plan = catalogue.build_plan(
                "rebuild-replica", app.config, list(app.statuses.values()), replica="node2", source="node1"
            )
            app.start_wizard(plan)
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the first question")
            await pilot.pause(0.5)
            app.save_screenshot(f"screenshot-wizard-confirm-{w}x{h}.svg", str(OUT))
            await pilot.press("escape")  # no: nothing is changed
            await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the answer")
    finally:
        monitor.close()


async def shoot_training(lab_dir: Path, config: Path, size: tuple[int, int]) -> None:
    from replui.lab.scenarios import BreakOptions
    from replui.training import TrainingSession

    w, h = size
    session = TrainingSession.begin(lab_dir, "master-info-broken", options=BreakOptions(seed=3))
    monitor = Monitor(load_config(config))
    app = ReplUIApp(monitor, theme="dark", poll=True, training=session)
    try:
        async with app.run_test(size=size) as pilot:
            await until(
                pilot,
                lambda: any(f.code == "replica_metadata_unusable" for f in app.findings),
                "the finding about node2",
            )
            await pilot.pause(22)  # the welcome note goes
            await pilot.press("h")
            await pilot.pause(1.0)
            app.save_screenshot(f"screenshot-training-{w}x{h}.svg", str(OUT))
    finally:
        monitor.close()


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="replui-shots-"))
    lab = None
    try:
        lab = Lab.up(base / "lab", "master-master", 2, echo=print)
        break_with_duplicate_key(lab, key=4242)
        for size in SIZES:
            asyncio.run(shoot(lab.config_path, size))
            print(f"saved the {size[0]}x{size[1]} screenshots in {OUT.name}/")
        lab.heal()
        asyncio.run(shoot_training(lab.dir, lab.config_path, (80, 24)))
        print(f"saved the training screenshot in {OUT.name}/")
        return 0
    finally:
        if lab is not None:
            lab.down(purge=True)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
