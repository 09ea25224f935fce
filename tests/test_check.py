"""`audiobook check`: measurements and pass/fail, on files made here with ffmpeg."""

import subprocess

from audiobook.audio import ffmpeg_exe
from audiobook.check import check, judge, measure_file, table
from audiobook.cli import main


def make(path, filter_graph: str, seconds: float = 4, extra=()):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=f=300:d={seconds}:sample_rate=44100", "-af", filter_graph,
                    *extra, "-b:a", "192k", str(path)], check=True)
    return path


def test_a_clipped_too_loud_file_fails_both_profiles(tmp_path, capsys):
    loud = make(tmp_path / "loud.mp3", "volume=30dB")
    m = measure_file(loud)
    assert m.peak_db > -0.5 and m.rms_db > -3
    assert judge(m, "standard").failures
    assert any("peak" in f for f in judge(m, "acx").failures)
    assert main(["check", str(loud)]) == 1
    assert main(["check", "--profile", "acx", str(loud)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_a_file_meeting_acx_rules_passes(tmp_path, capsys):
    # 0.7 s of faint noise, the tone raised to about -20 dB RMS over the file, 2 s of noise.
    good = tmp_path / "good.mp3"
    subprocess.run([
        ffmpeg_exe(), "-v", "error", "-y",
        "-f", "lavfi", "-i", "anoisesrc=d=0.7:c=white:a=0.0004:r=44100",
        "-f", "lavfi", "-i", "sine=f=300:d=3:sample_rate=44100",
        "-f", "lavfi", "-i", "anoisesrc=d=2:c=white:a=0.0004:r=44100",
        "-filter_complex", "[1]volume=4dB[t];[0][t][2]concat=n=3:v=0:a=1",
        "-ac", "1", "-b:a", "192k", str(good)], check=True)
    [m] = check([good], "acx")
    assert m.failures == [], table([m])
    assert 0.5 <= m.head_s <= 1.0 and 1.0 <= m.tail_s <= 5.0
    assert m.sample_rate == 44100 and m.bitrate_kbps == 192 and m.bitrate_mode == "CBR"
    assert main(["check", "--profile", "acx", str(good)]) == 0
    assert "pass" in capsys.readouterr().out


def test_digital_silence_at_the_head_is_not_room_tone_for_acx(tmp_path):
    path = make(tmp_path / "quiet.mp3", "volume=-17dB,adelay=3000:all=1", seconds=3)
    m = judge(measure_file(path), "acx")
    assert "head room tone 0.5..1 s" in m.failures
