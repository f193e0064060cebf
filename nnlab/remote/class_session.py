"""The process of one class-server session, started by `nnlab serve` in the session's pseudo-terminal.

It makes that terminal its controlling terminal, so a change of the client's window size reaches it as
SIGWINCH, and runs the app with the session's folders (`ClassAccess.from_env`)."""

from __future__ import annotations

import fcntl
import sys
import termios


def main() -> int:
    try:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    except OSError:
        pass
    from nnlab.cli import main as cli_main

    return cli_main([])


if __name__ == "__main__":
    sys.exit(main())
