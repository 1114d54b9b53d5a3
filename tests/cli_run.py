"""Run the `newsclaims` command in a subprocess under an address-space limit, with its
own peak memory: how the input-failure tests see what a user would see."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))
MEMORY_LIMIT = 1 << 30  # address space: far beyond what reading these inputs needs


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float  # the child's own peak resident memory

    def one_error_line(self) -> str:
        """The single `error: ...` line a command that could not run prints."""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), self.stderr[-2000:]
        return lines[0]


def run_cli(*args: str | os.PathLike[str], memory: int = MEMORY_LIMIT, timeout: float = 120,
            cwd: str | os.PathLike[str] | None = None) -> Run:
    """`newsclaims ARGS`; a command still running after `timeout` s is killed (a test
    failure: a FIFO must never block)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([NEWSCLAIMS, *map(str, args)], stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, cwd=cwd, preexec_fn=limit)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                os.wait4(child.pid, 0)
                child.returncode = -9
                raise AssertionError(f"newsclaims {args} still running after {timeout} s")
            time.sleep(0.02)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(child.returncode, out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"), usage.ru_maxrss / 1024)
