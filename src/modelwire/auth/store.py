"""Credential stores: where API keys and OAuth tokens live between runs.

Each provider (``openai``, ``anthropic``, ``chatgpt``, ``claude``) has at most one record, a JSON
object: ``{"type": "api_key", "api_key": ...}`` or ``{"type": "oauth", "access_token": ...,
"refresh_token": ..., ...}`` (see :class:`~modelwire.auth.tokens.TokenSet`).

* :class:`FileStore` — ``$MODELWIRE_HOME/auth.json`` (default ``~/.modelwire/auth.json``): mode
  0600 in a 0700 folder, written by atomic replace under a cross-process lock (``auth.json.lock``).
* :class:`KeyringStore` — the OS keyring (service ``modelwire``, one JSON entry per provider).
* :class:`MemoryStore` — a dict, for tests and short-lived programs.

``MODELWIRE_AUTH_STORE`` picks one (``file``, ``keyring``, ``auto``, ``memory``; default ``auto``:
the keyring when a real OS secret store is available, else the file).

Every store has :meth:`CredentialStore.lock`: held while a refresh reads, spends and replaces a
rotating refresh token, so two processes never spend the same one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from ..wire.json import JSONDecodeError, dumps, loads
from .errors import CredentialStoreError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger("modelwire.auth")

STORE_MODES = ("file", "keyring", "auto", "memory")
KEYRING_SERVICE = "modelwire"
FILE_FORMAT_VERSION = 1
# How long a store operation waits for another process holding the lock (a refresh takes well
# under this; a stale lock from a killed process is released by the OS with its file handle).
LOCK_TIMEOUT = 60.0


def modelwire_home() -> Path:
    """``$MODELWIRE_HOME``, default ``~/.modelwire``."""
    home = os.environ.get("MODELWIRE_HOME")
    return Path(home).expanduser() if home else Path.home() / ".modelwire"


def known_providers() -> tuple[str, ...]:
    """The services a store keeps records for: the services table (built-in and registered)."""
    from ..services import service_names

    return service_names()


def _check_provider(provider: str) -> None:
    names = known_providers()
    if provider not in names:
        raise ValueError(f"unknown provider {provider!r}: expected one of {', '.join(names)}")


def rejection(record: dict[str, Any]) -> tuple[float, str] | None:
    """When and why the token server refused this stored sign-in's refresh, if it did (see
    :func:`mark_rejected`)."""
    at, reason = record.get("rejected_at"), record.get("rejected_reason")
    if isinstance(at, int | float) and not isinstance(at, bool):
        return float(at), reason if isinstance(reason, str) else "rejected by the token server"
    return None


def mark_rejected(store: CredentialStore, provider: str, reason: str) -> None:
    """Record in the stored sign-in that the token server refused it (when, and ``reason``: no
    secret), so ``status()`` shows it as rejected instead of "valid for 52 min". A new login or
    a refresh replaces the record and with it the mark; logout removes both. Failing to write
    the mark is logged, never raised: it must not hide the refusal itself."""
    import time

    try:
        with store.lock():
            record = store.load(provider)
            if record is None or record.get("type") != "oauth":
                return
            store.save(provider, {**record, "rejected_at": time.time(), "rejected_reason": reason})
    except CredentialStoreError as error:
        log.warning("could not record the %s sign-in as rejected: %s", provider, error)


# One FileLock object per lock file in this process: filelock is re-entrant per object (and per
# thread), so a refresh that holds the lock can call ``save`` without deadlocking on itself.
_FILE_LOCKS: dict[str, FileLock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


def _file_lock(path: Path) -> FileLock:
    key = str(path.resolve())
    with _FILE_LOCKS_GUARD:
        lock = _FILE_LOCKS.get(key)
        if lock is None:
            lock = _FILE_LOCKS[key] = FileLock(key, timeout=LOCK_TIMEOUT, mode=0o600)
        return lock


#: The fields a record may carry and the JSON types each must have (others are kept as they are).
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "api_key": (str,),
    "access_token": (str,),
    "refresh_token": (str,),
    "id_token": (str,),
    "account_id": (str,),
    "email": (str,),
    "plan": (str,),
    "organization": (str,),
    "source": (str,),
    "expires_at": (int, float, str),  # seconds, milliseconds or ISO-8601 (Codex writes strings)
    "last_refresh": (int, float, str),
    "scopes": (list,),
    "rejected_at": (int, float),
    "rejected_reason": (str,),
}
_JSON_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return _JSON_NAMES.get(type(value), type(value).__name__)


def record_problem(record: object) -> str | None:
    """What is wrong with a record's shape (None when nothing): not an object, or a known field
    with the wrong JSON type. Names fields and types only, never values."""
    if not isinstance(record, dict):
        return f"it is {_json_type(record)}, not an object"
    for name, allowed in _FIELD_TYPES.items():
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, allowed):
            wanted = " or ".join(dict.fromkeys(_json_type(kind()) for kind in allowed))
            return f"its {name!r} is {_json_type(value)}, not {wanted}"
    scopes = record.get("scopes")
    if isinstance(scopes, list) and not all(isinstance(scope, str) for scope in scopes):
        return "its 'scopes' holds something other than strings"
    return None


def _version_shown(version: object) -> str:
    """A file's format version for an error: a number as it is, anything else by its JSON type
    only (a hand-edited file may hold a key where the version belongs)."""
    if isinstance(version, int) and not isinstance(version, bool):
        return str(version)
    return _json_type(version)


def _name_shown(name: str) -> str:
    """A provider name read from a file, for an error: a known one quoted, any other text not
    (it may be a pasted key, or megabytes)."""
    return repr(name) if name in known_providers() else "a provider of an unknown name"


def _copied(record: dict[str, Any], location: str, provider: str) -> dict[str, Any]:
    """A deep copy of a record to save, checked: right field types, JSON-serialisable."""
    problem = record_problem(record)
    if problem is None:
        try:
            copy: dict[str, Any] = loads(dumps(record))
            return copy
        except (TypeError, JSONDecodeError):  # orjson.JSONEncodeError is a TypeError
            problem = "it is not JSON (a value of another type, or nested too deep)"
    raise CredentialStoreError(
        f"refusing to save the {provider} record in {location}: {problem}", location=location
    )


def _not_a_folder(folder: Path) -> Path | None:
    """The first existing ancestor of ``folder`` (itself included) that is not a folder."""
    for candidate in (folder, *folder.parents):
        if candidate.exists() or candidate.is_symlink():
            return None if candidate.is_dir() else candidate
    return None


def _folder_error(
    folder: Path, location: str, error: OSError | None = None
) -> CredentialStoreError:
    blocker = _not_a_folder(folder)
    if blocker is not None:
        reason = f"{blocker} is a file, not a folder (check MODELWIRE_HOME)"
    else:
        reason = error.strerror if error is not None and error.strerror else "cannot create it"
    return CredentialStoreError(
        f"the credential store folder {folder} is unusable: {reason}", location=location
    )


def _check_private(path: Path, location: str, *, folder: bool) -> None:
    """Report, tighten or refuse an existing credentials folder or file that others may use.

    Writable by every user: refused (anyone could have put other credentials there, or can swap
    them later). Owned by another user: reported (once per path and mode), whatever its mode,
    and left alone. Readable or writable by the group or others: tightened to 0700/0600, with a
    warning naming the path. Nothing to check on systems without POSIX permissions, or when the
    path does not exist yet.
    """
    if os.name != "posix":
        return
    try:
        info = os.stat(path)
    except OSError:
        return  # missing (created private later) or unreadable (reported by whoever reads it)
    mode = stat.S_IMODE(info.st_mode)
    kind = "folder" if folder else "file"
    private = 0o700 if folder else 0o600
    if mode & stat.S_IWOTH:
        raise CredentialStoreError(
            f"the credential store {kind} {path} is writable by every user on this machine "
            f"(mode {mode:04o}), so anyone could have changed what is in it; modelwire will not "
            f"use it. Check it, then `chmod {private:o} {path}` (or set MODELWIRE_HOME to a "
            "private folder)",
            location=location,
        )
    if info.st_uid != os.getuid():
        # Its owner can read and change the credentials whatever the mode (a store made with
        # sudo, or MODELWIRE_HOME pointing into someone else's home): say so, change nothing.
        if (str(path), mode) not in _REPORTED:
            _REPORTED.add((str(path), mode))
            log.warning(
                "the credential store %s %s belongs to another user (uid %d, mode %04o), who "
                "can read and change it; modelwire cannot make it private, only its owner can",
                kind,
                path,
                info.st_uid,
                mode,
            )
        return
    if not mode & 0o077:
        return
    try:
        os.chmod(path, private)
    except OSError as error:
        raise CredentialStoreError(
            f"the credential store {kind} {path} can be read or written by others (mode "
            f"{mode:04o}) and cannot be made private: {error.strerror or type(error).__name__}",
            location=location,
        ) from None
    log.warning(
        "the credential store %s %s could be read or written by others (mode %04o); "
        "modelwire made it private (%04o)",
        kind,
        path,
        mode,
        private,
    )


# (path, mode) pairs already reported as someone else's: said once per process, not per read.
_REPORTED: set[tuple[str, int]] = set()


def _make_private_dir(folder: Path, location: str) -> None:
    if folder.is_dir():
        _check_private(folder, location, folder=True)
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkdir's mode is filtered by the umask; say exactly what we mean.
        os.chmod(folder, 0o700)
    except OSError as error:  # a file in the way (FileExistsError, NotADirectoryError), EACCES
        raise _folder_error(folder, location, error) from None


@contextlib.contextmanager
def _held(lock: FileLock, location: str) -> Iterator[None]:
    try:
        lock.acquire()
    except Timeout:
        raise CredentialStoreError(
            f"the credential store {location} stayed locked for {LOCK_TIMEOUT:.0f}s by another "
            f"process (lock file {lock.lock_file}); wait for it to finish, or stop it",
            location=location,
        ) from None
    except OSError as error:
        raise CredentialStoreError(
            f"cannot lock the credential store {location} (lock file {lock.lock_file}): "
            f"{error.strerror or type(error).__name__}",
            location=location,
        ) from None
    try:
        yield
    finally:
        lock.release()


class CredentialStore(ABC):
    """Where credentials live. Records are plain JSON objects, one per provider."""

    kind: str = ""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the store is, for messages (a path or a keyring service; never a secret)."""

    @abstractmethod
    def load(self, provider: str) -> dict[str, Any] | None:
        """The provider's record, re-read from the backing store on every call."""

    @abstractmethod
    def save(self, provider: str, record: dict[str, Any]) -> None:
        """Replace the provider's record."""

    @abstractmethod
    def delete(self, provider: str) -> bool:
        """Remove the provider's record; False when there was none."""

    @abstractmethod
    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Exclusive across threads and processes that use the same store (re-entrant)."""

    def providers(self) -> list[str]:
        """Providers with a record, in :func:`known_providers` order."""
        return [p for p in known_providers() if self.load(p) is not None]

    def api_key(self, provider: str) -> str | None:
        """The saved API key of ``openai`` or ``anthropic``, if any."""
        record = self.load(provider)
        if record is None or record.get("type") != "api_key":
            return None
        key = record.get("api_key")
        return key if isinstance(key, str) and key else None

    def available_providers(self) -> list[str]:
        """Providers with usable stored credentials, in the order ``Client.from_env`` prefers:
        the API keys first, then the sign-ins."""
        found = []
        for provider in known_providers():
            record = self.load(provider)
            if record is None:
                continue
            secret = {"api_key": "api_key", "oauth": "refresh_token"}.get(str(record.get("type")))
            usable = secret is not None and isinstance(record.get(secret), str) and record[secret]
            if usable and rejection(record) is None:  # a sign-in the token server refused is dead
                found.append(provider)
        return found

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"


class MemoryStore(CredentialStore):
    """Credentials in a dict: for tests and programs that log in every run."""

    kind = "memory"

    def __init__(self) -> None:
        self._records: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()

    @property
    def location(self) -> str:
        return "memory"

    def load(self, provider: str) -> dict[str, Any] | None:
        _check_provider(provider)
        with self._lock:
            record = self._records.get(provider)
            return _copied(record, self.location, provider) if record is not None else None

    def save(self, provider: str, record: dict[str, Any]) -> None:
        _check_provider(provider)
        with self._lock:
            self._records[provider] = _copied(record, self.location, provider)

    def delete(self, provider: str) -> bool:
        _check_provider(provider)
        with self._lock:
            return self._records.pop(provider, None) is not None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return self._locked()


class FileStore(CredentialStore):
    """``auth.json`` (mode 0600, folder 0700), replaced atomically under ``auth.json.lock``.

    The file is ``{"version": 1, "providers": {"<provider>": {...record...}}}``. A file that does
    not parse is reported with :class:`CredentialStoreError` and left exactly as it is.
    """

    kind = "file"

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else modelwire_home() / "auth.json"
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    @property
    def location(self) -> str:
        return str(self.path)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        _make_private_dir(self.path.parent, self.location)
        return _held(_file_lock(self.lock_path), self.location)

    def _corrupt(self, what: str) -> CredentialStoreError:
        return CredentialStoreError(
            f"the credential store {self.path} is unreadable: {what}. modelwire will not overwrite "
            f"it; fix it, or move it aside and run `modelwire login <provider>` again "
            f"(or set MODELWIRE_AUTH_STORE to another store)",
            location=self.location,
        )

    def _read(self) -> dict[str, dict[str, Any]]:
        if self.path.parent.is_dir():
            _check_private(self.path.parent, self.location, folder=True)
        _check_private(self.path, self.location, folder=False)
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except NotADirectoryError as error:
            raise _folder_error(self.path.parent, self.location, error) from None
        except IsADirectoryError:
            raise self._corrupt("it is a folder, not a file") from None
        except OSError as error:
            raise CredentialStoreError(
                f"cannot read the credential store {self.path}: {error.strerror}. Check its owner "
                f"and permissions (it should be yours, mode 0600)",
                location=self.location,
            ) from None
        if not raw.strip():
            raise self._corrupt("the file is empty")
        try:
            data = loads(raw)
        except JSONDecodeError as error:
            # The parser's reason names a position only, never the text (it may hold secrets).
            raise self._corrupt(f"it is not valid JSON ({error})") from None
        if not isinstance(data, dict) or not isinstance(data.get("providers", {}), dict):
            raise self._corrupt('expected {"version": 1, "providers": {...}}')
        version = data.get("version", FILE_FORMAT_VERSION)
        if version != FILE_FORMAT_VERSION:
            raise self._corrupt(
                f"it has format version {_version_shown(version)}, this modelwire reads version "
                f"{FILE_FORMAT_VERSION} (was it written by a newer modelwire?)"
            )
        providers: dict[str, dict[str, Any]] = {}
        for name, record in data.get("providers", {}).items():
            if not isinstance(record, dict):
                raise self._corrupt(f"the entry for {_name_shown(name)} is not an object")
            problem = record_problem(record)
            if problem is not None:
                raise self._corrupt(f"the entry for {_name_shown(name)} is malformed: {problem}")
            providers[name] = record
        return providers

    def _write(self, providers: dict[str, dict[str, Any]]) -> None:
        try:
            self._replace(providers)
        except OSError as error:
            raise CredentialStoreError(
                f"cannot write the credential store {self.path}: "
                f"{error.strerror or type(error).__name__}",
                location=self.location,
            ) from None

    def _replace(self, providers: dict[str, dict[str, Any]]) -> None:
        folder = self.path.parent
        _make_private_dir(folder, self.location)
        data = json.dumps(
            {"version": FILE_FORMAT_VERSION, "providers": providers}, indent=2, sort_keys=True
        ).encode()
        # Writers hold the lock, so a temp file left here is from a writer that died mid-write
        # (its secrets should not linger).
        for stale in folder.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()
        # mkstemp creates the file 0600 in the same folder, so os.replace is atomic and the new
        # file never exists with looser permissions, even for an instant.
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def load(self, provider: str) -> dict[str, Any] | None:
        _check_provider(provider)
        return self._read().get(provider)

    def load_all(self) -> dict[str, dict[str, Any]]:
        return self._read()

    def save(self, provider: str, record: dict[str, Any]) -> None:
        _check_provider(provider)
        record = _copied(record, self.location, provider)
        with self.lock():
            providers = self._read()  # raises, rather than overwrite a file it cannot read
            providers[provider] = record
            self._write(providers)

    def delete(self, provider: str) -> bool:
        _check_provider(provider)
        with self.lock():
            providers = self._read()
            if provider not in providers:
                return False
            del providers[provider]
            self._write(providers)
            return True

    def providers(self) -> list[str]:
        present = self._read()
        return [p for p in known_providers() if p in present]


class KeyringStore(CredentialStore):
    """The OS keyring: service ``modelwire``, user name = provider, password = the record's JSON.

    ``backend`` is a keyring backend object (default: ``keyring.get_keyring()``). Keyrings have no
    locks, so a lock file in ``$MODELWIRE_HOME`` (``keyring.lock``) serializes refreshes across
    processes.
    """

    kind = "keyring"

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        service: str = KEYRING_SERVICE,
        lock_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if backend is None:
            import keyring

            backend = keyring.get_keyring()
        self.backend = backend
        self.service = service
        self.lock_path = (
            Path(lock_path) if lock_path is not None else modelwire_home() / "keyring.lock"
        )

    @property
    def location(self) -> str:
        return f"keyring service {self.service!r} ({type(self.backend).__name__})"

    def lock(self) -> contextlib.AbstractContextManager[None]:
        _make_private_dir(self.lock_path.parent, self.location)
        return _held(_file_lock(self.lock_path), self.location)

    def _failure(self, action: str, provider: str, error: Exception) -> CredentialStoreError:
        return CredentialStoreError(
            f"cannot {action} the {provider} entry in the {self.location}: "
            f"{type(error).__name__}. Unlock the keyring, or set MODELWIRE_AUTH_STORE=file",
            location=self.location,
        )

    def load(self, provider: str) -> dict[str, Any] | None:
        _check_provider(provider)
        from keyring.errors import KeyringError

        try:
            raw = self.backend.get_password(self.service, provider)
        except KeyringError as error:
            raise self._failure("read", provider, error) from None
        if raw is None:
            return None
        try:
            record = loads(raw)
        except JSONDecodeError:
            record = None
        problem = record_problem(record)
        if problem is not None or not isinstance(record, dict):
            raise CredentialStoreError(
                f"the {provider} entry in the {self.location} is not a modelwire record "
                f"({problem or 'not JSON'}). "
                f"modelwire will not overwrite it; delete it (`keyring del {self.service} "
                f"{provider}`) and run `modelwire login {provider}` again",
                location=self.location,
            )
        return record

    def save(self, provider: str, record: dict[str, Any]) -> None:
        _check_provider(provider)
        from keyring.errors import KeyringError

        encoded = dumps(_copied(record, self.location, provider)).decode()
        with self.lock():
            self.load(provider)  # raises, rather than overwrite an entry it cannot read
            try:
                self.backend.set_password(self.service, provider, encoded)
            except KeyringError as error:
                raise self._failure("write", provider, error) from None

    def delete(self, provider: str) -> bool:
        _check_provider(provider)
        from keyring.errors import KeyringError, PasswordDeleteError

        with self.lock():
            try:
                if self.backend.get_password(self.service, provider) is None:
                    return False
                self.backend.delete_password(self.service, provider)
            except PasswordDeleteError:
                return False
            except KeyringError as error:
                raise self._failure("delete", provider, error) from None
            return True


def usable_keyring() -> KeyringBackend | None:
    """The OS keyring backend when a real one is available, else None.

    Not usable: keyring not installed, the ``fail`` and ``null`` backends, a chainer with no
    backends, and keyrings.alt's file backends (plain or weakly encrypted files — our own 0600
    file is no worse) unless ``PYTHON_KEYRING_BACKEND`` chose them explicitly.
    """
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration: fall back to the file
        log.debug("keyring backend unavailable", exc_info=True)
        return None
    explicit = bool(os.environ.get("PYTHON_KEYRING_BACKEND"))

    def real(candidate: Any) -> bool:
        if isinstance(candidate, fail.Keyring):
            return False
        module = type(candidate).__module__
        if module.startswith("keyring.backends.null"):
            return False
        if isinstance(candidate, chainer.ChainerBackend):
            return any(real(inner) for inner in candidate.backends)
        return explicit or not module.startswith("keyrings.alt")

    return backend if real(backend) else None


_MEMORY = MemoryStore()


def store_for_mode(mode: str) -> CredentialStore:
    """The store ``MODELWIRE_AUTH_STORE=<mode>`` means."""
    if mode == "file":
        return FileStore()
    if mode == "memory":
        return _MEMORY
    if mode == "keyring":
        backend = usable_keyring()
        if backend is None:
            try:
                import keyring
            except ImportError:
                raise CredentialStoreError(
                    "MODELWIRE_AUTH_STORE=keyring, but the keyring package is not installed "
                    "(pip install 'modelwire[keyring]')",
                    location="keyring",
                ) from None
            try:
                found = type(keyring.get_keyring()).__module__
            except Exception:  # a broken keyring configuration
                found = "a keyring configuration that fails to load"
            raise CredentialStoreError(
                f"MODELWIRE_AUTH_STORE=keyring, but there is no usable keyring backend ({found}: "
                "no OS secret store is running or unlocked here). Start or unlock one (a Secret "
                "Service such as gnome-keyring or KWallet, the macOS Keychain, Windows Credential "
                "Locker), choose one with PYTHON_KEYRING_BACKEND, or set MODELWIRE_AUTH_STORE=file",
                location="keyring",
            )
        return KeyringStore(backend)
    if mode == "auto":
        backend = usable_keyring()
        return KeyringStore(backend) if backend is not None else FileStore()
    raise CredentialStoreError(
        f"MODELWIRE_AUTH_STORE={mode!r} is not a store: expected one of {', '.join(STORE_MODES)}",
        location="MODELWIRE_AUTH_STORE",
    )


def default_store() -> CredentialStore:
    """The store chosen by ``MODELWIRE_AUTH_STORE`` (default ``auto``), at ``$MODELWIRE_HOME``."""
    return store_for_mode(os.environ.get("MODELWIRE_AUTH_STORE", "auto").strip().lower() or "auto")
