"""Responses API errors -> the typed hierarchy: OpenAI's error bodies, shared with the other
OpenAI wire API in :mod:`modelwire.apis.openai_errors`."""

from __future__ import annotations

from ..openai_errors import PROVIDER, error_from_body

__all__ = ["PROVIDER", "error_from_body"]
