"""Run the `newsclaims` command in a subprocess under an address-space limit, with its
own peak memory: how the input-failure tests see what a user would see."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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


# Runs the command as its own child and writes that child's peak memory to a pipe.
# A process forked from pytest starts with pytest's resident memory in its peak
# (Linux keeps the larger of the old and the new address space's high-water mark
# across exec), so the command is started from this small launcher instead.
_LAUNCHER = """
import os, resource, sys
peak_fd, limit = int(sys.argv[1]), int(sys.argv[2])
pid = os.fork()
if pid == 0:
    os.close(peak_fd)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(sys.argv[3], sys.argv[3:])
_, status, usage = os.wait4(pid, 0)
os.write(peak_fd, str(usage.ru_maxrss).encode())
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
"""


def run_cli(*args: str | os.PathLike[str], memory: int = MEMORY_LIMIT, timeout: float = 120,
            cwd: str | os.PathLike[str] | None = None) -> Run:
    """`newsclaims ARGS`; a command still running after `timeout` s is killed (a test
    failure: a FIFO must never block)."""
    peak_read, peak_write = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(peak_write), str(memory), NEWSCLAIMS,
             *map(str, args)],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
            pass_fds=(peak_write,), start_new_session=True,
        )
        os.close(peak_write)
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, 9)
            child.wait()
            raise AssertionError(f"newsclaims {args} still running after {timeout} s") from None
        finally:
            with os.fdopen(peak_read, "rb") as peak:
                max_rss_kb = int(peak.read() or 0)
        out.seek(0)
        err.seek(0)
        return Run(child.returncode, out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"), max_rss_kb / 1024)
