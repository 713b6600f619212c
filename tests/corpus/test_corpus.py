"""modelwire against real recorded traffic (issue 13, item 6): every recorded stream decodes and
collects under any chunking, `.native` never raises on server data, every payload validates
through its generated model, and what is collected agrees with a plain reading of the payloads.

The records come from `harvest.py` (see `sources.toml`); when they cannot be loaded the module
fails to import, so the session fails rather than running without them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from modelwire.native import chat, messages, responses
from pydantic import BaseModel

import modelwire as mw
from modelwire.apis import wire_api
from modelwire.bodies import decode_body
from modelwire.common.errors import ConfigurationError, class_for_status

from . import harvest, reading
from .harvest import Record

RECORDS = harvest.load()
STREAMS = [r for r in RECORDS if r.streaming]
BODIES = [r for r in RECORDS if not r.streaming]
NATIVE = {"responses": responses, "chat": chat, "messages": messages}


def _ids(records: list[Record]) -> list[str]:
    return [r.id for r in records]


def _chunks(record: Record, chunking: str) -> Iterator[bytes]:
    """The body cut as a network might deliver it; the cuts are the same on every run."""
    body = record.body
    if chunking == "whole":
        yield body
        return
    rng = random.Random(f"{record.id}/{chunking}")
    if chunking == "random-cuts":
        cuts = sorted(rng.sample(range(1, len(body)), min(24, len(body) - 1)))
    else:  # "small-pieces": 1 to 40 bytes each
        cuts, at = [], 0
        while (at := at + rng.randint(1, 40)) < len(body):
            cuts.append(at)
    for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True):
        yield body[start:end]


def _decode(record: Record, chunking: str = "whole") -> tuple[list[mw.Event], mw.Response, bool]:
    """(events, collected response, whether the stream raised an API error).

    A stream in which the server itself reported an error must raise modelwire's typed error,
    carrying what arrived before it; every other stream must decode without any exception.
    """
    events: list[mw.Event] = []
    server_error = reading.read_stream(record.api, record.body).error
    try:
        for event in mw.decode(record.api, _chunks(record, chunking)):
            events.append(event)
    except mw.APIError as error:
        if not server_error:
            raise
        partial = getattr(error, "partial", None)
        assert isinstance(partial, mw.Response)
        return events, partial, True
    assert not server_error, "the server reported an error in this stream; modelwire raised none"
    return events, mw.collect(events), False


@pytest.mark.parametrize("chunking", ["whole", "random-cuts", "small-pieces"])
@pytest.mark.parametrize("record", STREAMS, ids=_ids(STREAMS))
def test_stream_decodes_and_collects(record: Record, chunking: str) -> None:
    events, response, failed = _decode(record, chunking)
    if not failed:
        assert response.complete
    whole_events, whole, _ = _decode(record)
    assert [type(e) for e in events] == [type(e) for e in whole_events]
    assert (response.text, response.reasoning) == (whole.text, whole.reasoning)


@pytest.mark.parametrize("record", STREAMS, ids=_ids(STREAMS))
def test_native_never_raises_on_server_events(record: Record) -> None:
    events, response, _ = _decode(record)
    for event in events:
        assert event.native is not None
    if response.complete:
        assert response.native is not None
        assert response.usage.native is not None


def _model_for(api: str, payload: dict[str, Any]) -> type[BaseModel]:
    module = NATIVE[api]
    if len(module.EVENT_TYPES) == 1:  # Chat: every chunk is one model, whatever its "object" says
        only: type[BaseModel] = next(iter(module.EVENT_TYPES.values()))
        return only
    name = payload.get(module.DISCRIMINATOR)
    model: type[BaseModel] | None = module.EVENT_TYPES.get(name)  # type: ignore[arg-type]
    assert model is not None, f"the {api} schema has no event {name!r}"
    return model


@pytest.mark.parametrize("record", STREAMS, ids=_ids(STREAMS))
def test_every_stream_payload_validates(record: Record) -> None:
    frames = [f for f in reading.frames(record.body) if f.data != b"[DONE]"]
    assert frames
    for frame in frames:
        assert frame.is_json, f"data is not JSON: {frame.data[:80]!r}"
        _model_for(record.api, frame.payload).model_validate(frame.payload)


@pytest.mark.parametrize("record", STREAMS, ids=_ids(STREAMS))
def test_collected_answer_matches_the_payloads(record: Record) -> None:
    expected = reading.read_stream(record.api, record.body)
    _, response, failed = _decode(record)
    assert response.text == expected.text, "collected text is not the text deltas joined"
    calls = {call.id: call.name for call in response.tool_calls}
    found = [(i, calls.get(i)) for i, _ in expected.tool_calls]
    assert found == expected.tool_calls, f"tool calls (id, name): {found} != {expected.tool_calls}"
    if not failed and expected.output_tokens is not None:
        assert response.usage.output_tokens == expected.output_tokens, (
            f"usage.output_tokens is {response.usage.output_tokens}, the payloads say "
            f"{expected.output_tokens}"
        )


def _validates_as_its_model(record: Record) -> None:
    module = NATIVE[record.api]
    model = module.RESPONSE_MODEL if record.success else module.ERROR_MODEL
    model.model_validate_json(record.body)


def _decodes_to_a_response(record: Record) -> None:
    """A success body decodes to a Response whose `.native` holds; an error body raises the typed
    error that its HTTP status names, with the server's own words as the message."""
    if record.success and ((record.request or {}).get("n") or 1) > 1:
        # A recording made with n > 1 choices: the common Response holds one answer and says so.
        with pytest.raises(ConfigurationError, match="n > 1"):
            decode_body(record.api, record.body)
        return
    if record.success:
        response = decode_body(record.api, record.body)
        assert response.native is not None
        assert response.usage.native is not None
        return
    with pytest.raises(mw.APIError) as raised:
        decode_body(record.api, record.body)
    message = raised.value.message
    assert message[:40] in json.dumps(json.loads(record.body), ensure_ascii=False), message
    mapped = wire_api(record.api).error_from_body(record.status, record.body)
    assert isinstance(mapped, class_for_status(record.status)), type(mapped)
    assert (mapped.status, mapped.message) == (record.status, message)


# One check per entry, each run on every recorded JSON body.
BODY_CHECKS: dict[str, Callable[[Record], None]] = {
    "validates-as-its-model": _validates_as_its_model,
    "decode_body": _decodes_to_a_response,
}


@pytest.mark.parametrize("check", list(BODY_CHECKS))
@pytest.mark.parametrize("record", BODIES, ids=_ids(BODIES))
def test_json_body(record: Record, check: str) -> None:
    json.loads(record.body)
    BODY_CHECKS[check](record)


@pytest.mark.parametrize("api", list(NATIVE))
def test_corpus_covers_each_api_streaming_and_not(api: str) -> None:
    forms = {(r.streaming, r.success) for r in RECORDS if r.api == api}
    assert (True, True) in forms
    assert (False, True) in forms


def test_corpus_covers_openai_compatible_hosts() -> None:
    chat_vendors = {r.vendor for r in RECORDS if r.api == "chat"}
    assert {"openai", "azure-openai", "groq", "mistral", "deepseek"} <= chat_vendors
