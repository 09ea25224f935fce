"""Each voice's loudness, measured once on a calibration text, gives that voice's gain.

Bringing every voice to the profile's target on its own (rather than measuring
whole chapters) keeps voices at one level, lets chapters be encoded in
independent fragments, and means re-voicing one character changes no other
voice's gain. The measure (ffmpeg's ebur128) is kept beside the clip in the
cache, so each voice is measured once.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

from audiobook.assembler import OWN_SESSION, Profile, gain_to_target
from audiobook.audio import atomic_target, ebur128_summary, ffmpeg_exe
from audiobook.engines import VoiceSettings
from audiobook.errors import BuildError
from audiobook.render import ClipRequest

CALIBRATION_TEXT = (
    "Bring the lantern closer, she said, because the path beside the river is steep and "
    "dark tonight. We walked for an hour, counting the bridges and the quiet houses, until "
    "the rain stopped and the first birds woke in the orchard."
)
"""Our own lines with the common sounds of English, about twelve seconds of speech."""


def calibration_request(settings: VoiceSettings) -> ClipRequest:
    """The clip that measures a voice: at full volume, so a chosen volume stays relative."""
    return ClipRequest(CALIBRATION_TEXT, replace(settings, volume=1.0))


def clip_loudness(path: Path) -> float:
    """Integrated loudness of a clip in LUFS, measured once and noted beside it."""
    note = path.with_suffix(".lufs")
    try:
        return float(note.read_text(encoding="ascii"))
    except (OSError, ValueError):
        pass
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-v", "info", "-i", str(path),
         "-af", "ebur128", "-f", "null", "-"],
        capture_output=True, check=False, start_new_session=OWN_SESSION)
    stderr = proc.stderr.decode(errors="replace")
    lufs = ebur128_summary(stderr).get("lufs")
    if proc.returncode != 0 or lufs is None:
        raise BuildError(f"{path}: measuring loudness failed: {stderr.strip()[-300:]}")
    tmp = atomic_target(note)
    tmp.write_text(repr(lufs), encoding="ascii")
    os.replace(tmp, note)
    return lufs


def voice_gain_db(lufs: float, profile: Profile) -> float:
    """The gain that brings a voice measured at `lufs` to the profile's target."""
    return gain_to_target(lufs, profile)
