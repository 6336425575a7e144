"""One ``stream_dump`` in a fresh interpreter, so its peak memory is its own.

Reads a JSON job on stdin ``{"source": {...}, "replica": {...}, "databases": [...],
"estimate_bytes": N}`` (NodeConfig fields), prints one JSON line:
``{"seconds": s, "bytes": n, "vmhwm_kib": k, "file": f, "position": p,
"loop_lag_max_ms": m, "loop_lag_p99_ms": q}``.

The relay runs on the event loop the TUI would share, so a ticker that asks to
wake every 10 ms records how late it wakes (the UI's responsiveness while a
dump streams; design.md asks for this to be measured, not assumed).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from replui.config import NodeConfig
from replui.transport.local import LocalTransport
from replui.wizards.dumpstream import stream_dump


def vm_hwm_kib() -> int:
    """Peak resident set size of this process (``VmHWM`` in /proc/self/status), KiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


async def _ticker(lags: list[float], period: float = 0.01) -> None:
    """Wake every ``period`` seconds; append how late each wake-up was (seconds)."""
    while True:
        t = time.monotonic()
        await asyncio.sleep(period)
        lags.append(max(0.0, time.monotonic() - t - period))


async def main() -> None:
    job = json.loads(sys.stdin.read())
    t = LocalTransport()
    lags: list[float] = []
    ticker = asyncio.create_task(_ticker(lags))
    try:
        t0 = time.monotonic()
        r = await stream_dump(
            NodeConfig(**job["source"]),
            NodeConfig(**job["replica"]),
            source_transport=t,
            replica_transport=t,
            databases=job.get("databases"),
            estimate_bytes=job.get("estimate_bytes"),
            on_progress=lambda p: None,
        )
        secs = time.monotonic() - t0
    finally:
        ticker.cancel()
        await t.cleanup()
    lags.sort()
    p99 = lags[int(len(lags) * 0.99)] if lags else 0.0
    print(
        json.dumps(
            {
                "seconds": secs,
                "bytes": r.bytes,
                "vmhwm_kib": vm_hwm_kib(),
                "file": r.coordinates.file,
                "position": r.coordinates.position,
                "loop_lag_max_ms": (lags[-1] if lags else 0.0) * 1000,
                "loop_lag_p99_ms": p99 * 1000,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
