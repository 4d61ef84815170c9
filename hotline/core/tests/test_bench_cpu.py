"""The benchmarks' accounting: a process tree's CPU time (reaped children included), a process's peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from hotline.bench.intake_env import peak_rss_mb, tree_cpu_seconds

#: Run in a fresh interpreter, so that no other descendant of the test process (a browser of the journeys,
#: a worker) comes or goes while the tree is measured.
SCENARIO = r'''
import json, os, subprocess, sys, time
from hotline.bench.intake_env import tree_cpu_seconds

burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
before = tree_cpu_seconds(os.getpid())
# A child that keeps a busy grandchild alive while we look, then one that has finished and was reaped.
# The grandchild says when its burn is done (however long a loaded machine takes), the child passes it on,
# and only then is the live tree measured.
parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys\n"
                           f"p = subprocess.Popen([sys.executable, '-c', {burn!r} + 'import sys; print(1, flush=True); "
                           "sys.stdin.read()'], stdin=-1, stdout=-1)\n"
                           "p.stdout.readline(); print(1, flush=True); sys.stdin.read(); p.stdin.close(); p.wait()"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
parent.stdout.readline()
alive = tree_cpu_seconds(parent.pid)
parent.stdin.close()
parent.wait(timeout=60)
subprocess.run([sys.executable, "-c", burn], check=True)
print(json.dumps({"alive": alive, "reaped": tree_cpu_seconds(os.getpid()) - before}))
'''


def test_a_process_tree_counts_live_descendants_and_reaped_children() -> None:
    done = subprocess.run([sys.executable, "-c", SCENARIO], capture_output=True, text=True, timeout=60,  # noqa: S603
                          check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["alive"] >= 0.25  # the grandchild's burn, while it is alive
    assert figures["reaped"] >= 0.5  # both children, reaped: counted in the measuring process
    assert tree_cpu_seconds(2**22 + 7) == 0.0  # no such process


def test_peak_memory_is_the_high_water_mark_of_a_live_process() -> None:
    grow = "b = bytearray(120 * 1024 * 1024); del b\nimport sys; sys.stdin.read()"  # 120 MB touched, then freed
    child = subprocess.Popen([sys.executable, "-c", grow], stdin=subprocess.PIPE)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while peak_rss_mb(child.pid) < 120 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 120 <= peak_rss_mb(child.pid) < 400  # the peak stays after the memory is given back
    finally:
        child.communicate(timeout=30)
    assert peak_rss_mb(child.pid) == 0.0  # reaped: no such process
