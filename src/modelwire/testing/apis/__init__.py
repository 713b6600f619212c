"""The emulated wire APIs, one module each (see ``base.EmulatedApi`` for what a module holds).

``EMULATED_APIS`` is the one list of them: the server's routes, route names and 404 shapes all
come from it. Adding an API is its module plus its entry here.
"""

from __future__ import annotations

from . import chat, chatgpt, messages, responses
from .base import EmulatedApi

#: Every emulated API, in the order their routes are matched.
EMULATED_APIS: tuple[EmulatedApi, ...] = (responses.API, chat.API, messages.API, chatgpt.API)

__all__ = ["EMULATED_APIS", "EmulatedApi"]
