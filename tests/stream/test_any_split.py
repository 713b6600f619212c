"""Every stream fixture decodes the same however its bytes are split, sync or async."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import modelwire as mw
from modelwire.common.serialize import event_to_dict

from ..support import all_stream_cases, run_decode, split_at, sse_body

CASES = all_stream_cases()


@pytest.mark.parametrize(("api", "name"), CASES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_split_of_a_fixture_gives_the_same_outcome(
    api: str, name: str, data: st.DataObject
) -> None:
    body = sse_body(api, name)
    cuts = data.draw(
        st.lists(st.integers(min_value=1, max_value=max(1, len(body) - 1)), max_size=20)
    )
    assert run_decode(api, split_at(body, cuts)) == run_decode(api, [body])


@pytest.mark.parametrize(("api", "name"), CASES)
def test_byte_by_byte_gives_the_same_outcome(api: str, name: str) -> None:
    body = sse_body(api, name)
    assert run_decode(api, [body[i : i + 1] for i in range(len(body))]) == run_decode(api, [body])


async def _achunks(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


async def _adecode_all(api: str, chunks: list[bytes]) -> list[dict[str, object]]:
    return [event_to_dict(e) async for e in mw.adecode(api, _achunks(chunks))]  # type: ignore[arg-type]


@pytest.mark.parametrize(("api", "name"), CASES)
def test_adecode_yields_what_decode_yields(api: str, name: str) -> None:
    body = sse_body(api, name)
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    expected = run_decode(api, [body])
    if "error" in expected:
        with pytest.raises(mw.ModelwireError):
            asyncio.run(_adecode_all(api, chunks))
    else:
        assert asyncio.run(_adecode_all(api, chunks)) == expected["events"]


def _long_text_body(api: str, n: int) -> list[bytes]:
    from bench.streams import BODIES, chunks

    return chunks(BODIES[api]["text"](n))


@pytest.mark.parametrize("api", ["responses", "chat", "messages"])
def test_decoding_100k_events_holds_constant_memory(api: str) -> None:
    chunks = _long_text_body(api, 100_000)
    tracemalloc.start()
    try:
        count = sum(1 for _ in mw.decode(api, chunks))  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count >= 100_000
    # The collector keeps the text (about 1 MB here); the bound is generous but O(1) in events.
    assert peak < 5 * 1024 * 1024
