"""`ddbtui local --port P` right after a restart: connections in TIME_WAIT on P are not a
server using P. Failed before: yes -- the probe bound without SO_REUSEADDR and said
"already in use" (real sockets on 127.0.0.1, no mocks)."""

import socket

from ddbtui.local.engine import port_in_use


def _time_wait_port() -> int:
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    cli = socket.create_connection(("127.0.0.1", port))
    conn, _ = srv.accept()
    conn.close()  # the server side closes first: its end goes to TIME_WAIT on `port`
    cli.recv(1)
    cli.close()
    srv.close()
    return port


def test_time_wait_is_not_in_use():
    port = _time_wait_port()
    probe = socket.socket()
    try:  # the situation exists: a plain bind (no SO_REUSEADDR) fails
        probe.bind(("127.0.0.1", port))
        plain_bind_failed = False
    except OSError:
        plain_bind_failed = True
    finally:
        probe.close()
    assert plain_bind_failed
    assert not port_in_use(port)


def test_a_listening_port_is_in_use():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    try:
        assert port_in_use(srv.getsockname()[1])
    finally:
        srv.close()
