"""A TCP proxy for tests whose backend can be switched while it runs, like a
load balancer or virtual IP failing over: connections already open keep
their backend, new ones go to the new target."""

from __future__ import annotations

import socket
import threading


class SwitchableProxy:
    """Listens on 127.0.0.1:``port`` and forwards each new connection to
    ``target`` (host, port) as it is at accept time."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def switch(self, target: tuple[str, int]) -> None:
        """New connections go to ``target`` from now on."""
        self.target = target

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            try:
                backend = socket.create_connection(self.target, timeout=5)
                backend.settimeout(None)
            except OSError:
                client.close()
                continue
            self._open += [client, backend]
            for a, b in ((client, backend), (backend, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._closed = True
        self._sock.close()
        for s in self._open:
            try:
                s.close()
            except OSError:
                pass
