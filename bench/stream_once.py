"""One ``stream_dump`` in a fresh interpreter, so its peak memory is its own.

Reads a JSON job on stdin ``{"source": {...}, "replica": {...}, "databases": [...],
"estimate_bytes": N}`` (NodeConfig fields), prints one JSON line:
``{"seconds": s, "bytes": n, "vmhwm_kib": k, "file": f, "position": p}``.
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


async def main() -> None:
    job = json.loads(sys.stdin.read())
    t = LocalTransport()
    try:
        t0 = time.monotonic()
        r = await stream_dump(NodeConfig(**job["source"]), NodeConfig(**job["replica"]), source_transport=t, replica_transport=t,
                              databases=job.get("databases"), estimate_bytes=job.get("estimate_bytes"))
        secs = time.monotonic() - t0
    finally:
        await t.cleanup()
    print(json.dumps({"seconds": secs, "bytes": r.bytes, "vmhwm_kib": vm_hwm_kib(),
                      "file": r.coordinates.file, "position": r.coordinates.position}))


if __name__ == "__main__":
    asyncio.run(main())
