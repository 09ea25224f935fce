"""The studio on a long novel, timed in a real browser; prints figures, asserts nothing.

    python tools/bench_studio.py [--text NOVEL.txt] [--corrections 5] [--plays 5]

Starts `audiobook studio` on the novel (read where it is; its cast file, clip
cache and output go to a temporary folder), opens the page in headless Chromium
(Playwright driving /usr/bin/chromium) and measures, with the page's own clock
(performance.now) and the wall clock around it:
  - opening the page until the first chapter is on screen (target: 2 s);
  - a correction: from the click on a speaker to the re-attributed chapter on
    screen (target: 1 s), and the server's share of it (analysis with the new
    cast file, written);
  - hearing a line that is not in the clip cache: from the click on Play until
    the audio is playing, with espeak-ng (target: 1 s).
Targets are for a 100,000-word novel; the default is Anne of Green Gables from
the Project Dialogism Novel Corpus (about 102,000 words).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEXT = ROOT.parent / "shared" / "corpus" / "pdnc" / "AnneOfGreenGables" / "novel_text.txt"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required"]


def wait_until(page, expression: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.01)


def figures(values: list[float]) -> str:
    return (f"median {statistics.median(values):.0f} ms, min {min(values):.0f}, "
            f"max {max(values):.0f} (n={len(values)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    parser.add_argument("--corrections", type=int, default=5)
    parser.add_argument("--plays", type=int, default=5)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    words = len(args.text.read_text(encoding="utf-8", errors="replace").split())
    print(f"text: {args.text.parent.name}/{args.text.name}, {words:,} words")
    with tempfile.TemporaryDirectory(prefix="bench-studio-") as tmp:
        tmp = Path(tmp)
        cast = tmp / "cast.yaml"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "audiobook", "cast", str(args.text), "-o",
                        str(cast)], check=True, capture_output=True)
        print(f"cast file written by `audiobook cast`: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        studio = subprocess.Popen(
            [sys.executable, "-m", "audiobook", "studio", str(args.text), "--voices", str(cast),
             "--no-browser", "--cache", str(tmp / "cache"), "--out", str(tmp / "out")],
            stdout=subprocess.PIPE, text=True)
        url = ""
        while not url:
            line = studio.stdout.readline()
            if not line:
                raise SystemExit("the studio did not start")
            if line.startswith("Open "):
                url = line.split()[1]
        print(f"studio start (book read and analysed, server up): "
              f"{time.perf_counter() - started:.2f} s")
        time.sleep(2.0)  # the speech worker warms up in the background
        try:
            with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
                browser = p.chromium.launch_persistent_context(
                    profile, executable_path=args.chromium, args=ARGS, headless=True,
                    viewport={"width": 1400, "height": 900})
                page = browser.new_page()
                open_page(page, url, "first chapter")
                # The worst case: the chapter with the most lines, opened straight away.
                chapters = page.evaluate("window.studio.book.chapters")
                longest = max(chapters, key=lambda c: c["quotes"])["number"]
                page.close()
                page = browser.new_page()
                open_page(page, f"{url}#chapter={longest}", "longest chapter")
                correct(page, args.corrections)
                play(page, args.plays)
                browser.close()
        finally:
            studio.terminate()
            studio.wait(timeout=60)
    return 0


def open_page(page, url: str, what: str) -> None:
    opened = time.perf_counter()
    page.goto(url)
    wait_until(page, "document.body.dataset.ready")
    wall = (time.perf_counter() - opened) * 1000
    in_page = page.evaluate("window.studio.timings.firstChapter")
    lines = page.locator("#lines .line").count()
    chapter = page.evaluate("window.studio.chapter.title")
    print(f"{what} on screen ({chapter!r}, {lines} lines): {in_page:.0f} ms after navigation "
          f"start (page clock), {wall:.0f} ms wall clock (target 2000 ms)")


def correct(page, count: int) -> None:
    """Reassign quotes to another speaker and take each back; time both on screen."""
    ids = page.evaluate("""() => [...document.querySelectorAll('#lines .line.quote')]
        .map(n => Number(n.dataset.id))""")
    step = max(1, len(ids) // (count + 1))
    shown, walls, server, undos = [], [], [], []
    for quote_id in ids[step::step][:count]:
        node = page.locator(f'.line[data-id="{quote_id}"]')
        node.scroll_into_view_if_needed()
        now = node.get_attribute("data-speaker")
        node.click()
        other = page.locator(f'#menu .choices button:not([data-speaker="{now}"])').first
        version = page.evaluate("window.studio.version")
        started = time.perf_counter()
        with page.expect_response(lambda r: r.url.endswith("/api/correct")) as reply:
            other.click()
        wait_until(page, f"window.studio.timings.correctionShown > "
                         f"window.studio.timings.correctionStart && "
                         f"Number(document.getElementById('lines').dataset.version) > {version}")
        walls.append((time.perf_counter() - started) * 1000)
        shown.append(page.evaluate("window.studio.timings.correctionShown - "
                                   "window.studio.timings.correctionStart"))
        server.append(reply.value.json()["seconds"] * 1000)
        refined = exact(page)
        version = page.evaluate("window.studio.version")
        started = time.perf_counter()
        page.locator("#undo").click()
        wait_until(page, f"Number(document.getElementById('lines').dataset.version) > {version}")
        undos.append((time.perf_counter() - started) * 1000)
        refined = exact(page)
    print(f"correction re-attributed on screen (click to chapter redrawn, page clock): "
          f"{figures(shown)} (target 1000 ms)")
    print(f"  wall clock: {figures(walls)}; of which the server (analysis with the new cast "
          f"file, file written): {figures(server)}")
    print(f"undo on screen (wall clock): {figures(undos)}")
    print(f"whole-book passes after a correction or undo: lines each changed on screen "
          f"beyond the chapter-only pass: {refined}")


def exact(page) -> list[int]:
    """Wait for the background whole-book attribution; return what each pass changed."""
    url = page.url.split("#")[0].replace("/?", "/api/status?")
    deadline = time.monotonic() + 60
    while not (status := page.request.get(url).json())["exact"]:
        if time.monotonic() > deadline:
            raise TimeoutError("the whole-book attribution did not finish")
        time.sleep(0.1)
    # ...and for the page to show it (it polls the studio every second).
    wait_until(page, f"window.studio.version >= {status['version']} && !window.studio.applying "
                     f"&& Number(document.getElementById('lines').dataset.version) >= "
                     f"{status['version']}")
    return status["refined"]


def play(page, count: int) -> None:
    """Hear lines that are not in the clip cache yet; time the click to the sound."""
    ids = page.evaluate("""() => [...document.querySelectorAll('#lines .line.quote')]
        .map(n => Number(n.dataset.id))""")
    times = []
    for quote_id in ids[:count]:
        node = page.locator(f'.line[data-id="{quote_id}"]')
        node.scroll_into_view_if_needed()
        node.click()
        page.evaluate("window.studio.timings.playing = 0")
        page.locator("#menu button.play").click()
        wait_until(page, "window.studio.timings.playing > 0")
        times.append(page.evaluate("window.studio.timings.playing - "
                                   "window.studio.timings.playRequested"))
        page.keyboard.press("Escape")
    print(f"uncached line heard (click on Play to audio playing, espeak-ng, page clock): "
          f"{figures(times)} (target 1000 ms)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
