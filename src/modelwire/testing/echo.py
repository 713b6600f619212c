"""The default model: a small deterministic "echo" that answers any request of the three APIs.

Each API's module reads its request into a neutral :class:`RequestView` (last user text, tool
results, tools, reasoning and output settings), then :func:`answer` turns the view into a
:class:`~modelwire.testing.script.Script`:

- a tool result in the last turn -> text quoting the tool output;
- tools given and the user says "use <tool>" (or a tool is forced) -> tool calls, arguments filled
  from the tool's JSON schema ("use a and b" -> parallel calls);
- a web search tool given and the user says "search" -> a hosted search, then cited text;
- a structured output schema -> a JSON object built from the schema;
- otherwise -> "You said: <the last user message>".

Reasoning comes first whenever the request enables it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .script import (
    Citation,
    Part,
    ReasoningPart,
    Script,
    TextPart,
    ToolCallPart,
    WebSearchPart,
    default_search_results,
    word_count,
)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    schema: Mapping[str, Any]


@dataclass
class RequestView:
    """What the echo model needs to know about a request, whatever its API."""

    last_user_text: str = ""
    tool_results: list[tuple[str, str]] = field(default_factory=list)  # (tool name, output)
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice_none: bool = False
    tool_required: bool = False
    forced_tool: str | None = None
    allowed_tools: set[str] | None = None
    parallel_tool_calls: bool = True
    web_search: bool = False
    reasoning: bool = False
    output_schema: Mapping[str, Any] | None = None
    json_mode: bool = False
    input_tokens: int = 0
    max_output_tokens: int | None = None


# -- the model ------------------------------------------------------------------------------------


def answer(view: RequestView) -> Script:
    text = view.last_user_text
    calls = [] if view.tool_results else _chosen_tools(view)
    searching = (
        view.web_search
        and not view.tool_results
        and not calls
        and re.search(r"\bsearch", text, re.IGNORECASE) is not None
    )
    parts: list[Part] = []
    if view.reasoning:
        parts.append(_reasoning(view, calls))
        if "redacted" in text.lower():
            parts.append(ReasoningPart("", (), redacted=True))
    if view.tool_results:
        quoted = "\n".join(
            f"The tool {name} returned: {output}" for name, output in view.tool_results
        )
        parts.append(TextPart(quoted))
    elif calls:
        parts.extend(ToolCallPart(tool.name, sample_arguments(tool.schema)) for tool in calls)
    elif searching:
        query = _search_query(text)
        results = default_search_results(query)
        parts.append(WebSearchPart(query, results))
        first = results[0]
        cited = f"{query} is covered by {first.title}."
        parts.append(
            TextPart(
                f"Here is what I found: {cited}",
                (Citation(first.url, first.title, cited),),
            )
        )
    elif view.output_schema is not None:
        value = sample_value(view.output_schema, "", view.output_schema, all_properties=True)
        parts.append(TextPart(json.dumps(value)))
    elif view.json_mode:
        parts.append(TextPart(json.dumps({"echo": text})))
    else:
        parts.append(TextPart(f"You said: {text}" if text else "You said nothing."))
    return within_budget(Script(parts=tuple(parts)), view.max_output_tokens)


def _reasoning(view: RequestView, calls: Sequence[ToolSpec]) -> ReasoningPart:
    words = word_count(view.last_user_text)
    if view.tool_results:
        plan = "I will report what the tool returned."
    elif calls:
        plan = f"I should call {' and '.join(tool.name for tool in calls)}."
    else:
        plan = "I will echo it back."
    first = f"**Reading the message**\n\nThe user wrote {words} words."
    second = f"**Planning the answer**\n\n{plan}"
    return ReasoningPart(f"The user wrote {words} words. {plan}", (first, second))


def _search_query(text: str) -> str:
    match = re.search(r"\bsearch(?:\s+(?:for|the web for))?\s+(.+)", text, re.IGNORECASE)
    query = (match.group(1) if match else text).strip().rstrip("?.!")
    return query or "the web"


def _chosen_tools(view: RequestView) -> list[ToolSpec]:
    if view.tool_choice_none or not view.tools:
        return []
    tools = [t for t in view.tools if view.allowed_tools is None or t.name in view.allowed_tools]
    by_name = {tool.name: tool for tool in tools}
    if view.forced_tool is not None:
        forced = by_name.get(view.forced_tool)
        return [forced] if forced is not None else []
    chosen = _mentioned(view.last_user_text, tools)
    if not chosen and view.tool_required and tools:
        chosen = [tools[0]]
    if not view.parallel_tool_calls:
        chosen = chosen[:1]
    return chosen


def _mentioned(text: str, tools: Iterable[ToolSpec]) -> list[ToolSpec]:
    """Tools named after the word "use", in the order the user named them."""
    use = re.search(r"\buse\b", text, re.IGNORECASE)
    if use is None:
        return []
    rest = text[use.end() :]
    found: list[tuple[int, ToolSpec]] = []
    for tool in tools:
        match = re.search(rf"(?<![\w-]){re.escape(tool.name)}(?![\w-])", rest)
        if match is not None:
            found.append((match.start(), tool))
    return [tool for _, tool in sorted(found, key=lambda pair: pair[0])]


def within_budget(script: Script, limit: int | None) -> Script:
    """Cut the text to fit ``limit`` tokens (words); the turn then stops at max_tokens."""
    if limit is None:
        return script
    used = 0
    parts: list[Part] = []
    truncated = False
    for part in script.parts:
        if isinstance(part, TextPart):
            words = part.text.split(" ")
            room = max(limit - used, 0)
            if word_count(part.text) > room:
                kept = " ".join(words[:room])
                truncated = True
                if kept:
                    parts.append(TextPart(kept, part.citations))
                used = limit
                continue
            used += word_count(part.text)
        elif isinstance(part, ReasoningPart):
            used += word_count(part.text)
        parts.append(part)
    if not truncated:
        return script
    return Script(parts=tuple(parts), stop="max_tokens", faults=script.faults)


# -- sample values from JSON schemas -------------------------------------------------------------


def sample_arguments(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments for a tool: its required properties, filled with sample values by type."""
    value = sample_value(schema, "", schema, all_properties=False)
    return value if isinstance(value, dict) else {}


def sample_value(
    schema: Any, name: str, root: Mapping[str, Any], *, all_properties: bool, depth: int = 0
) -> Any:
    """A deterministic value that satisfies the common JSON Schema keywords of ``schema``."""
    if not isinstance(schema, Mapping) or depth > 12:
        return f"sample {name}".strip()
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            usable = [
                o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")
            ]
            chosen = usable[0] if usable else options[0]
            return sample_value(chosen, name, root, all_properties=all_properties, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "string":
        return _sample_string(name, schema.get("format"))
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        item = sample_value(
            schema.get("items", {}), name, root, all_properties=all_properties, depth=depth + 1
        )
        return [item] * count
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    required = schema.get("required")
    if all_properties:
        names = list(properties)
    else:
        names = [str(key) for key in required] if isinstance(required, list) else []
    return {
        key: sample_value(
            properties.get(key, {}), key, root, all_properties=all_properties, depth=depth + 1
        )
        for key in names
    }


def _sample_string(name: str, format_: Any) -> str:
    formats = {
        "date": "2025-01-01",
        "date-time": "2025-01-01T00:00:00Z",
        "time": "00:00:00",
        "email": "user@example.com",
        "uri": "https://example.com",
        "url": "https://example.com",
        "uuid": "00000000-0000-4000-8000-000000000000",
    }
    if isinstance(format_, str) and format_ in formats:
        return formats[format_]
    return f"sample {name}".strip() if name else "sample"


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local ``$ref`` pointers (``#/$defs/X``, ``#/definitions/X``)."""
    seen = 0
    while "$ref" in schema and seen < 8:
        ref = schema["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        target: Any = root
        for key in ref[2:].split("/"):
            target = target.get(key) if isinstance(target, Mapping) else None
        if not isinstance(target, Mapping):
            return schema
        schema = target
        seen += 1
    return schema


# -- reading requests -----------------------------------------------------------------------------

#: Keys whose string values are not text the model reads (ids, enums, opaque blobs).
_NOT_TEXT = frozenset(
    {
        "type",
        "role",
        "id",
        "call_id",
        "tool_use_id",
        "tool_call_id",
        "signature",
        "encrypted_content",
        "data",
        "status",
        "model",
        "media_type",
        "url",
        "image_url",
        "file_id",
    }
)


def count_input_tokens(*values: Any) -> int:
    """Words of every text in the request parts given (message contents, instructions, tools)."""
    total = 0

    def walk(value: Any) -> None:
        nonlocal total
        if isinstance(value, str):
            total += word_count(value)
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                if key not in _NOT_TEXT:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for value in values:
        walk(value)
    return max(total, 1)


def text_of(content: Any, text_types: Sequence[str]) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") in text_types
        ]
        return "\n".join(texts)
    return ""
