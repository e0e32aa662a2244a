#!/usr/bin/env python3
"""Print 'N passed, N failed' over the meson test logs of the given build
directories. Each Criterion test (a TAP "ok"/"not ok" line) counts once; a
test binary that failed without reporting a failing test (a crash, a
timeout, a sanitizer report) counts as one more failure."""
import json
import os
import re
import sys

passed = failed = 0
for build in sys.argv[1:]:
    log = os.path.join(build, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        continue
    with open(log) as f:
        for line in f:
            entry = json.loads(line)
            out = entry.get("stdout") or ""
            result = entry.get("result")
            ok = len(re.findall(r"^ok\b", out, re.M))
            bad = len(re.findall(r"^not ok\b", out, re.M))
            if result not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
                bad = 1
            if ok + bad == 0 and result in ("OK", "EXPECTEDFAIL"):
                ok = 1
            passed += ok
            failed += bad
print("%d passed, %d failed" % (passed, failed))
