"""Every body fixture decodes to the Response its stream fixture collects to."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

import modelwire as mw
from modelwire.bodies import decode_body
from modelwire.common.serialize import response_to_dict

from .support import body_cases, body_path, comparable, streamed

CASES = body_cases()


def _stream_succeeds(api: str, name: str) -> bool:
    try:
        streamed(api, name)
    except mw.ModelwireError:
        return False
    return True


ANSWERS = [case for case in CASES if _stream_succeeds(*case)]
FAILURES = [case for case in CASES if case not in ANSWERS]


def _error_view(error: mw.ModelwireError) -> dict[str, object]:
    return {
        "class": type(error).__name__,
        "message": str(error),
        "native": getattr(error, "native", None),
    }


@pytest.mark.parametrize(("api", "name"), ANSWERS)
def test_a_body_decodes_to_what_its_stream_collects_to(api: str, name: str) -> None:
    body = body_path(api, name).read_bytes()
    assert comparable(decode_body(api, body)) == comparable(streamed(api, name))  # type: ignore[arg-type]


def _stream_error(api: str, name: str) -> mw.ModelwireError:
    try:
        streamed(api, name)
    except mw.ModelwireError as error:
        return error
    raise AssertionError(f"{api}/{name}: the stream did not fail")


@pytest.mark.parametrize(("api", "name"), FAILURES)
def test_a_failed_body_raises_what_its_stream_raises(api: str, name: str) -> None:
    stream_error = _stream_error(api, name)
    with pytest.raises(type(stream_error)) as raised:
        decode_body(api, body_path(api, name).read_bytes())  # type: ignore[arg-type]
    assert _error_view(raised.value) == _error_view(stream_error)
    # Its partial is what the body holds (the stream may have delivered text before it failed).
    partial = getattr(raised.value, "partial", None)
    assert partial is not None
    assert not partial.complete


@pytest.mark.parametrize(("api", "name"), ANSWERS)
def test_text_bytes_and_a_parsed_mapping_decode_alike(api: str, name: str) -> None:
    raw = body_path(api, name).read_bytes()
    as_bytes = decode_body(api, raw)  # type: ignore[arg-type]
    assert response_to_dict(decode_body(api, raw.decode())) == response_to_dict(as_bytes)  # type: ignore[arg-type]
    assert response_to_dict(decode_body(api, json.loads(raw))) == response_to_dict(as_bytes)  # type: ignore[arg-type]


def _native_outcome(response: mw.Response) -> tuple[str, object]:
    """The generated model class of ``native`` and the id it holds, or the error validating it."""
    try:
        native = response.native
    except Exception as error:
        return "raises", type(error).__name__
    assert isinstance(native, BaseModel)
    return type(native).__name__, getattr(native, "id", None)


@pytest.mark.parametrize(("api", "name"), ANSWERS)
def test_native_is_the_generated_model_the_stream_gives(api: str, name: str) -> None:
    response = decode_body(api, body_path(api, name).read_bytes())  # type: ignore[arg-type]
    outcome = _native_outcome(response)
    assert outcome == _native_outcome(streamed(api, name))
    if outcome[0] != "raises":
        assert outcome == (
            {"responses": "Response", "chat": "ChatCompletion"}.get(api, "Message"),
            response.id or "",
        )
        assert isinstance(response.usage.native, BaseModel) == bool(response.usage.raw)
