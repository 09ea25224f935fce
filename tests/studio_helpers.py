"""A studio served in-process for the tests, and a small HTTP client for it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from audiobook.pipeline import engine_voices
from audiobook.studio.audition import Auditioner
from audiobook.studio.server import Studio, make_server
from audiobook.studio.session import Session, StudioOptions

FERRY = """\
The Ferry

By: Test Author


Chapter 1: The Crossing

The ferry left late, and the deck was wet with spray.

"Are you coming inside?" said Ada.

"Not yet," said Ben.

"Why not?"

"Because I like the rain."

"Since when?"

"Since always."

She looked at the water. Wait for me, she said to nobody, and went in.


Chapter 2: Landing

"There it is," said Ben. "The harbour."
"""

CAST = """\
# The ferry's cast: our own comments stay.
narrator:
  voice: {narrator}
characters:
  Ada:
    gender: female   # she runs the ferry
  Ben:
    gender: male
  Cora:
    gender: female
"""


@dataclass
class Served:
    studio: Studio
    session: Session
    port: int
    cast_path: Path
    root: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.studio.token}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: object = None, token: bool = True,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": f"127.0.0.1:{self.port}"}
        if token:
            sent["X-Studio-Token"] = self.studio.token
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent.update({"Content-Type": "application/json", "Origin": self.origin})
        sent.update(headers or {})
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), payload

    def get(self, path: str, **kw) -> dict:
        status, _, payload = self.request("GET", path, **kw)
        assert status == 200, (status, payload)
        return json.loads(payload)

    def post(self, path: str, body: object, expect: int = 200, **kw) -> dict:
        status, _, payload = self.request("POST", path, body, **kw)
        assert status == expect, (status, payload)
        return json.loads(payload)


def serve(root: Path, engine: str = "fake", story: str = FERRY) -> tuple[Served, callable]:
    """Start a studio on a free port for `story` in `root`; return it and a stop function."""
    story_path = root / "ferry.txt"
    story_path.write_text(story, encoding="utf-8")
    voices = engine_voices(engine)
    narrator = "fake/en" if engine == "fake" else "gmw/en-us"
    cast_path = root / "ferry.cast.yaml"
    cast_path.write_text(CAST.format(narrator=narrator), encoding="utf-8")
    options = StudioOptions(story_path, cast_path, root / "out", root / "cache", 1, engine)
    session = Session(options, voices)
    studio = Studio(session, Auditioner(engine, options.cache))
    server = make_server(studio, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        studio.close()
        server.server_close()

    return Served(studio, session, server.server_address[1], cast_path, root), stop


def line_id(served: Served, text: str) -> int:
    """The id of the first line whose text contains `text`."""
    for seg in served.session.state.segments:
        if text in seg.text:
            return seg.start
    raise KeyError(text)


def speaker_of(served: Served, text: str) -> str:
    return served.session.state.by_start[line_id(served, text)].speaker


@dataclass
class Command:
    """`audiobook studio` run as a user runs it: its process, what it printed, its address."""

    process: subprocess.Popen
    printed: list[str]
    origin: str
    token: str

    def request(self, path: str, body: object = None) -> tuple[int, dict, bytes]:
        url = urlsplit(self.origin)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        headers = {"X-Studio-Token": self.token}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers.update({"Content-Type": "application/json", "Origin": self.origin})
        conn.request("POST" if body is not None else "GET", path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), payload

    def interrupt(self) -> int:
        """Ctrl-C in a terminal: SIGINT to the whole process group; the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=60)


@contextmanager
def studio_command(args: list[str]) -> Iterator[Command]:
    """Run `audiobook studio ARGS --no-browser` until it prints its address; kill it after."""
    process = subprocess.Popen([sys.executable, "-m", "audiobook", "studio", *args,
                                "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        printed: list[str] = []
        while not any(line.startswith("Open ") for line in printed):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            printed.append(line)
        url = urlsplit(printed[-1].split()[1])
        yield Command(process, printed, f"{url.scheme}://{url.netloc}",
                      url.query.removeprefix("token="))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
