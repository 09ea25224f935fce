"""Building from the studio: `pipeline.build` in a child process, its progress read live.

The child is an ordinary build: Ctrl-C stops it as it stops `audiobook build`
(every finished clip and chapter is kept), and its tqdm bars are printed in a
form the studio reads (tqdm takes `bar_format` from the TQDM_BAR_FORMAT
environment variable), so the build code needs no hook for the page.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

from audiobook.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, AudiobookError

BAR_FORMAT = "\x1e{desc}\x1f{n}\x1f{total}\x1e"
"""Each refresh of a bar becomes one record: description, count, total."""
_RECORD = re.compile("\x1e([^\x1e\x1f]*)\x1f([0-9]+)\x1f([^\x1e]*)\x1e")
STOP_WAIT_S = 60.0
"""How long a stopping build may take to finish cleanly before it is killed."""


class BuildJob:
    """One build of the studio's book with its cast file, run in the background."""

    def __init__(self, args: dict) -> None:
        self.args = args
        """Keyword arguments of `pipeline.build`, paths as text."""
        self.state = "running"
        """`running`, `done`, `failed` or `stopped`."""
        self.bars: dict[str, list] = {}
        """Progress by stage (`Speaking`, `Encoding`): [done, total]."""
        self.message = "Reading the book..."
        self.result: dict | None = None
        self.started = time.time()
        self.seconds = 0.0
        self._tail: deque[str] = deque(maxlen=20)
        env = dict(os.environ, TQDM_BAR_FORMAT=BAR_FORMAT, TQDM_MININTERVAL="0.2")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "audiobook.studio.builder", json.dumps(args)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._out = b""
        self._threads = [threading.Thread(target=self._read_progress, daemon=True),
                         threading.Thread(target=self._read_result, daemon=True)]
        for thread in self._threads:
            thread.start()
        threading.Thread(target=self._wait, daemon=True).start()

    def _read_progress(self) -> None:
        pending = ""
        for chunk in iter(lambda: os.read(self.process.stderr.fileno(), 8192), b""):
            pending = self._consume(pending + chunk.decode("utf-8", "replace"))
        self._consume(pending + "\n")

    def _consume(self, text: str) -> str:
        """Take the complete progress records and lines out of `text`; return the rest."""
        plain, pos = [], 0
        for m in _RECORD.finditer(text):
            plain.append(text[pos:m.start()])
            stage = m.group(1).strip().rstrip(":").strip() or "Working"
            total = m.group(3).strip()
            self.bars[stage] = [int(m.group(2)), int(float(total)) if total[:1].isdigit() else 0]
            self.message = f"{stage}..."
            pos = m.end()
        rest = text[pos:]
        cut = rest.find("\x1e") if "\x1e" in rest else max(rest.rfind("\n"), rest.rfind("\r")) + 1
        plain.append(rest[:cut])
        for line in re.split(r"[\r\n]+", "".join(plain)):
            line = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line).strip()
            if line:
                self._tail.append(line)
        return rest[cut:][-10000:]

    def _read_result(self) -> None:
        self._out = self.process.stdout.read()

    def _wait(self) -> None:
        code = self.process.wait()
        for thread in self._threads:
            thread.join()
        self.seconds = time.time() - self.started
        if code == 0:
            try:
                self.result = json.loads(self._out.decode("utf-8").strip().splitlines()[-1])
            except (ValueError, IndexError):
                self.state, self.message = "failed", "the build printed no result"
                return
            self.state, self.message = "done", f"Built in {self.seconds:.0f} s."
            return
        errors = [line for line in self._tail if line.startswith("audiobook:")]
        detail = errors[-1] if errors else (self._tail[-1] if self._tail else f"exit {code}")
        if code == EXIT_INTERRUPTED:
            self.state, self.message = "stopped", "The build was stopped; run it again to go on."
        else:
            self.state, self.message = "failed", detail.removeprefix("audiobook: error: ")

    @property
    def running(self) -> bool:
        return self.state == "running"

    def stop(self, wait: float | None = None) -> None:
        """Stop the build as Ctrl-C does; kill it if it has not ended after `wait` s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        if wait is not None:
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def info(self) -> dict:
        return {"state": self.state, "message": self.message, "bars": self.bars,
                "seconds": round(self.seconds or time.time() - self.started, 1),
                "result": self.result}


def _run(args: dict) -> dict:
    from audiobook.pipeline import build

    paths = ("input_path", "voices_path", "out_dir", "cache", "voices_dir")
    kwargs = {k: Path(v) if k in paths and v is not None else v for k, v in args.items()}
    result = build(**kwargs)
    files = [*result.files, *(p for p in (result.m4b, result.playlist) if p)]
    return {"folder": str(result.folder), "files": [p.name for p in result.files],
            "m4b": result.m4b.name if result.m4b else None,
            "playlist": result.playlist.name if result.playlist else None,
            "all": [p.name for p in files], "audio_seconds": result.audio_seconds,
            "wall_seconds": result.wall_seconds}


def main(argv: list[str]) -> int:
    """The child process: one build, its result as JSON on the last line of stdout."""
    try:
        result = _run(json.loads(argv[0]))
    except AudiobookError as err:
        print(f"audiobook: error: {' '.join(str(err).split())}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("audiobook: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, IndexError) as err:
        print(f"audiobook: error: bad build arguments ({err})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"audiobook: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
