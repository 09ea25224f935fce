"""The clip cache's place, `audiobook clean` and the cache options in --help."""

import subprocess
import sys
from pathlib import Path

from audiobook.cli import main
from audiobook.engines import VoiceSettings
from audiobook.render import ClipRequest, clean_cache, default_cache_dir, render_clips


def test_cache_lives_in_xdg_cache_home_else_in_dot_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "audiobook"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "audiobook"


def test_clean_deletes_the_clips_and_nothing_else(tmp_path, capsys):
    cache = tmp_path / "cache"
    requests = [ClipRequest(f"Clip {i}.", VoiceSettings("fake/en")) for i in range(3)]
    paths = render_clips(requests, cache, engine="fake", jobs=1, progress=False)
    (cache / "notes.txt").write_text("mine")
    leftover = next(iter(paths.values())).with_name(".x.wav.99999999.part")
    leftover.write_bytes(b"half")
    assert main(["clean", "--cache", str(cache)]) == 0
    assert "Removed 3 clip(s)" in capsys.readouterr().out
    assert not any(p.exists() for p in paths.values()) and not leftover.exists()
    assert (cache / "notes.txt").read_text() == "mine"
    assert clean_cache(cache) == (0, 0, 0)  # nothing left: cleaning again is harmless


def test_clean_uses_the_default_cache(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    render_clips([ClipRequest("One clip.", VoiceSettings("fake/en"))], tmp_path / "audiobook",
                 engine="fake", jobs=1, progress=False)
    assert main(["clean"]) == 0
    assert (f"Removed 1 clip(s) and 0 encoded fragment(s), 0.0 MB, from "
            f"{tmp_path / 'audiobook'}") in capsys.readouterr().out


def test_help_documents_the_cache_options_and_clean():
    def helptext(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "audiobook", *args, "--help"],
                              capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent.parent).stdout

    build = " ".join(helptext("build").split())
    for option in ("--jobs", "--cache", "--no-cache", "XDG_CACHE_HOME", "audiobook clean"):
        assert option in build
    assert "clean" in helptext()
    assert "--cache" in helptext("clean")
