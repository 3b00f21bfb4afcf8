"""A target that never answers: `ddbtui bench` gives up within seconds with one sentence
naming the target, and prints no empty results table.

Failed before: yes -- 44 s of retries (5 s connect/30 s read timeouts, 5 attempts), then an
empty results table beside "Cannot reach the DynamoDB endpoint AWS".
"""

from __future__ import annotations

import socket
import subprocess
import sys


def test_blackholed_endpoint_fails_fast_with_one_sentence(tmp_path):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)  # the kernel completes connections; nobody ever reads or answers
    port = srv.getsockname()[1]
    try:
        p = subprocess.run([sys.executable, "-m", "ddbtui", "bench", "--endpoint-url",
                            f"http://127.0.0.1:{port}", "--strategies", "sync", "--items", "10",
                            "--plain", "--no-save"], capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    finally:
        srv.close()
    assert p.returncode == 1, p.stdout + p.stderr
    err = p.stderr.strip().splitlines()
    assert len(err) == 1, p.stderr
    assert f"127.0.0.1:{port}" in err[0] and "did not answer in time" in err[0] and "AWS" not in err[0]
    assert "Time (mean" not in p.stdout and "strategy" not in p.stdout.lower()
