"""The clip cache: keys, reuse, atomic files (fake engine: fast)."""

from audiobook.engines import VoiceSettings
from audiobook.render import ClipRequest, clip_key, render_clips


def test_clip_key_changes_with_everything_that_changes_the_sound():
    base = ClipRequest("Hello there.", VoiceSettings("v", 170, 50, 1.0))
    keys = {
        clip_key(base, "e", "1"),
        clip_key(ClipRequest("Hello there!", base.settings), "e", "1"),
        clip_key(ClipRequest(base.text, VoiceSettings("w", 170, 50, 1.0)), "e", "1"),
        clip_key(ClipRequest(base.text, VoiceSettings("v", 171, 50, 1.0)), "e", "1"),
        clip_key(ClipRequest(base.text, VoiceSettings("v", 170, 51, 1.0)), "e", "1"),
        clip_key(ClipRequest(base.text, VoiceSettings("v", 170, 50, 0.9)), "e", "1"),
        clip_key(base, "e", "2"),
    }
    assert len(keys) == 7
    assert clip_key(base, "e", "1") == clip_key(ClipRequest("Hello there.", base.settings),
                                                "e", "1")


def test_cached_clips_are_not_made_again(tmp_path):
    requests = [ClipRequest(f"Line number {i}.", VoiceSettings("fake/en+f1")) for i in range(4)]
    first = render_clips(requests, tmp_path, engine="fake", jobs=2, progress=False)
    assert all(p.exists() for p in first.values())
    stamps = {p: p.stat().st_mtime_ns for p in first.values()}
    more = requests + [ClipRequest("A new line.", VoiceSettings("fake/en+m1"))]
    second = render_clips(more, tmp_path, engine="fake", jobs=2, progress=False)
    assert {p: p.stat().st_mtime_ns for p in first.values()} == stamps
    assert len(second) == 5
    assert not list(tmp_path.rglob("*.part"))
