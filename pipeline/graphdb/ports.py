"""Loopback probes shared by both local servers: is a port taken, does Bolt answer, what
``/proc`` says of a server process."""

from __future__ import annotations

import socket
from pathlib import Path

# Bolt handshake: magic preamble + version 5.0-5.8, 4.2-4.4, 3, none.
_HANDSHAKE = bytes.fromhex("6060b01700080805000204040000000300000000")


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def bolt_answers(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """Whether a Bolt server completes a handshake on ``host:port`` (raw socket, no driver)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_HANDSHAKE)
            return len(sock.recv(4)) == 4
    except OSError:
        return False


def process_stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (``proc(5)``'s third field on:
    state, ppid, pgrp, session, tty, tpgid, flags, …, start time at index 19), or None when the
    process is gone or ``/proc`` cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()
