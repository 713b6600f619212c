"""The ``modelwire`` logger and ``MODELWIRE_LOG``, the switch the official SDKs call OPENAI_LOG
and ANTHROPIC_LOG.

``MODELWIRE_LOG=info`` shows one line per answer (method, URL, attempt, status, request id, time
to the headers), each retry and its wait, and the end of each call with its duration;
``MODELWIRE_LOG=debug`` adds the request itself (header names, body size) and the auth layer's
refreshes. The variable is read when the first client is built; an application that has put a
handler on the ``modelwire`` logger itself keeps its own configuration.

What is logged never holds a secret: header values are not logged at all (only their names),
and a URL's password and secret-looking query values are replaced (:func:`redacted_url`).
Records carry their facts as attributes too (``extra``): ``attempt``, ``status``,
``request_id``, ``elapsed``, and on a retry record ``retry_delay`` (seconds) and
``retry_reason``, so a handler (the CLI's countdown) never parses the text.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable

#: The environment variable that turns the log on (its one home).
LOG_ENV = "MODELWIRE_LOG"
LOGGER_NAME = "modelwire"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
LOG_FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"

#: Query parameters whose values may be credentials (``?key=`` of some gateways, signed URLs).
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:[^=&#]*(?:key|token|secret|password|passwd|sig|signature|auth|code)[^=&#]*)=)"
    r"[^&#]*"
)
_USERINFO = re.compile(r"(//)[^/?#@]*@")

log = logging.getLogger(LOGGER_NAME)


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler MODELWIRE_LOG installs (a class of its own, so it is installed once)."""


def configure_from_env() -> None:
    """Apply ``MODELWIRE_LOG`` (``debug`` or ``info``, any case) to the ``modelwire`` logger: its
    level, and a stderr handler unless the logger already has one. Any other value, or none,
    leaves logging as it is. Safe to call any number of times."""
    value = os.environ.get(LOG_ENV, "").strip().lower()
    level = LEVELS.get(value)
    if level is None:
        return
    if log.handlers:
        if any(isinstance(handler, _EnvHandler) for handler in log.handlers):
            log.setLevel(level)
        return  # configured by the application (or the CLI's --verbose): left as it is
    handler = _EnvHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    log.addHandler(handler)
    log.setLevel(level)


def redacted_url(url: str) -> str:
    """``url`` as it may be logged: no password, no secret-looking query value."""
    return _SECRET_QUERY.sub(r"\1<redacted>", _USERINFO.sub(r"\1<redacted>@", url))


def header_names(headers: Iterable[str]) -> str:
    """The names of the headers sent, sorted: their values are never logged."""
    return ", ".join(sorted(name.lower() for name in headers))
