"""Hostile credential files and homes (issue 16, items 2 and 7): a CredentialStoreError naming
the file, never TypeError, FileExistsError or RecursionError, and never a stored secret."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelwire as mw
from modelwire.auth import CredentialStoreError
from modelwire.auth.store import FileStore, KeyringStore, MemoryStore, default_store

from .conftest import REFRESH_SECRET, STORE_SECRET, assert_no_secret, error_texts, log_texts

GOOD = {"type": "api_key", "api_key": STORE_SECRET}
OAUTH = {"type": "oauth", "access_token": STORE_SECRET, "refresh_token": REFRESH_SECRET}
WRONG_TYPES: list[tuple[str, dict[str, Any]]] = [
    ("type is a list", {"type": ["api_key"], "api_key": STORE_SECRET}),
    ("type is an object", {"type": {}, "api_key": STORE_SECRET}),
    ("api_key is a number", {"type": "api_key", "api_key": 7}),
    ("api_key is an object", {"type": "api_key", "api_key": {"v": STORE_SECRET}}),
    ("access_token is a number", {**OAUTH, "access_token": 5}),
    ("refresh_token is a list", {**OAUTH, "refresh_token": [REFRESH_SECRET]}),
    ("expires_at is a list", {**OAUTH, "expires_at": [1]}),
    ("expires_at is a boolean", {**OAUTH, "expires_at": True}),
    ("scopes is a string", {**OAUTH, "scopes": "openid"}),
    ("scopes holds numbers", {**OAUTH, "scopes": [1, 2]}),
    ("email is an object", {**OAUTH, "email": {"a": 1}}),
]


def write(path: Path, providers: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "providers": providers}))


def every_use(store: mw.auth.CredentialStore) -> list[object]:
    """Each way the library reads a store (the client and the CLI go through these)."""
    return [
        lambda: store.load("openai"),
        store.providers,
        store.available_providers,
        lambda: store.api_key("openai"),
        lambda: store.save("anthropic", GOOD),
        lambda: store.delete("anthropic"),
    ]


@pytest.mark.parametrize(("problem", "record"), WRONG_TYPES, ids=[p for p, _ in WRONG_TYPES])
def test_a_record_with_fields_of_the_wrong_type_is_a_store_error_naming_the_file(
    tmp_path: Path, problem: str, record: dict[str, Any]
) -> None:
    path = tmp_path / "auth.json"
    write(path, {"openai": record})
    before = path.read_bytes()
    store = FileStore(path)
    for use in every_use(store):
        with pytest.raises(CredentialStoreError) as caught:
            use()  # type: ignore[operator]
        assert str(path) in str(caught.value)
        assert caught.value.location == str(path)
        assert_no_secret(error_texts(caught.value))
    assert path.read_bytes() == before  # never overwritten


@pytest.mark.parametrize(("problem", "record"), WRONG_TYPES, ids=[p for p, _ in WRONG_TYPES])
def test_saving_a_record_of_the_wrong_shape_is_refused_by_every_store(
    tmp_path: Path, problem: str, record: dict[str, Any]
) -> None:
    for store in (MemoryStore(), FileStore(tmp_path / "auth.json")):
        with pytest.raises(CredentialStoreError, match="refusing to save") as caught:
            store.save("openai", record)
        assert_no_secret(error_texts(caught.value))
        assert store.load("openai") is None


def test_a_record_that_is_not_json_is_refused_not_a_type_error() -> None:
    with pytest.raises(CredentialStoreError, match="not JSON"):
        MemoryStore().save("openai", {**GOOD, "extra": object()})
    nested: dict[str, Any] = {}
    deep = nested
    for _ in range(1000):
        deep["n"] = {}
        deep = deep["n"]
    with pytest.raises(CredentialStoreError, match="not JSON"):
        MemoryStore().save("openai", {**GOOD, "extra": nested})


@pytest.mark.parametrize(
    "text",
    [
        '{"version": 1, "providers": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"version": 1, "providers": {"openai": ' + '{"a":' * 5000 + "1" + "}" * 5001 + "}",
        '{"version": 1, "providers": {"openai": {"type": "api_key", "api_key": NaN}}}',
        '{"version": 1, "providers": {}}' + " " * 70_000 + "[" * 3000,
    ],
    ids=["1000 levels", "5000 levels", "NaN", "deep tail over 64 KiB"],
)
def test_deep_or_non_standard_json_in_auth_json_is_a_store_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "auth.json"
    path.write_text(text)
    with pytest.raises(CredentialStoreError, match="not valid JSON") as caught:
        FileStore(path).load("openai")
    assert str(path) in str(caught.value)


def test_modelwire_home_pointing_at_a_file_is_a_store_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "not-a-folder"
    home.write_text("x")
    monkeypatch.setenv("MODELWIRE_HOME", str(home))
    monkeypatch.setenv("MODELWIRE_AUTH_STORE", "file")
    store = default_store()
    for use in every_use(store):
        with pytest.raises(CredentialStoreError, match="is a file, not a folder") as caught:
            use()  # type: ignore[operator]
        assert str(home) in str(caught.value)
    assert home.read_text() == "x"


def test_a_file_above_modelwire_home_is_named_too(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = FileStore(blocker / "deeper" / "auth.json")
    with pytest.raises(CredentialStoreError, match="is a file, not a folder") as caught:
        store.save("openai", GOOD)
    assert str(blocker) in str(caught.value)


def test_auth_json_that_is_a_folder_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "auth.json").mkdir()
    with pytest.raises(CredentialStoreError, match="folder"):
        FileStore(tmp_path / "auth.json").load("openai")


def test_the_keyring_store_refuses_a_mistyped_entry(tmp_path: Path) -> None:
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    backend.set_password("modelwire", "openai", json.dumps({"type": 3, "api_key": STORE_SECRET}))
    store = KeyringStore(backend, lock_path=tmp_path / "keyring.lock")
    with pytest.raises(CredentialStoreError, match="not a modelwire record") as caught:
        store.load("openai")
    assert_no_secret(error_texts(caught.value))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
RECORDS = st.dictionaries(
    st.sampled_from(["type", "api_key", "access_token", "refresh_token", "expires_at", "scopes",
                     "last_refresh", "email", "source", "other"]),
    JSON_VALUES | st.just(STORE_SECRET),
    max_size=6,
)  # fmt: skip
FILES = st.dictionaries(
    st.sampled_from(["openai", "chatgpt", "claude", "x"]), RECORDS | JSON_VALUES
)
STORE_FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))


def store_answers_or_raises_a_store_error(tmp_path: Path, providers: object) -> None:
    path = tmp_path / "auth.json"
    write(path, providers)
    store = FileStore(path)
    for use in every_use(store):
        try:
            use()  # type: ignore[operator]
        except CredentialStoreError as error:
            assert_no_secret(error_texts(error))


@STORE_FUZZ
@given(providers=FILES)
def test_any_json_in_the_file_gives_an_answer_or_a_store_error(
    tmp_path_factory: pytest.TempPathFactory, providers: object
) -> None:
    store_answers_or_raises_a_store_error(tmp_path_factory.mktemp("store"), providers)


@pytest.mark.stress
@settings(STORE_FUZZ, max_examples=3000)
@given(providers=FILES)
def test_any_json_in_the_file_over_many_examples(
    tmp_path_factory: pytest.TempPathFactory, providers: object
) -> None:
    store_answers_or_raises_a_store_error(tmp_path_factory.mktemp("store"), providers)


def test_no_stored_secret_in_any_log_record_at_debug(
    tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    store = FileStore(tmp_path / "auth.json")
    store.save("openai", GOOD)
    store.save("chatgpt", OAUTH)
    assert store.available_providers() == ["openai", "chatgpt"]
    write(store.path, {"openai": {"type": [STORE_SECRET]}})
    with pytest.raises(CredentialStoreError):
        store.load("openai")
    logging.getLogger("modelwire").debug("probe")  # the capture is live
    assert log_texts(debug_logs)
    assert_no_secret(log_texts(debug_logs))
