"""How failures reach the user (issue 17, item 12): a network error names the host once, a
malformed base URL is a usage error (exit 2) or a configuration error naming the variable, and a
sign-in that must be renewed is never called "in-stream" — in the CLI and in the library."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

import modelwire as mw
from modelwire.auth.errors import LoginRequiredError, TokenRefreshError

from .conftest import Cli


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_refused_connection_names_the_host_and_port_in_the_library() -> None:
    port = closed_port()
    client = mw.Client("openai", api_key="sk-x", base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(mw.APIConnectionError) as caught:
        client.create(model="m", input="hi")
    assert f"could not reach 127.0.0.1:{port}" in str(caught.value)


def test_the_cli_names_the_host_of_a_network_error_once(cli: Cli) -> None:
    port = closed_port()
    result = cli.run(
        "chat", "--base-url", f"http://127.0.0.1:{port}/v1", "hello", OPENAI_API_KEY="sk-test"
    )
    assert result.returncode == 1
    assert result.stderr.count(f"127.0.0.1:{port}") == 1
    assert "Traceback" not in result.stderr


def test_a_malformed_base_url_is_a_usage_error_that_does_not_repeat_a_password(cli: Cli) -> None:
    result = cli.run(
        "chat", "--base-url", "http://user:pw-SECRET@[bad/v1", "hello", OPENAI_API_KEY="sk-test"
    )
    assert result.returncode == 2
    assert "--base-url" in result.stderr
    assert "is not an http(s) URL" in result.stderr
    assert "SECRET" not in result.stderr


def test_a_malformed_base_url_in_the_environment_names_the_variable(cli: Cli) -> None:
    result = cli.run("chat", "hello", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="api.openai.com/v1")
    assert result.returncode == 1
    assert "OPENAI_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_that_cannot_be_sent_is_refused_without_echoing_it(cli: Cli) -> None:
    result = cli.run("chat", "hello", OPENAI_API_KEY="sk-SECRET-\u00e9x")
    assert result.returncode == 1
    assert "OPENAI_API_KEY" in result.stderr
    assert "SECRET" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("error_type", [LoginRequiredError, TokenRefreshError])
def test_a_sign_in_error_without_a_status_is_not_called_in_stream(
    error_type: type[LoginRequiredError] | type[TokenRefreshError],
) -> None:
    error = error_type("claude", "no access token")
    assert "in-stream" not in str(error)
    assert str(error).startswith("claude ")
    assert "`modelwire login claude`" in str(error)


def test_an_api_error_without_a_status_is_still_an_in_stream_error() -> None:
    assert str(mw.APIError("overloaded", error_type="overloaded_error")).startswith("in-stream")


def test_login_required_at_client_construction_is_not_called_in_stream(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "mw-home"
    home.mkdir()
    record = {"type": "oauth", "refresh_token": "rt-broken"}
    (home / "auth.json").write_text(json.dumps({"version": 1, "providers": {"claude": record}}))
    monkeypatch.setenv("MODELWIRE_HOME", str(home))
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "file")
    with pytest.raises(LoginRequiredError) as caught:
        mw.Client("claude")
    assert "in-stream" not in str(caught.value)
    assert "rt-broken" not in str(caught.value)
