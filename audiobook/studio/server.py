"""The studio's web server: standard library only, on 127.0.0.1, for one session token.

Every request must carry the token (the `X-Studio-Token` header, or `token=` in
the URL for pages, audio and links); the `Host` header must name this server
(a page of another site that rebinds its name to 127.0.0.1 is refused); every
request that changes something must come from this server's own origin, as
JSON. No CORS header is ever sent, so no other page can read an answer.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from audiobook.errors import AudiobookError
from audiobook.studio.audition import Auditioner
from audiobook.studio.builder import BuildJob
from audiobook.studio.session import Session, StudioError

MAX_BODY_BYTES = 64 * 1024
"""Largest request body accepted (a correction is a few hundred bytes)."""
STATIC = {"studio.js": "text/javascript; charset=utf-8",
          "studio.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _static(name: str) -> bytes:
    return resources.files("audiobook.studio").joinpath("static", name).read_bytes()


class Studio:
    """The session, its auditions and builds, behind the HTTP server."""

    def __init__(self, session: Session, auditioner: Auditioner, token: str | None = None) -> None:
        self.session = session
        self.auditioner = auditioner
        self.token = token or secrets.token_urlsafe(24)
        self.build: BuildJob | None = None
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start_build(self) -> dict:
        with self.lock:
            if self.build is not None and self.build.running:
                raise StudioError(409, "a build is already running")
            if self.session.file_error:
                raise StudioError(409, f"fix the cast file first: {self.session.file_error}")
            o = self.session.options
            self.build = BuildJob({
                "input_path": str(o.input), "voices_path": str(o.cast_path),
                "out_dir": str(o.out_dir), "cache": str(o.cache) if o.cache else None,
                "jobs": o.jobs, "engine": o.engine, "formats": o.formats, "profile": o.profile,
                "cast_engine": o.cast_engine,
                "voices_dir": str(o.voices_dir) if o.voices_dir else None})
            return self.build.info()

    def status(self) -> dict:
        s = self.session
        return {"version": s.version, "notice": s.notice, "notice_version": s.notice_version,
                "file_error": s.file_error,
                "can_undo": bool(s.history), "exact": s.state.exact, "refined": s.refined,
                "build": self.build.info() if self.build else None}

    def output_file(self, name: str) -> Path:
        """A file of the last finished build, by name; nothing else can be read."""
        result = self.build.result if self.build else None
        if not result or name not in result["all"]:
            raise StudioError(404, "no such file in the book's output folder")
        return Path(result["folder"]) / name

    def close(self) -> None:
        if self.build is not None and self.build.running:
            self.build.stop(wait=60.0)
        self.auditioner.close()


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the studio after the token, Host and Origin checks."""

    server_version = "audiobook-studio"
    protocol_version = "HTTP/1.1"
    studio: Studio  # set on the subclass made per server

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        pass  # the terminal is the user's; errors reach the page instead

    # --- checks ---------------------------------------------------------------------

    def _origins(self) -> set[str]:
        port = self.server.server_address[1]
        return {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}

    def _check(self, changes: bool) -> None:
        host = self.headers.get("Host", "")
        if f"http://{host}" not in self._origins():
            raise StudioError(403, "wrong Host: open the studio at the address it printed")
        query = parse_qs(urlsplit(self.path).query)
        token = self.headers.get("X-Studio-Token") or (query.get("token") or [""])[0]
        if not secrets.compare_digest(token.encode(), self.studio.token.encode()):
            raise StudioError(403, "missing or wrong token: open the address "
                                   "`audiobook studio` printed, with its token")
        if changes:
            if self.headers.get("Origin") not in self._origins():
                raise StudioError(403, "a change must come from the studio's own page")
            if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                raise StudioError(415, "send JSON (Content-Type: application/json)")

    def _body(self) -> dict:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise StudioError(411, "a Content-Length is needed") from None
        if not 0 <= length <= MAX_BODY_BYTES:
            raise StudioError(413, "request too large")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise StudioError(400, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise StudioError(400, "the body must be a JSON object")
        return body

    # --- answers --------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: dict, status: int = 200) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json({"error": message}, status)

    def _file(self, path: Path, content_type: str) -> None:
        """A file, with single byte ranges (a player seeks in long chapters)."""
        size = path.stat().st_size
        start, end = 0, size - 1
        ranged = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if ranged and (ranged.group(1) or ranged.group(2)):
            if ranged.group(1):
                start = int(ranged.group(1))
                end = min(int(ranged.group(2)), size - 1) if ranged.group(2) else size - 1
            else:
                start = max(0, size - int(ranged.group(2)))
            if start > end:
                self._send(416, b"", content_type, {"Content-Range": f"bytes */{size}"})
                return
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start + 1)
        extra = {"Accept-Ranges": "bytes"}
        if ranged and (start, end) != (0, size - 1):
            extra["Content-Range"] = f"bytes {start}-{end}/{size}"
            self._send(206, data, content_type, extra)
        else:
            self._send(200, data, content_type, extra)

    def _handle(self, changes: bool) -> None:
        try:
            self._check(changes)
            url = urlsplit(self.path)
            arguments = self._body() if changes else {
                k: v[0] for k, v in parse_qs(url.query).items()}
            handler = ROUTES.get((self.command if self.command != "HEAD" else "GET", url.path))
            if handler is None:
                known = any(path == url.path for _, path in ROUTES)
                raise StudioError(405 if known else 404, f"no {self.command} {url.path} here")
            handler(self, arguments)
        except StudioError as err:
            self.close_connection = changes  # a body may be left unread
            self._error(err.status, str(err))
        except AudiobookError as err:  # a speech failure while rendering a line
            self._error(500, str(err))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as err:  # noqa: BLE001 (one request fails, not the studio)
            print(f"audiobook: studio: {type(err).__name__}: {err} ({self.command} "
                  f"{urlsplit(self.path).path})", file=sys.stderr)
            self.close_connection = True
            self._error(500, f"unexpected {type(err).__name__}: {err}")

    def do_GET(self) -> None:  # noqa: N802 (the base class's names)
        self._handle(changes=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(changes=False)

    def do_POST(self) -> None:  # noqa: N802
        self._handle(changes=True)

    def _not_allowed(self) -> None:
        self._error(405, f"{self.command} is not used here")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed  # no CORS preflight either

    # --- routes ---------------------------------------------------------------------

    def page(self, query: dict) -> None:
        html = _static("index.html").decode("utf-8").replace("{{TOKEN}}", self.studio.token)
        self._send(200, html.encode("utf-8"), "text/html; charset=utf-8")

    def asset(self, query: dict) -> None:
        name = urlsplit(self.path).path.rsplit("/", 1)[-1]
        self._send(200, _static(name), STATIC[name])

    def book(self, query: dict) -> None:
        self._json(self.studio.session.book_info())

    def chapter(self, query: dict) -> None:
        number = query.get("n", "")
        self._json(self.studio.session.chapter(int(number) if number.isdigit() else number))

    def cast(self, query: dict) -> None:
        self._json(self.studio.session.cast_info())

    def voices(self, query: dict) -> None:
        self._json(self.studio.session.voice_list())

    def status(self, query: dict) -> None:
        self.studio.session.check_outside_edits()
        self._json(self.studio.status())

    def line_audio(self, query: dict) -> None:
        line = query.get("id", "")
        requests = self.studio.session.line_requests(int(line) if line.isdigit() else line)
        self._send(200, self.studio.auditioner.wav(requests), "audio/wav")

    def audition(self, query: dict) -> None:
        requests = self.studio.session.audition_requests(query.get("name"))
        self._send(200, self.studio.auditioner.wav(requests), "audio/wav")

    def output(self, query: dict) -> None:
        path = self.studio.output_file(query.get("name", ""))
        kind = {".mp3": "audio/mpeg", ".m4b": "audio/mp4", ".m3u8": "audio/x-mpegurl"}
        self._file(path, kind.get(path.suffix, "application/octet-stream"))

    def correct(self, body: dict) -> None:
        session = self.studio.session
        if body.get("kind") == "narration":
            self._json(session.mark_narration(body.get("id")))
        else:
            self._json(session.set_speaker(body.get("id"), body.get("speaker"),
                                           bool(body.get("new"))))

    def mark_quote(self, body: dict) -> None:
        self._json(self.studio.session.mark_quote(body.get("id"), body.get("words"),
                                                  body.get("speaker"), bool(body.get("new"))))

    def undo(self, body: dict) -> None:
        self._json(self.studio.session.undo())

    def speaker(self, body: dict) -> None:
        self._json(self.studio.session.set_field(body.get("name"), body.get("field"),
                                                 body.get("value")))

    def build(self, body: dict) -> None:
        self._json(self.studio.start_build())

    def stop_build(self, body: dict) -> None:
        if self.studio.build is None or not self.studio.build.running:
            raise StudioError(409, "no build is running")
        self.studio.build.stop()
        self._json(self.studio.build.info())


ROUTES = {
    ("GET", "/"): Handler.page,
    ("GET", "/static/studio.js"): Handler.asset,
    ("GET", "/static/studio.css"): Handler.asset,
    ("GET", "/api/book"): Handler.book,
    ("GET", "/api/chapter"): Handler.chapter,
    ("GET", "/api/cast"): Handler.cast,
    ("GET", "/api/status"): Handler.status,
    ("GET", "/api/voices"): Handler.voices,
    ("GET", "/api/line-audio"): Handler.line_audio,
    ("GET", "/api/audition"): Handler.audition,
    ("GET", "/out"): Handler.output,
    ("POST", "/api/correct"): Handler.correct,
    ("POST", "/api/mark-quote"): Handler.mark_quote,
    ("POST", "/api/undo"): Handler.undo,
    ("POST", "/api/speaker"): Handler.speaker,
    ("POST", "/api/build"): Handler.build,
    ("POST", "/api/build/stop"): Handler.stop_build,
}


def make_server(studio: Studio, port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server for the studio on 127.0.0.1 (`port` 0: any free port)."""
    handler = type("StudioHandler", (Handler,), {"studio": studio})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    studio.server = server
    return server
