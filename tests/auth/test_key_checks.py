"""API keys are stripped and checked before use, whatever their source, and no header value ever
reaches an error or a log (issue 15 item 10)."""

from __future__ import annotations

import logging

import pytest

import modelwire as mw
from modelwire.auth import save_api_key
from modelwire.auth.base import checked_api_key
from modelwire.auth.store import FileStore
from modelwire.testing import FakeServer

KEYS = {"openai": "sk-proj-keycheck-0001", "anthropic": "sk-ant-api03-keycheck-0001"}
ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
# What comes along with a key: a newline from `cat`, a paste's spaces, a tab.
PADDED = ["{key}\n", "  {key}\r\n", "\t{key} "]
# What cannot be in a key: a newline or space inside, a control character, a non-ASCII letter.
BROKEN = ["{key}\nX-Injected: 1", "sk-{key}\x1b[0m", "sk-pr\u00f6j-{key}", "{key} second-half"]
LOGGERS = ("", "modelwire", "httpx2", "httpcore", "httpx")


def sent_key(server: FakeServer) -> str:
    [request] = [r for r in server.requests if r.route in ("responses", "messages")]
    return request.headers.get("x-api-key") or request.headers["authorization"].removeprefix(
        "Bearer "
    )


def ask(provider: str, **options: str) -> str:
    with mw.Client(provider, **options) as client:  # type: ignore[arg-type]
        return client.create(input="hi").text


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("padding", PADDED)
@pytest.mark.parametrize("source", ["argument", "environment", "store"])
def test_a_padded_key_is_stripped_from_every_source(
    provider: str,
    padding: str,
    source: str,
    server: FakeServer,
    file_store: FileStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = KEYS[provider]
    padded = padding.format(key=key)
    if source == "argument":
        assert ask(provider, api_key=padded)
    else:
        if source == "environment":
            monkeypatch.setenv(ENV[provider], padded)
        else:
            file_store.save(provider, {"type": "api_key", "api_key": padded})
        assert ask(provider)
    assert sent_key(server) == key


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("broken", BROKEN)
@pytest.mark.parametrize("source", ["argument", "environment", "store"])
def test_a_broken_key_is_refused_at_construction_without_showing_it(
    provider: str,
    broken: str,
    source: str,
    server: FakeServer,
    file_store: FileStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = broken.format(key=KEYS[provider])
    options = {}
    if source == "argument":
        options["api_key"] = key
    elif source == "environment":
        monkeypatch.setenv(ENV[provider], key)
    else:
        file_store.save(provider, {"type": "api_key", "api_key": key})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(mw.ConfigurationError) as caught:
        mw.Client(provider, **options)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "character" in message
    for shown in (message, repr(caught.value), caplog.text):
        assert KEYS[provider] not in shown
        assert "keycheck" not in shown
    assert server.requests == []


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(mw.ConfigurationError, match="empty"):
        mw.Client("openai", api_key=" \n")


def test_a_saved_key_is_stripped_and_checked(file_store: FileStore) -> None:
    save_api_key("openai", KEYS["openai"] + "\n", file_store)
    assert file_store.api_key("openai") == KEYS["openai"]
    with pytest.raises(mw.ConfigurationError) as caught:
        save_api_key("openai", "sk-\u00e9" + KEYS["openai"], file_store)
    assert KEYS["openai"] not in str(caught.value)


def test_the_one_check_names_the_source() -> None:
    with pytest.raises(mw.ConfigurationError, match="in OPENAI_API_KEY holds a control"):
        checked_api_key("sk-a\x07b", provider="openai", source="in OPENAI_API_KEY")


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_no_header_value_reaches_a_debug_log_or_an_error(
    provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    key = KEYS[provider]
    with FakeServer(api_keys=["sk-another-key-entirely"]) as server:
        for name in LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name or None)
        base_url = server.base_url(provider)  # type: ignore[arg-type]
        client = mw.Client(provider, api_key=key + "\n", base_url=base_url)  # type: ignore[arg-type]
        with client, pytest.raises(mw.AuthenticationError) as caught:
            client.create(input="hi")
        assert server.requests  # the request went out (and was refused)
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # DEBUG was on
    for shown in (str(caught.value), repr(caught.value), caplog.text):
        assert key not in shown
        assert "keycheck-0001" not in shown
