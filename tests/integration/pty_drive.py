#!/usr/bin/env python3
"""Drive a command on a real pty, as a user at a terminal would.

usage: pty_drive.py STEP... -- COMMAND [ARG...]

Steps, in order:
  expect:TEXT    read the terminal until TEXT shows (10 s, else exit 3)
  send:TEXT      type TEXT (Python escapes: \\x10 is ctrl-p, \\r is enter)
  size:ROWS,COLS resize the terminal (the command gets SIGWINCH)
  wait           wait for the command to exit (10 s, else exit 4)

Prints what the terminal showed, then "EXIT N" (the command's status)
after a wait step.  The terminal starts 24x80 and in cooked mode.
"""
import codecs
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def main():
    sep = sys.argv.index("--")
    steps, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""

    def pump(timeout):
        nonlocal seen
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        seen += data
        return True

    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "expect":
            want = codecs.decode(arg, "unicode_escape").encode()
            end = time.monotonic() + 10
            while want not in seen:
                if time.monotonic() > end or not pump(0.1):
                    if want in seen:
                        break
                    sys.stdout.write(seen.decode(errors="replace"))
                    print(f"\nTIMEOUT waiting for {arg!r}")
                    sys.exit(3)
        elif kind == "send":
            os.write(fd, codecs.decode(arg, "unicode_escape").encode())
        elif kind == "size":
            rows, cols = (int(x) for x in arg.split(","))
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        elif kind == "wait":
            end = time.monotonic() + 10
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    while pump(0.05):
                        pass
                    sys.stdout.write(seen.decode(errors="replace"))
                    print(f"\nEXIT {os.waitstatus_to_exitcode(status)}")
                    return
                if time.monotonic() > end:
                    sys.stdout.write(seen.decode(errors="replace"))
                    print("\nTIMEOUT waiting for exit")
                    os.kill(pid, 9)
                    sys.exit(4)
                pump(0.05)
    sys.stdout.write(seen.decode(errors="replace"))


if __name__ == "__main__":
    main()
