"""How much CPU a `newsclaims` command spends before its work begins.

    .venv/bin/python benchmarks/startup_probe.py PATH -- release export.json --version 9.9.9
    .venv/bin/python benchmarks/startup_probe.py :socket -- progress

Runs the command in this process with an audit hook (PEP 578) that watches for the
first sign of its work: the first `open` of PATH (the command's input; for a folder,
its listing or any file in it) or, with `:socket`, the first network connection or listening
socket (the commands that work on a server). At that moment it prints the process's
CPU seconds since it started (interpreter, imports, argument parsing, anything the
command did first) as one JSON line, and ends the process there, so the work itself is
never paid for. A command that ends without reaching its work (a refusal) prints its
CPU at exit, marked `reached: false`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Any

_SOCKET = ":socket"
_SOCKET_EVENTS = {"socket.connect", "socket.bind"}
_PATH_EVENTS = {"open", "os.listdir", "os.scandir"}


def _report(reached: bool) -> None:
    seconds = time.process_time()
    os.write(1, f'{{"cpu_seconds": {seconds:.4f}, "reached": {str(reached).lower()}}}\n'
             .encode())


def _watch(marker: str) -> None:
    target = None if marker == _SOCKET else os.path.realpath(marker)
    inside = (target or "") + os.sep

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if target is None:
            hit = event in _SOCKET_EVENTS
        else:
            hit = (event in _PATH_EVENTS and bool(args)
                   and isinstance(args[0], (str, bytes, os.PathLike))
                   and _is_target(os.fsdecode(args[0]), target, inside))
        if hit:
            _report(True)
            os._exit(0)

    sys.addaudithook(hook)


def _is_target(path: str, target: str, inside: str) -> bool:
    """`path` is the input, or in it (a folder's files); the cheap test first, as the
    hook sees every file Python opens."""
    name = os.path.basename(path)
    if name != os.path.basename(target) and not path.startswith(inside) and os.path.isabs(path):
        return False
    found = os.path.realpath(path)
    return found == target or found.startswith(inside)


def main() -> None:
    marker, separator, *command = sys.argv[1:]
    if separator != "--" or not command:
        raise SystemExit(__doc__)
    # Output of the command goes nowhere; the one JSON line goes to fd 1 directly.
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    sys.stderr = sys.stdout
    sys.argv = ["newsclaims", *command]
    _watch(marker)
    from newsclaims.cli import main as newsclaims

    with contextlib.suppress(SystemExit):
        newsclaims()
    _report(False)


if __name__ == "__main__":
    main()
