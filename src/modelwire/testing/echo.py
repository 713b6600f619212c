"""The default model: a small deterministic "echo" that answers any request of the three APIs.

Each API's request is first read into a neutral :class:`RequestView` (last user text, tool
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


def _text_of(content: Any, text_types: Sequence[str]) -> str:
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


def view_responses(body: Mapping[str, Any]) -> RequestView:
    view = RequestView()
    raw_input = body.get("input")
    items: list[Any] = [raw_input] if isinstance(raw_input, str) else list(raw_input or [])
    names: dict[str, str] = {}
    trailing_outputs: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str):
            view.last_user_text, trailing_outputs = item, []
            continue
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") == "user":
            view.last_user_text = _text_of(item.get("content"), ("input_text",))
            trailing_outputs = []
        elif kind in ("function_call", "custom_tool_call"):
            names[str(item.get("call_id"))] = str(item.get("name"))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            text = output if isinstance(output, str) else _text_of(output, ("input_text",))
            trailing_outputs.append((names.get(str(item.get("call_id")), "tool"), text))
    last = items[-1] if items else None
    if isinstance(last, Mapping) and last.get("type") in (
        "function_call_output",
        "custom_tool_call_output",
    ):
        view.tool_results = trailing_outputs
    for tool in body.get("tools") or []:
        kind = tool.get("type")
        if kind == "function":
            view.tools.append(ToolSpec(str(tool["name"]), tool.get("parameters") or {}))
        elif isinstance(kind, str) and kind.startswith("web_search"):
            view.web_search = True
    choice = body.get("tool_choice")
    if choice == "none":
        view.tool_choice_none = True
    elif choice == "required":
        view.tool_required = True
    elif isinstance(choice, Mapping):
        if choice.get("type") == "function":
            view.forced_tool = str(choice.get("name"))
        elif choice.get("type") == "allowed_tools":
            view.allowed_tools = {str(t.get("name")) for t in choice.get("tools") or []}
            view.tool_required = choice.get("mode") == "required"
    view.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    reasoning = body.get("reasoning")
    view.reasoning = isinstance(reasoning, Mapping) and reasoning.get("effort") != "none"
    text_format = (body.get("text") or {}).get("format") or {}
    if text_format.get("type") == "json_schema":
        view.output_schema = text_format.get("schema") or {}
    view.json_mode = text_format.get("type") == "json_object"
    view.input_tokens = count_input_tokens(body.get("instructions"), raw_input, body.get("tools"))
    view.max_output_tokens = body.get("max_output_tokens")
    return view


def view_chat(body: Mapping[str, Any]) -> RequestView:
    view = RequestView()
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    names: dict[str, str] = {}
    trailing: list[tuple[str, str]] = []
    for message in messages:
        role = message.get("role")
        if role == "user":
            view.last_user_text = _text_of(message.get("content"), ("text",))
            trailing = []
        elif role == "assistant":
            trailing = []
            for call in message.get("tool_calls") or []:
                function = call.get("function") or call.get("custom") or {}
                names[str(call.get("id"))] = str(function.get("name"))
        elif role == "tool":
            text = _text_of(message.get("content"), ("text",))
            trailing.append((names.get(str(message.get("tool_call_id")), "tool"), text))
    if messages and messages[-1].get("role") == "tool":
        view.tool_results = trailing
    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            function = tool.get("function") or {}
            view.tools.append(ToolSpec(str(function.get("name")), function.get("parameters") or {}))
    choice = body.get("tool_choice")
    if choice == "none":
        view.tool_choice_none = True
    elif choice == "required":
        view.tool_required = True
    elif isinstance(choice, Mapping):
        if choice.get("type") == "function":
            view.forced_tool = str((choice.get("function") or {}).get("name"))
        elif choice.get("type") == "allowed_tools":
            allowed = choice.get("allowed_tools") or {}
            view.allowed_tools = {
                str((t.get("function") or {}).get("name")) for t in allowed.get("tools") or []
            }
            view.tool_required = allowed.get("mode") == "required"
    view.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    effort = body.get("reasoning_effort")
    view.reasoning = effort is not None and effort != "none"
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        view.output_schema = (response_format.get("json_schema") or {}).get("schema") or {}
    view.json_mode = response_format.get("type") == "json_object"
    view.input_tokens = count_input_tokens(messages, body.get("tools"))
    limit = body.get("max_completion_tokens")
    view.max_output_tokens = limit if limit is not None else body.get("max_tokens")
    return view


def view_messages(body: Mapping[str, Any]) -> RequestView:
    view = RequestView()
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    names: dict[str, str] = {}
    for message in messages:
        content = message.get("content")
        blocks = content if isinstance(content, list) else []
        if message.get("role") == "assistant":
            for block in blocks:
                if isinstance(block, Mapping) and block.get("type") == "tool_use":
                    names[str(block.get("id"))] = str(block.get("name"))
            continue
        if message.get("role") != "user":
            continue
        results = [b for b in blocks if isinstance(b, Mapping) and b.get("type") == "tool_result"]
        view.tool_results = [
            (
                names.get(str(block.get("tool_use_id")), "tool"),
                _text_of(block.get("content"), ("text",)),
            )
            for block in results
        ]
        text = _text_of(content, ("text",))
        if text or not results:
            view.last_user_text = text
    for tool in body.get("tools") or []:
        kind = tool.get("type")
        if kind in (None, "custom"):
            view.tools.append(ToolSpec(str(tool.get("name")), tool.get("input_schema") or {}))
        elif isinstance(kind, str) and kind.startswith("web_search"):
            view.web_search = True
    choice = body.get("tool_choice") or {}
    view.tool_choice_none = choice.get("type") == "none"
    view.tool_required = choice.get("type") == "any"
    if choice.get("type") == "tool":
        view.forced_tool = str(choice.get("name"))
    view.parallel_tool_calls = not choice.get("disable_parallel_tool_use", False)
    thinking = body.get("thinking") or {}
    view.reasoning = thinking.get("type") in ("enabled", "adaptive")
    output_format = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if isinstance(output_format, Mapping) and output_format.get("type") == "json_schema":
        view.output_schema = output_format.get("schema") or {}
    view.input_tokens = count_input_tokens(body.get("system"), messages, body.get("tools"))
    view.max_output_tokens = body.get("max_tokens")
    return view
