"""The studio's page in a real browser: headless Chromium (Debian's package) driven by
Playwright, with espeak-ng speaking the lines and building the book.

Skipped, with a message, where Chromium or Playwright is missing (`.ci/run`
installs Chromium before the tests).
"""

from __future__ import annotations

import http.server
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.studio_helpers import line_id, serve, speaker_of

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                               "(pip install -e '.[test]')")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed: `apt-get install chromium` to run the studio's "
                "browser tests", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1400, "height": 900})
        yield context
        context.close()


@pytest.fixture
def studio(tmp_path: Path):
    served, stop = serve(tmp_path, engine="pyttsx3")
    yield served
    stop()


@pytest.fixture
def page(browser, studio):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(studio.url)
    page.wait_for_selector("body[data-ready]", state="attached", timeout=15000)
    yield page
    page.close()
    assert not errors, errors


def wait_until(page, expression: str, timeout: float = 10000) -> None:
    """Poll a JavaScript expression until it is true (Playwright's wait_for_function
    evaluates strings, which the page's Content-Security-Policy rightly forbids)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


def shows(studio, text: str, condition: str) -> str:
    """A JavaScript test on the line containing `text`, e.g. `.dataset.speaker === "Ada"`."""
    return f'document.querySelector(\'.line[data-id="{line_id(studio, text)}"]\'){condition}'


def quote_node(page, studio, text: str):
    return page.locator(f'.line[data-id="{line_id(studio, text)}"]')


def test_reassign_a_quote_see_the_next_follow_undo_and_play(page, studio):
    why, since = quote_node(page, studio, "Why not"), quote_node(page, studio, "Since when")
    assert page.locator("#chapter-title").inner_text() == "Chapter 1: The Crossing"
    assert since.get_attribute("data-speaker") == "Ada"
    why.click()
    page.locator('#menu .choices button[data-speaker="Cora"]').click()
    wait_until(page, shows(studio, "Since when", '.dataset.speaker === "Cora"'))
    assert why.get_attribute("data-speaker") == "Cora"
    assert "changed" in since.get_attribute("class")  # re-attributed, and it shows
    assert "corrected" in why.get_attribute("class")
    assert why.locator(".who").text_content() == "Cora"
    assert "Cora" in studio.cast_path.read_text() and speaker_of(studio, "Since when") == "Cora"

    page.locator("#undo").click()
    wait_until(page, shows(studio, "Since when", '.dataset.speaker === "Ada"'))
    assert "corrections" not in yaml.safe_load(studio.cast_path.read_text())

    # Hearing a line: rendered by espeak-ng on demand, then played.
    quote_node(page, studio, "Because I like").click()
    page.locator("#menu button.play").click()
    wait_until(page, "!document.getElementById('player').paused && "
                           "document.getElementById('player').currentTime > 0", timeout=15000)
    assert list((studio.root / "cache" / "clips").glob("*/*.wav"))


def test_new_character_missed_quote_and_narration(page, studio):
    quote_node(page, studio, "Not yet").click()
    page.locator('#menu input[type="text"]').fill("Old Sam")
    page.locator("#menu .row button", has_text="Add").click()
    page.wait_for_selector('.speaker[data-name="Old Sam"]', timeout=10000)
    assert quote_node(page, studio, "Not yet").get_attribute("data-speaker") == "Old Sam"
    assert "Old Sam" in yaml.safe_load(studio.cast_path.read_text())["characters"]

    # Select words in the narration, then mark them as a quote.
    narration = quote_node(page, studio, "Wait for me")
    page.evaluate("""(id) => {
        const node = document.querySelector(`.line[data-id="${id}"]`).firstChild;
        const at = node.textContent.indexOf("Wait for me");
        const range = document.createRange();
        range.setStart(node, at); range.setEnd(node, at + "Wait for me".length);
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        node.parentElement.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
    }""", line_id(studio, "Wait for me"))
    assert narration.count() == 1
    page.locator("#mark-quote").click()
    page.locator('#menu .choices button[data-speaker="Ada"]').click()
    page.wait_for_selector('.line.quote[data-speaker="Ada"]:has-text("Wait for me")',
                           timeout=10000)

    quote_node(page, studio, "Since always").click()
    page.locator("#menu button.narration").click()
    wait_until(page, shows(studio, "Since always", '.classList.contains("narration")'))
    kinds = [c.get("kind") for c in yaml.safe_load(studio.cast_path.read_text())["corrections"]]
    assert kinds == [None, "dialogue", "narration"]


def watch_saves(page) -> None:
    """Record every change the page sends (window.posts), to tell what it saved and when."""
    page.evaluate("""() => {
        window.posts = [];
        const send = window.fetch;
        window.fetch = (url, options) => {
            if (options && options.method === "POST") window.posts.push(url + " " + options.body);
            return send(url, options);
        };
    }""")


def edit_outside(studio, old: str, new: str, seconds: int) -> None:
    """Change the cast file as an editor would (a later mtime, as a second write has)."""
    studio.cast_path.write_text(studio.cast_path.read_text().replace(old, new))
    os.utime(studio.cast_path, ns=(time.time_ns(), time.time_ns() + seconds * 10**9))


def test_cast_panel_outside_edits_and_conflicts(page, studio):
    watch_saves(page)
    rate = page.locator('.speaker[data-name="Ben"] input[name="rate"]')
    rate.fill("150")
    rate.press("Enter")
    wait_until(page, "document.getElementById('notice').textContent.includes('rate')")
    assert yaml.safe_load(studio.cast_path.read_text())["characters"]["Ben"]["rate"] == 150
    # An unsaved change, then the file changes on disk under it.
    pitch = page.locator('.speaker[data-name="Ada"] input[name="pitch"]')
    ada_saves = "window.posts.filter(p => p.includes('Ada')).length"
    pitch.fill("70")
    edit_outside(studio, "# she runs the ferry", "# she runs the ferry\n    pitch: 30", 1)
    wait_until(page, "document.getElementById('notice').className === 'conflict'",
               timeout=10000)
    message = page.locator("#notice").inner_text()
    assert "Ada's pitch" in message and '"70"' in message and '"30"' in message
    assert page.evaluate(ada_saves) == 0
    assert pitch.input_value() == "70"  # what was typed is kept until the user decides
    assert page.evaluate("document.activeElement.name") == "pitch"
    # The user decides: Escape takes the file's value...
    pitch.press("Escape")
    assert pitch.input_value() == "30" and "dirty" not in pitch.get_attribute("class")
    # ... and Enter keeps theirs.
    pitch.fill("70")
    edit_outside(studio, "pitch: 30", "pitch: 40", 2)
    wait_until(page, "document.getElementById('notice').textContent.includes('\"40\"')",
               timeout=10000)
    assert page.evaluate(ada_saves) == 0
    pitch.press("Enter")
    wait_until(page, "document.getElementById('notice').textContent.startsWith('Saved Ada')")
    assert yaml.safe_load(studio.cast_path.read_text())["characters"]["Ada"]["pitch"] == 70
    assert page.evaluate(ada_saves) == 1
    # An outside edit with no conflict is reloaded and said so; the panel redrawn under a
    # field being typed in leaves it unsaved and focused, and leaving the field saves it.
    ben_pitch = page.locator('.speaker[data-name="Ben"] input[name="pitch"]')
    ben_pitch.fill("60")
    text = studio.cast_path.read_text() + "corrections:\n  - {text: why not, speaker: Ben}\n"
    studio.cast_path.write_text(text)
    os.utime(studio.cast_path, ns=(time.time_ns(), time.time_ns() + 3 * 10**9))
    wait_until(page, "document.getElementById('notice').textContent.includes('reloaded')")
    assert page.evaluate(shows(studio, "Why not", '.dataset.speaker === "Ben"'))
    assert "pitch" not in yaml.safe_load(studio.cast_path.read_text())["characters"]["Ben"]
    assert page.evaluate("[document.activeElement.name, document.activeElement.value, "
                         "document.activeElement.closest('.speaker').dataset.name]") == [
                             "pitch", "60", "Ben"]
    ben_pitch.press("Tab")
    wait_until(page, "document.getElementById('notice').textContent.startsWith('Saved Ben')")
    assert yaml.safe_load(studio.cast_path.read_text())["characters"]["Ben"]["pitch"] == 60


def test_build_shows_progress_then_links_and_a_player(page, studio):
    page.locator("#build").click()
    page.wait_for_selector("#progress:not([hidden])", timeout=10000)
    page.wait_for_selector("#output:not([hidden])", timeout=180000)
    links = page.locator("#files a")
    names = [links.nth(i).inner_text() for i in range(links.count())]
    assert any(n.endswith(".mp3") for n in names) and any(n.endswith(".m3u8") for n in names)
    href = links.first.get_attribute("href")
    response = page.request.get(studio.origin + href)
    assert response.status == 200 and response.body()[:3] in (b"ID3", b"\xff\xfb")
    page.locator("#files button.play-file").first.click()
    wait_until(page, "document.getElementById('book-player').currentTime > 0",
                           timeout=15000)


def test_another_site_can_neither_read_nor_change(browser, studio, tmp_path: Path):
    """A page from another origin, even one that knows the token, gets nothing."""
    site = tmp_path / "site"
    site.mkdir()
    target = studio.origin
    why = line_id(studio, "Why not")
    (site / "evil.html").write_text(f"""<script>
    window.results = {{}};
    fetch("{target}/api/book?token={studio.studio.token}")
      .then(r => r.text()).then(t => results.read = t).catch(e => results.read = "blocked");
    fetch("{target}/api/correct?token={studio.studio.token}", {{method: "POST", mode: "no-cors",
      headers: {{"Content-Type": "text/plain"}}, body: JSON.stringify({{id: {why},
      speaker: "Cora"}})}}).then(() => results.post = "sent").catch(() => results.post = "failed");
    </script>""")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(site))  # noqa: E731
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    before = studio.cast_path.read_text()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/evil.html")
        wait_until(page, "window.results.read && window.results.post")
        assert page.evaluate("window.results.read") == "blocked"
    finally:
        page.close()
        other.shutdown()
    assert studio.cast_path.read_text() == before
