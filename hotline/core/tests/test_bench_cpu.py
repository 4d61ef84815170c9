"""The benchmarks' CPU accounting: a process tree's CPU time, reaped children included."""

from __future__ import annotations

import json
import subprocess
import sys

from hotline.bench.intake_env import tree_cpu_seconds

#: Run in a fresh interpreter, so that no other descendant of the test process (a browser of the journeys,
#: a worker) comes or goes while the tree is measured.
SCENARIO = r'''
import json, os, subprocess, sys, time
from hotline.bench.intake_env import tree_cpu_seconds

burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
before = tree_cpu_seconds(os.getpid())
# A child that keeps a busy grandchild alive while we look, then one that has finished and was reaped.
parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys\n"
                           f"p = subprocess.Popen([sys.executable, '-c', {burn!r} + 'import sys; sys.stdin.read()'],"
                           " stdin=-1)\n"
                           "import time; time.sleep(1.5); p.stdin.close(); p.wait()"])
time.sleep(1.2)
alive = tree_cpu_seconds(parent.pid)
parent.wait(timeout=30)
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
