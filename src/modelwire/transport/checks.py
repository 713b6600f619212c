"""What must hold of a base URL and of header values before anything is sent.

Checked when a client is built (and for a call's ``extra_headers`` when the call is built), so a
bad value is a ConfigurationError naming where it came from, instead of an encoding or protocol
error from the HTTP library in the middle of a call, whose message would quote the value (a
header may hold a credential). Messages here never quote a header value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..common.errors import ConfigurationError

#: RFC 9110 token characters: what a header name may be made of.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_USERINFO = re.compile(r"//[^/?#]*@")


def checked_base_url(url: str, *, source: str = "base_url") -> str:
    """``url`` without a trailing slash, or ConfigurationError unless it is an absolute http(s)
    URL with a host (and a numeric port, when it has one) and no whitespace."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(character.isspace() or not character.isprintable() for character in url)
    ):
        shown = _USERINFO.sub("//", url)  # a password in the URL is not repeated
        raise ConfigurationError(
            f"{source} {shown!r} is not an http(s) URL (e.g. https://api.openai.com/v1 or "
            "http://127.0.0.1:8080/v1)"
        )
    return url.rstrip("/")


def checked_headers(headers: Mapping[str, str], *, source: str) -> dict[str, str]:
    """``headers`` with lower-case names, or ConfigurationError naming the first header whose
    name is not an HTTP token or whose value holds a line break, another control character or
    a non-ASCII character (never quoting the value)."""
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ConfigurationError(f"{source}: {name!r} is not a valid HTTP header name")
        if not isinstance(value, str):
            raise ConfigurationError(
                f"{source}: the value of {name!r} must be a string, not {type(value).__name__}"
            )
        problem = _value_problem(value)
        if problem is not None:
            raise ConfigurationError(
                f"{source}: the value of {name!r} holds {problem}, which cannot be sent in an "
                "HTTP header"
            )
        checked[name.lower()] = value
    return checked


def _value_problem(value: str) -> str | None:
    for character in value:
        if " " <= character <= "~" or character == "\t":
            continue
        if character in "\r\n":
            return "a line break"
        if not character.isascii():
            return "a non-ASCII character"
        return "a control character"
    return None
