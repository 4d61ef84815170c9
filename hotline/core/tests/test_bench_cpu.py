"""The benchmarks' CPU accounting: a process tree's CPU time, reaped children included."""

from __future__ import annotations

import os
import subprocess
import sys

from hotline.bench.intake_env import tree_cpu_seconds


def test_a_process_tree_counts_live_descendants_and_reaped_children() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    before = tree_cpu_seconds(os.getpid())
    # A child that keeps a busy grandchild alive while we look, then one that has finished and was reaped.
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys\n"  # noqa: S603
                               f"p = subprocess.Popen([sys.executable, '-c', {burn!r} + 'input()'], stdin=-1)\n"
                               "import time; time.sleep(1.5); p.stdin.close(); p.wait()"])
    try:
        import time

        time.sleep(1.2)
        assert tree_cpu_seconds(parent.pid) >= 0.25  # the grandchild's burn, while it is alive
    finally:
        parent.wait(timeout=30)
    subprocess.run([sys.executable, "-c", burn], check=True)  # noqa: S603
    assert tree_cpu_seconds(os.getpid()) - before >= 0.5  # both children, reaped: counted in ours
    assert tree_cpu_seconds(2**22 + 7) == 0.0  # no such process
