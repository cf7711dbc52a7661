#!/usr/bin/env python3
"""measure.py - run one command, print its wall time and peak RSS as JSON, then its stdout.

    measure.py COMMAND [ARGS...]
Output (stderr of the command passes through): first line {"seconds": S, "max_rss_kb": K,
"status": N}, then the command's own standard output.
"""
import json
import resource
import subprocess
import sys
import time

t0 = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": round(seconds, 3), "max_rss_kb": rss, "status": p.returncode}))
sys.stdout.write(p.stdout.decode("utf-8", "replace"))
