"""The TypedDict views of the wire JSON (``modelwire.native.<api>.wire``) are for the type
checker only: decoding a stream or a body never loads them, so they cost nothing at run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

STREAMS = {
    "responses": (
        b'data: {"type":"response.created","response":{"id":"r1","model":"m"}}\n\n'
        b'data: {"type":"response.output_text.delta","output_index":0,"delta":"Hi"}\n\n'
        b'data: {"type":"response.completed","response":{"id":"r1","status":"completed"}}\n\n'
    ),
    "chat": (
        b'data: {"object":"chat.completion.chunk","id":"c1","model":"m",'
        b'"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}\n\n'
        b"data: [DONE]\n\n"
    ),
    "messages": (
        b'data: {"type":"message_start","message":{"id":"m1","model":"m","usage":{}}}\n\n'
        b'data: {"type":"content_block_start","index":0,'
        b'"content_block":{"type":"text","text":""}}\n\n'
        b'data: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"Hi"}}\n\n'
        b'data: {"type":"content_block_stop","index":0}\n\n'
        b'data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{}}\n\n'
        b'data: {"type":"message_stop"}\n\n'
    ),
}


def test_decoding_streams_and_bodies_never_imports_the_wire_views() -> None:
    code = f"""
import sys
from pathlib import Path
import modelwire as mw

streams = {STREAMS!r}
for api, body in streams.items():
    events = list(mw.decode(api, [body]))
    assert mw.collect(events).text == "Hi", api
    events[-1].native  # validation loads the pydantic models, never the views
for api in streams:
    mw.decode_body(api, Path({str(FIXTURES)!r}, "body", api, "plain_text.json").read_bytes())
loaded = sorted(name for name in sys.modules if name.endswith(".wire") and ".native." in name)
assert not loaded, loaded
assert "modelwire.native.messages.models" in sys.modules
print("ok")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"
