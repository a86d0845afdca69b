"""Slow and silent HTTP clients, for the hostile-request suite: many connections that each
send a request's header lines or body a little at a time (or nothing at all), and how long
the server keeps each one open.

Python 3.11 standard library only.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time

# What each kind of slow client sends at once, and then once per interval.
KINDS = ("header", "body", "idle", "kept-alive")


def _opening(kind: str, host: str, index: int) -> bytes:
    if kind == "header":
        return b"GET /healthz HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
    if kind == "body":
        return (b"POST /api/v1/surveys/ai-risk-assessment/drafts HTTP/1.1\r\nHost: " + host.encode()
                + b"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
    if kind == "kept-alive":
        return b"GET /healthz HTTP/1.1\r\nHost: " + host.encode() + b"\r\n\r\n"
    return b""


def _next_piece(kind: str, round_: int) -> bytes:
    if kind == "header":
        return f"X-Slow-{round_}: still coming\r\n".encode()
    if kind == "body":
        return b" "
    return b""


def hold(port: int, kind: str, count: int, interval: float, give_up: float,
         while_open=None) -> tuple[list[float | None], object]:
    """Opens `count` connections of `kind` and keeps feeding them every `interval` seconds
    until the server closes each or `give_up` seconds pass. `while_open()` runs on a thread once all are
    open (e.g. a normal request); returns each connection's seconds until the server closed
    it (None: still open) and what `while_open` returned."""
    assert kind in KINDS
    host = f"127.0.0.1:{port}"
    selector = selectors.DefaultSelector()
    opened: dict[socket.socket, float] = {}
    closed_after: dict[socket.socket, float | None] = {}
    for index in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        connection.setblocking(False)
        opened[connection] = time.monotonic()
        closed_after[connection] = None
        try:
            connection.sendall(_opening(kind, host, index))
        except (BlockingIOError, OSError):
            pass
        selector.register(connection, selectors.EVENT_READ)
    result: list = []
    helper = threading.Thread(target=lambda: result.append(while_open()), daemon=True) if while_open else None
    if helper:
        helper.start()
    started = min(opened.values()) if opened else time.monotonic()
    next_round = time.monotonic() + interval
    round_ = 0
    while any(value is None for value in closed_after.values()) and time.monotonic() - started < give_up:
        timeout = max(0.0, min(next_round - time.monotonic(), 0.5))
        for key, _ in selector.select(timeout):
            connection = key.fileobj
            try:
                data = connection.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:  # closed by the server (the answer of a kept-alive request is read and dropped)
                closed_after[connection] = time.monotonic() - opened[connection]
                selector.unregister(connection)
        if time.monotonic() >= next_round:
            round_ += 1
            next_round += interval
            piece = _next_piece(kind, round_)
            for connection, after in closed_after.items():
                if after is None and piece:
                    try:
                        connection.send(piece)
                    except OSError:
                        pass  # the server closed it; the read side will tell
    for connection in opened:
        connection.close()
    selector.close()
    if helper:
        helper.join()
    return [closed_after[connection] for connection in opened], (result[0] if result else None)


def summary(durations: list[float | None]) -> str:
    closed = sorted(d for d in durations if d is not None)
    still_open = len(durations) - len(closed)
    if not closed:
        return f"none of {len(durations)} closed"
    return (f"{len(closed)} of {len(durations)} closed after {closed[0]:.1f}–{closed[-1]:.1f} s "
            f"(median {closed[len(closed) // 2]:.1f} s), {still_open} still open")
