"""The machine a measurement or a dataset was made on, in one line (CPU model, cores, OS): provenance for
generation records and timings, so that a number or a hash that differs elsewhere can be traced to its CPU."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe() -> str:
    """``"AMD EPYC, 2 cores, Linux x86_64"``: the CPU model (from /proc/cpuinfo where there is one), the cores
    and the OS."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"
