"""Wall-clock limits on an HTTP request: a whole-request deadline and a minimum transfer rate.

requests' timeout bounds each socket read, not the request: a server that sends a byte every
few seconds keeps a list request or a download going for hours. Here a watchdog thread
follows the request in flight and, when it has run past its deadline or its body arrived
slower than the minimum rate over the last window, shuts its socket down; the blocked read
returns at once and the client reports which limit was hit (a transient error, retried).

The socket is found through the connection classes of the session's adapter (`mount`), which
hand it to the request's `Watch` when they wait for an answer, so the limits cover the wait
for the headers, the headers and the body alike, for every request of the session (the
OAuth2 token request too).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

POLL_S = 0.1
_current = threading.local()


def current_watch() -> Watch | None:
    """The watch of the request this thread is making, if any."""
    return getattr(_current, "watch", None)


class Watch:
    """The limits of one request, and what it has received so far."""

    def __init__(
        self,
        deadline_s: float,
        min_bytes_per_s: float,
        window_s: float,
        clock: Callable[[], float],
    ) -> None:
        self.deadline_s = deadline_s
        self.min_bytes_per_s = min_bytes_per_s
        self.window_s = window_s
        self._clock = clock
        self.started = clock()
        self._window_started: float | None = None  # from the first byte of the answer
        self._window_bytes = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.reason: str | None = None

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            tripped = self.reason is not None
        if tripped:
            _shutdown(sock)

    def answered(self) -> None:
        """The headers arrived: the transfer rate counts from now."""
        with self._lock:
            if self._window_started is None:
                self._window_started = self._clock()

    def received(self, size: int) -> None:
        with self._lock:
            if self._window_started is None:
                self._window_started = self._clock()
            self._window_bytes += size

    def check(self) -> bool:
        """Trip when a limit is passed; True when tripped."""
        now = self._clock()
        with self._lock:
            if self.reason is None:
                if now - self.started > self.deadline_s:
                    self.reason = (
                        f"did not finish within {self.deadline_s:g} s (LP_REQUEST_DEADLINE_S)"
                    )
                elif (
                    self._window_started is not None and now - self._window_started >= self.window_s
                ):
                    rate = self._window_bytes / (now - self._window_started)
                    if rate < self.min_bytes_per_s:
                        self.reason = (
                            f"the answer came at {rate:,.0f} bytes/s over {self.window_s:g} s, "
                            f"below LP_MIN_TRANSFER_BYTES_PER_S ({self.min_bytes_per_s:,.0f})"
                        )
                    self._window_started, self._window_bytes = now, 0
            sockets = list(self._sockets) if self.reason else []
        for sock in sockets:
            _shutdown(sock)
        return self.reason is not None


def _shutdown(sock: socket.socket) -> None:
    """Wake a read blocked on `sock` (the plain socket call, also for a TLS socket, whose own
    shutdown would drop its TLS state under the reading thread)."""
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watchdog:
    """One thread per client, checking the request in flight every POLL_S."""

    def __init__(
        self,
        deadline_s: float,
        min_bytes_per_s: float,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.deadline_s = deadline_s
        self.min_bytes_per_s = min_bytes_per_s
        self.window_s = window_s
        self._clock = clock
        self._watches: set[Watch] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(self) -> Iterator[Watch]:
        """Limits for the requests made inside (on this thread); nested calls share one."""
        outer = getattr(_current, "watch", None)
        if outer is not None:
            yield outer
            return
        watch = Watch(self.deadline_s, self.min_bytes_per_s, self.window_s, self._clock)
        with self._lock:
            self._watches.add(watch)
            self._start()
        _current.watch = watch
        try:
            yield watch
        finally:
            _current.watch = None
            with self._lock:
                self._watches.discard(watch)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="http-watchdog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            with self._lock:
                watches = list(self._watches)
            for watch in watches:
                watch.check()

    def close(self) -> None:
        self._stop.set()


class _Watched:
    """A connection that hands its socket to the current watch when it waits for an answer."""

    def getresponse(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        watch = getattr(_current, "watch", None)
        if watch is not None and self.sock is not None:  # type: ignore[attr-defined]
            watch.attach(self.sock)  # type: ignore[attr-defined]
        response = super().getresponse(*args, **kwargs)  # type: ignore[misc]
        if watch is not None:
            watch.answered()
        return response


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections the watchdog can reach."""

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        manager = super().proxy_manager_for(*args, **kwargs)
        manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def mount(session: requests.Session) -> None:
    adapter = WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
