#!/usr/bin/env python3
"""A terminal for a client (podman run -it): runs the command on a new pty
of ROWS x COLS and prints what appeared on it.

usage: pty_driver.py ROWS COLS [--resize ROWS2 COLS2] -- COMMAND...

With --resize: once the output shows "ROWS COLS" (the container's `stty
size`), the pty is resized (the kernel sends SIGWINCH to the client), then
a newline (and SIGWINCH) goes to the client every 0.2 s until "ROWS2 COLS2"
shows up.  After that
(or at once without --resize) Ctrl-D ends the container's input.  Exits
with the command's status; 124 if it did not finish within 60 s (the
command is then killed by its PID)."""
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time


def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    rows, cols = int(args[0]), int(args[1])
    args = args[2:]
    resize = None
    if args[0] == "--resize":
        resize = (int(args[1]), int(args[2]))
        args = args[3:]
    assert args[0] == "--"
    cmd = args[1:]

    master, slave = os.openpty()
    winsize(master, rows, cols)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        os.execvp(cmd[0], cmd)
    os.close(slave)

    out = b""
    want_first = f"{rows} {cols}".encode()
    state = "first" if resize else "eof"
    deadline = time.monotonic() + 60
    last_poke = 0.0
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
        if state == "first" and want_first in out:
            winsize(master, *resize)
            state = "resized"
        elif state == "resized":
            if f"{resize[0]} {resize[1]}".encode() in out:
                state = "eof"
            elif time.monotonic() - last_poke > 0.2:
                os.write(master, b"\n")
                # A client may miss the kernel's SIGWINCH while it is
                # still setting up its handler: repeat it (by our PID).
                os.kill(pid, signal.SIGWINCH)
                last_poke = time.monotonic()
        elif state == "eof" and b"READY" in out:
            os.write(master, b"\x04")
            state = "done"
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors="replace"))
        sys.stdout.write(f"\npty_driver: timed out, state {state}\n")
        return 124
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    return os.waitstatus_to_exitcode(status)


sys.exit(main())
