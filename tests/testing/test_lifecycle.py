"""The server binds loopback only, serves on a fixed port on request, and leaves nothing behind."""

from __future__ import annotations

import io
import socket
import threading
from typing import Any

import httpx2
import pytest

import modelwire as mw
from modelwire.testing.server import FakeServer

from .helpers import new_client, openai_headers

SERVER_THREAD_PREFIX = "modelwire-fake-server"


def server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(SERVER_THREAD_PREFIX)]


def port_is_free(port: int) -> bool:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_it_is_reachable_from_the_top_level_package() -> None:
    assert mw.testing.FakeServer is FakeServer


def test_it_listens_on_loopback_at_an_ephemeral_port() -> None:
    with FakeServer() as first, FakeServer() as second:
        assert first.url.startswith("http://127.0.0.1:")
        assert first.port != second.port
        assert first.port > 0
        assert first.base_url("openai") == first.url + "/v1"
        assert first.base_url("anthropic") == first.url
        assert first.base_url("chatgpt") == first.url + "/backend-api/codex"
        assert first.base_url("claude") == first.url


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_it_refuses_to_bind_anything_but_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeServer(host=host)


def test_it_is_not_reachable_on_other_interfaces() -> None:
    with FakeServer() as server:
        listening = socket.getaddrinfo("127.0.0.1", server.port)[0][4][0]
        assert listening == "127.0.0.1"
        external = _non_loopback_address()
        if external is not None:
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((external, server.port), 0.5).close()


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address: str = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_a_fixed_port_is_used_and_freed_again() -> None:
    port = free_port()
    with FakeServer(port=port) as server, new_client() as client:
        assert server.url == f"http://127.0.0.1:{port}"
        response = client.post(
            server.url + "/v1/responses",
            json={"model": "gpt-5", "input": "hi"},
            headers=openai_headers(),
        )
        assert response.status_code == 200
    assert port_is_free(port)


def test_stopping_closes_the_socket_the_connections_and_the_thread() -> None:
    before = set(server_threads())
    server = FakeServer().start()
    port = server.port
    client = new_client()
    client.post(server.url + "/v1/chat/completions", json={}, headers=openai_headers())
    assert server.open_connections == 1  # the client keeps its connection alive
    server.stop()
    assert not server.running
    assert set(server_threads()) == before
    assert port_is_free(port)
    with pytest.raises(httpx2.TransportError):
        client.post(server.url + "/v1/chat/completions", json={}, headers=openai_headers())
    client.close()


def test_stopping_cuts_a_stalled_stream() -> None:
    from modelwire.testing import Fault

    server = FakeServer().start()
    server.queue("chat", Fault.stall(30.0, after_events=1))
    errors: list[BaseException] = []

    def stream() -> None:
        try:
            with new_client() as client:
                client.post(
                    server.url + "/v1/chat/completions",
                    json={
                        "model": "m",
                        "messages": [{"role": "user", "content": "x"}],
                        "stream": True,
                    },
                    headers=openai_headers(),
                )
        except httpx2.TransportError as error:
            errors.append(error)

    reader = threading.Thread(target=stream)
    reader.start()
    assert server.wait_for(lambda: bool(server.requests), 2.0)
    server.stop()
    reader.join(2.0)
    assert not reader.is_alive()
    assert errors


def test_start_twice_is_an_error() -> None:
    with FakeServer() as server, pytest.raises(RuntimeError):
        server.start()


def test_a_port_in_use_is_an_error() -> None:
    with FakeServer() as server, pytest.raises(OSError, match="in use"):
        FakeServer(port=server.port).start()


def test_reset_forgets_everything(fake_server: FakeServer, http: httpx2.Client) -> None:
    from modelwire.testing import Script

    fake_server.queue("chat", Script.text("x"))
    http.post(fake_server.url + "/v1/nothing")
    fake_server.reset()
    assert fake_server.requests == []
    assert fake_server.pending("chat") == 0
    assert fake_server.token_calls == {}


def test_unknown_paths_get_the_api_404(fake_server: FakeServer, http: httpx2.Client) -> None:
    response = http.get(fake_server.url + "/v1/responses")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (GET /v1/responses)"


def test_serve_forever_prints_the_base_urls_and_stops() -> None:
    from modelwire.testing import serve_forever

    out = io.StringIO()
    port = free_port()
    stop = threading.Event()
    runner = threading.Thread(target=serve_forever, args=(port,), kwargs={"out": out, "stop": stop})
    runner.start()
    with new_client() as client:
        for _ in range(200):
            if "listening" in out.getvalue():
                break
            threading.Event().wait(0.01)
        response = client.post(
            f"http://127.0.0.1:{port}/v1/responses",
            json={"model": "gpt-5", "input": "hi"},
            headers=openai_headers(),
        )
        assert response.status_code == 200
    stop.set()
    runner.join(5.0)
    assert not runner.is_alive()
    text = out.getvalue()
    assert f"http://127.0.0.1:{port}/v1" in text
    assert f"http://127.0.0.1:{port}/backend-api/codex" in text
    assert port_is_free(port)


class TestThePytestFixture:
    """The ``fake_server`` fixture of the pytest plugin: a running server, gone after the test."""

    seen: dict[str, Any] = {}

    def test_it_gives_a_running_server(self, fake_server: FakeServer) -> None:
        assert fake_server.running
        TestThePytestFixture.seen["port"] = fake_server.port
        TestThePytestFixture.seen["threads"] = [t.name for t in server_threads()]

    def test_it_left_no_thread_or_port_behind(self) -> None:
        assert "port" in self.seen, "runs after test_it_gives_a_running_server"
        assert not {t.name for t in server_threads()} & set(self.seen["threads"])
        assert port_is_free(self.seen["port"])
