"""Sign-ins the token server has rejected, as the CLI saw them, so ``auth status`` can say so.

The auth layer raises :class:`~modelwire.auth.LoginRequiredError` when the token server refuses a
refresh, but it leaves the stored tokens as they were and ``auth.status()`` has no field for the
refusal: read from the store alone, a dead sign-in looks "valid for 52 min". Until the auth layer
records refusals itself, the CLI keeps a note beside the store (``$MODELWIRE_HOME/
rejected-sign-ins.json``, no secret in it): which sign-in (its account and access-token expiry,
which change with every login and refresh) was refused, when, and why. A note stops applying as
soon as the stored sign-in is another one, and login and logout remove it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from ..auth import AuthStatus, LoginRequiredError

FILE_NAME = "rejected-sign-ins.json"


def _path() -> Path:
    from ..auth.store import modelwire_home

    return modelwire_home() / FILE_NAME


def _read() -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _write(notes: dict[str, dict[str, Any]]) -> None:
    path = _path()
    if not notes:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(notes, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def _identity(record: AuthStatus) -> dict[str, Any]:
    return {"account": record.account_id or record.email, "expires_at": record.expires_at}


def was_rejected_by_token_server(error: BaseException) -> TypeGuard[LoginRequiredError]:
    """A LoginRequiredError with a status is the token server's refusal (without one, there
    was simply no usable sign-in in the store)."""
    from ..auth.errors import LoginRequiredError

    return isinstance(error, LoginRequiredError) and error.status is not None


def note_if_rejected(error: BaseException) -> None:
    """Remember that the stored sign-in was refused, if that is what ``error`` says."""
    if was_rejected_by_token_server(error):
        note(error)


def note(error: LoginRequiredError) -> None:
    """Remember that the stored sign-in of ``error.provider`` was refused."""
    from ..auth import status

    provider = error.provider or ""
    current = next((r for r in status() if r.provider == provider and r.available), None)
    if current is None:
        return  # nothing stored any more: `auth status` already says "not signed in"
    notes = _read()
    notes[provider] = {**_identity(current), "at": time.time(), "reason": error.message}
    with contextlib.suppress(OSError):  # a note that cannot be kept must not hide the error
        _write(notes)


def forget(provider: str | None) -> None:
    """Drop the note of ``provider`` (None: every note): it signed in again or logged out."""
    notes = _read()
    remaining = {} if provider is None else {k: v for k, v in notes.items() if k != provider}
    if remaining != notes:
        with contextlib.suppress(OSError):
            _write(remaining)


def rejection(record: AuthStatus) -> str | None:
    """Why the token server refused the sign-in ``record`` describes, if the CLI saw it do so."""
    if not record.available:
        return None
    found = _read().get(record.provider)
    if found is None or {k: found.get(k) for k in ("account", "expires_at")} != _identity(record):
        return None
    reason = found.get("reason")
    return reason if isinstance(reason, str) else "rejected by the token server"
