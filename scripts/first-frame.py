#!/usr/bin/env python3
"""Times the wizard's first frame: from starting `docker-tls --root ROOT` on a
pseudo-terminal (80x24) until "Welcome" is on it. Prints one time in
nanoseconds per run. A pty is what a terminal emulator gives the program,
without tmux's own cost. Usage: first-frame.py BINARY ROOT RUNS"""
import fcntl, os, pty, select, struct, sys, termios, time

binary, root, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(runs):
    t0 = time.monotonic_ns()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(binary, [binary, "--root", root])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    buf, t1 = b"", None
    while t1 is None:
        ready, _, _ = select.select([fd], [], [], 5)
        if not ready:
            sys.exit("first-frame: no welcome screen after 5 s")
        buf += os.read(fd, 65536)
        if b"Welcome" in buf:
            t1 = time.monotonic_ns()
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    os.close(fd)
    print(t1 - t0)
