"""Command line: contracts and one-line errors with exit codes."""

import json
import subprocess
import sys


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "audiobook", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def test_segment_jsonl_follows_the_contract(short_story, short_cast):
    proc = run("segment", short_story, "--format", "jsonl", "--voices", short_cast)
    assert proc.returncode == 0, proc.stderr
    text = short_story.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rows
    for row in rows:
        assert {"chapter", "kind", "speaker", "start", "end", "text"} <= set(row)
        assert text[row["start"] : row["end"]] == row["text"]
    dialogue = [(r["speaker"], r["text"]) for r in rows if r["kind"] == "dialogue"]
    assert dialogue[0] == ("Ada", '"It runs slow,"')
    assert dialogue[1][0] == "Ben"
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)
    assert {r["chapter"] for r in rows} == {1, 2}


def test_segment_text_shows_who_says_what(short_story):
    proc = run("segment", short_story)
    assert proc.returncode == 0
    assert 'Ada: "It runs slow,"' in proc.stdout


def test_missing_and_empty_inputs_exit_2_with_one_line(tmp_path, write):
    for path in (tmp_path / "nope.txt", write("empty.txt", "\n\n")):
        proc = run("segment", path)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("audiobook: error:")
        assert "Traceback" not in proc.stderr


def test_unreadable_cast_file_exits_2_naming_file_and_line(short_story, write):
    cast = write("bad.yaml", "characters:\n  Ada: {voice: [unclosed\n")
    proc = run("build", short_story, "--voices", cast, "--out", cast.parent / "o")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"audiobook: error: {cast}:")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (cast.parent / "o").exists()


def test_unknown_voice_exits_2_before_any_audio(short_story, write):
    cast = write("c.yaml", "narrator:\n  voice: gmw/en-us+nosuchvoice\n")
    proc = run("build", short_story, "--voices", cast, "--out", cast.parent / "o")
    assert proc.returncode == 2
    assert "unknown voice" in proc.stderr and f"{cast}:2:" in proc.stderr


def test_voices_lists_ids_first():
    proc = run("voices")
    assert proc.returncode == 0
    first = proc.stdout.splitlines()
    assert len(first) > 100
    ids = {line.split("\t")[0] for line in first}
    assert "gmw/en-us+f3" in ids
