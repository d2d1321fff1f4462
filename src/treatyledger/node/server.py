"""Run a node with uvicorn: in the foreground (the CLI) or in a background thread (tests,
the demo), always on a socket bound before the server starts, so port 0 works and the real
address is known."""

from __future__ import annotations

import copy
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from treatyledger.node.access_log import LOGGER_NAME, SecondFormatter
from treatyledger.node.connections import ConnectionLimits, protocol_options

#: Addresses of reverse proxies whose X-Forwarded-For/-Proto the node believes (comma-
#: separated, as uvicorn's ``forwarded_allow_ips``). Unset: the headers are ignored, so a
#: client cannot claim to have come over HTTPS or from another address.
FORWARDED_ENV = "TREATYLEDGER_FORWARDED_ALLOW_IPS"


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are
    # TCP, and without it Nagle's algorithm stalls every response ~40 ms on delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def logging_config(access_log: bool) -> dict[str, Any]:
    """uvicorn's logging configuration, plus the node's access log on stderr when wanted
    (uvicorn's own access log stays off: it would log query strings)."""
    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    if access_log:
        config["formatters"]["treatyledger_access"] = {
            "()": SecondFormatter,
            "fmt": "%(asctime)s access %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        }
        config["handlers"]["treatyledger_access"] = {
            "formatter": "treatyledger_access",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        }
        config["loggers"][LOGGER_NAME] = {
            "handlers": ["treatyledger_access"],
            "level": "INFO",
            "propagate": False,
        }
    return config


def forwarded_allow_ips(given: str | None = None) -> str | None:
    """The trusted proxy addresses: ``given``, else $TREATYLEDGER_FORWARDED_ALLOW_IPS."""
    value = given if given is not None else os.environ.get(FORWARDED_ENV, "")
    return value.strip() or None


def make_server(
    app: FastAPI,
    *,
    log_level: str = "warning",
    access_log: bool = False,
    trusted_proxies: str | None = None,
    connections: ConnectionLimits | None = None,
) -> uvicorn.Server:
    """``access_log``: the node's access lines on stderr (``treatyledger serve``).
    ``trusted_proxies``: see FORWARDED_ENV; X-Forwarded-* are honoured only from them.
    ``connections``: header and body deadlines and the connection cap (default
    ``ConnectionLimits()``), always on: uvicorn alone never cuts a slow client off."""
    proxies = forwarded_allow_ips(trusted_proxies)
    config = uvicorn.Config(
        app,
        **protocol_options(connections or ConnectionLimits()),
        log_level=log_level,
        log_config=logging_config(access_log),
        access_log=False,
        proxy_headers=proxies is not None,
        forwarded_allow_ips=proxies,
        lifespan="on",
        timeout_graceful_shutdown=5,
        backlog=2048,
    )
    return uvicorn.Server(config)


@dataclass
class RunningNode:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> RunningNode:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def serve_in_thread(
    app: FastAPI,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    trusted_proxies: str | None = None,
    connections: ConnectionLimits | None = None,
) -> RunningNode:
    """Start serving ``app`` in a daemon thread; returns once it accepts connections."""
    sock = bind(host, port)
    server = make_server(app, trusted_proxies=trusted_proxies, connections=connections)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="treatyledger-node"
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the node did not start")
        time.sleep(0.01)
    return RunningNode(url=url_of(sock), server=server, thread=thread)
