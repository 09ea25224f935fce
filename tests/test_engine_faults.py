"""Engine faults: a clip that fails, hangs or kills its worker is retried in a fresh
worker, then reported with its chapter and text; the build never hangs (fake engine)."""

import time

import pytest

from audiobook.engines import VoiceSettings
from audiobook.engines.fake import FAULTS_ENV
from audiobook.errors import BuildError
from audiobook.pipeline import build
from audiobook.render import ClipRequest, render_chapters, render_clips

VOICE = VoiceSettings("fake/en+f1")


@pytest.fixture
def faults(tmp_path, monkeypatch):
    folder = tmp_path / "faults"
    folder.mkdir()
    monkeypatch.setenv(FAULTS_ENV, str(folder))
    return folder


def lines(marker: str, n: int = 12) -> list[ClipRequest]:
    """n clips, the sixth of them carrying the fault marker."""
    return [ClipRequest(f"Line {i} of the test {marker if i == 5 else ''}.".replace(" .", "."),
                        VOICE) for i in range(n)]


@pytest.mark.parametrize("fault", ["fail", "hang", "exit", "kill"])
def test_a_clip_that_misbehaves_once_is_retried_and_every_clip_is_made(tmp_path, faults,
                                                                      fault):
    requests = lines(f"[[{fault}-once]]")
    started = time.monotonic()
    paths = render_clips(requests, tmp_path / "cache", engine="fake", jobs=2, progress=False,
                         clip_timeout=2.0)
    assert time.monotonic() - started < 60
    assert len(paths) == len(requests)
    assert all(path.exists() and path.stat().st_size > 44 for path in paths.values())
    assert len(list(faults.iterdir())) == 1  # the fault did happen, exactly once
    assert not list((tmp_path / "cache").rglob("*.part"))


@pytest.mark.parametrize("fault", ["fail", "hang", "exit", "kill"])
def test_a_clip_that_always_misbehaves_is_reported_with_its_chapter_and_text(tmp_path, faults,
                                                                            fault):
    chapters = [lines(""), lines(f"[[{fault}]]")]
    started = time.monotonic()
    ready = []
    with pytest.raises(BuildError) as err:
        for index in render_chapters(chapters, tmp_path / "cache", engine="fake", jobs=2,
                                     progress=False, names=["The Start", "The Storm"],
                                     clip_timeout=1.5):
            ready.append(index)
    assert time.monotonic() - started < 60
    message = str(err.value)
    assert message.startswith("The Storm: ")
    assert f"Line 5 of the test [[{fault}]]" in message
    assert "2 times" in message
    assert ready in ([], [0])  # the healthy chapter may have been finished first


def test_healthy_chapters_are_announced_as_soon_as_their_clips_exist(tmp_path):
    chapters = [lines("")[:4], [ClipRequest(f"Second part {i}.", VOICE) for i in range(4)]]
    render_clips(chapters[0], tmp_path / "cache", engine="fake", jobs=1, progress=False)
    order = list(render_chapters(chapters, tmp_path / "cache", engine="fake", jobs=1,
                                 progress=False, order=[1, 0]))
    assert order == [0, 1]  # chapter 0 was complete already: it comes first


def test_a_build_with_a_failing_clip_exits_with_a_build_error_and_no_files(write, tmp_path,
                                                                          faults):
    story = write("story.txt", "Chapter 1: Calm\n\nAll was well.\n\n"
                               "Chapter 2: Trouble\n\nThen the [[fail]] engine broke.\n")
    with pytest.raises(BuildError) as err:
        build(story, out_dir=tmp_path / "out", cache=tmp_path / "cache", engine="fake",
              jobs=2, progress=False, clip_timeout=5.0)
    assert "Chapter 2: Trouble" in str(err.value)
    assert "Then the [[fail]] engine broke." in str(err.value)
    folder = next((tmp_path / "out").iterdir())
    assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))
    # Only a chapter that was completely made may be there, never chapter 2.
    assert [p.name for p in folder.glob("*.mp3")] in ([], ["01 - Chapter 1 Calm.mp3"])
