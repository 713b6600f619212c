"""A prompt as a ``streamGenerateContent`` body; the model goes into the URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelwire.common.items import Message
from modelwire.common.prompt import Prompt


@dataclass(slots=True, kw_only=True)
class GeminiOptions:
    """The API's own request fields (``topK`` and the like would go here)."""


def build_body(prompt: Prompt, options: GeminiOptions | None, *, stream: bool) -> dict[str, Any]:
    contents = [
        {"role": "user" if item.role == "user" else "model", "parts": [{"text": item.text}]}
        for item in prompt.input
        if isinstance(item, Message) and item.role in ("user", "assistant")
    ]
    body: dict[str, Any] = {"model": prompt.model, "contents": contents}
    if prompt.instructions:
        body["systemInstruction"] = {"role": "user", "parts": [{"text": prompt.instructions}]}
    config: dict[str, Any] = {}
    if prompt.max_output_tokens is not None:
        config["maxOutputTokens"] = prompt.max_output_tokens
    if prompt.temperature is not None:
        config["temperature"] = prompt.temperature
    if config:
        body["generationConfig"] = config
    return body


def url(endpoint: str, body: dict[str, Any], stream: bool) -> str:
    """``<endpoint>/models/<model>:streamGenerateContent?alt=sse``: the model leaves the body."""
    model = body.pop("model")
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    return f"{endpoint}/models/{model}:{action}"
