"""The local web studio: see who says every line, correct it, hear it, then build.

`run_studio` serves the page on 127.0.0.1 over the same functions the command
line uses: the script is `pipeline.analyse` with the cast file's corrections,
lines are spoken through the build's engine and clip cache, and builds are
`pipeline.build` with the same cast file.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from pathlib import Path

from audiobook.errors import InputError
from audiobook.studio.session import Session, StudioOptions

__all__ = ["StudioOptions", "default_cast_path", "run_studio"]

WATCH_INTERVAL_S = 0.5
"""How often the cast file is checked for changes made outside the studio."""


def default_cast_path(input_path: Path) -> Path:
    """`story.txt` -> `story.cast.yaml`, beside the story."""
    return input_path.with_name(f"{input_path.stem}.cast.yaml")


def _create_cast_file(options: StudioOptions) -> None:
    from audiobook.castfile import write_atomic
    from audiobook.pipeline import cast_for_book, dump_cast

    cast, _ = cast_for_book(options.input, None, options.engine, options.cast_engine,
                            options.voices_dir)
    write_atomic(options.cast_path, dump_cast(cast))


def _watch(session: Session, stop: threading.Event) -> None:
    while not stop.wait(WATCH_INTERVAL_S):
        session.check_outside_edits()


def run_studio(options: StudioOptions, port: int = 0, open_browser: bool = True,
               created: bool = False, out=sys.stdout) -> None:
    """Serve the studio until Ctrl-C (KeyboardInterrupt), then stop any build cleanly.

    `created`: make the cast file first (it must not exist yet).
    """
    from audiobook.pipeline import engine_voices
    from audiobook.studio.audition import Auditioner
    from audiobook.studio.server import Studio, make_server

    # Every installed engine's voices (the cast panel offers them all), or the test engine's.
    try:
        voices = engine_voices(None if options.engine == "pyttsx3" else options.engine,
                               voices_dir=options.voices_dir, progress=True)
    except ValueError as err:
        raise InputError(f"engine: {err}") from None
    if created:
        _create_cast_file(options)
        print(f"Created the cast file {options.cast_path} (the studio keeps it up to date; "
              "builds use it)", file=out)
    session = Session(options, voices)
    auditioner = Auditioner(options.engine, options.cache, options.voices_dir)
    studio = Studio(session, auditioner)
    try:
        server = make_server(studio, port)
    except OSError as err:
        auditioner.close()
        raise InputError(f"cannot listen on 127.0.0.1:{port} ({err.strerror}); choose "
                         "another --port, or leave it out for a free one") from None
    threading.Thread(target=auditioner.warm_up, args=(session.opening_requests(),),
                     daemon=True).start()
    stop = threading.Event()
    threading.Thread(target=_watch, args=(session, stop), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/?token={studio.token}"
    print(f"Studio for {options.input} with the cast file {options.cast_path}", file=out)
    print(f"Open {url}", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.25)
    finally:
        stop.set()
        studio.close()
        server.server_close()
