"""Piper's neural voices behind the engine interface, their audio a function of the clip.

A Piper voice is an ONNX model (`MODEL.onnx`) with its JSON config
(`MODEL.onnx.json`) in the voices folder (`voices_dir()`). A cast file names
one as `piper:MODEL`, or one speaker of a multi-speaker model as
`piper:MODEL#SPEAKER` (a name from the model's `speaker_id_map`, or its number).

Piper draws noise inside its graph (two `RandomNormalLike` nodes: phoneme
durations and the acoustic prior), so the same sentence came out different on
every call. At load time each of those nodes is replaced by a graph input of
noise, which this module draws from a generator seeded by a digest of the text
and the voice settings (what the clip's cache key is made of), sentence by
sentence: a clip's samples depend on nothing else. The noise is standard normal
by Box-Muller from PCG64's raw output, which numpy keeps the same across its
versions; a buffer of noise sized from the sentence is tiled if the graph
should ever need more.

Each worker process loads a model once, into a session with one intra-op
thread: the worker processes, not threads, use the cores (measured: 6.9x real
time each in two processes against 12x for one process using both cores).

The rate drives Piper's length scale (170 words per minute is the model's own
pace). Piper has no pitch control, and shifting a neural voice's pitch after
the fact degrades it, so a cast file that sets `pitch` for a Piper voice is an
error (cast.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from audiobook.audio import trim_heap
from audiobook.engines import VoiceInfo, VoiceSettings, package_versions
from audiobook.errors import BuildError, InputError

PREFIX = "piper:"
"""Voice ids of Piper voices start with this."""
RECIPE = "noise-inputs-clauses-3"
"""How clips are made: part of every cache key, bumped when it changes."""
NATURAL_RATE_WPM = 170
"""The rate a Piper model speaks at with its own length scale."""
DEFAULT_PITCH = 50
"""The only pitch a Piper voice takes (it has no pitch control)."""
NOISE_PER_PHONEME = 2048
"""Noise values drawn per phoneme id and per noise node (tiled beyond): above the 192
channels times about 7 frames that one phoneme id takes in the medium models."""
MAX_SENTENCE_PHONEMES = 120
"""Longer sentences are spoken in clauses (`split_long`): about 7 seconds at most.
Measured peak memory of a worker on a 34-second sentence: 355 MB in parts of 200
phoneme ids, 258 MB in parts of 120, 234 MB in parts of 80 (the model alone: 153 MB)."""
MMAP_THRESHOLD = 128 * 1024
"""Memory blocks this large are mapped and unmapped on their own (`_return_big_blocks`)."""
CLAUSE_MARKS = frozenset(",;:")
INSTALL_HINT = "pip install 'audiobook[piper]'"
_NOISE_OP = "RandomNormalLike"
_NOISE_INPUT = "audiobook_noise_{}"


class PiperMissing(InputError):
    """The optional Piper extra is not installed."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"Piper voices need the piper extra: {INSTALL_HINT}"
                         + (f" ({detail})" if detail else ""))


def require_piper() -> None:
    """Raise PiperMissing (exit 2) unless piper-tts, onnxruntime and onnx import."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import piper  # noqa: F401
    except ImportError as err:
        raise PiperMissing(str(err)) from None


def available() -> bool:
    try:
        require_piper()
    except PiperMissing:
        return False
    return True


def voices_dir(explicit: Path | None = None) -> Path:
    """Where Piper voices live: `--voices-dir`, else $XDG_DATA_HOME/audiobook/voices,
    else ~/.local/share/audiobook/voices."""
    if explicit is not None:
        return explicit
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "audiobook" / "voices"


def is_piper(voice: str) -> bool:
    return voice.startswith(PREFIX)


def parse_voice_id(voice: str) -> tuple[str, str | None]:
    """`piper:MODEL#SPEAKER` -> (MODEL, SPEAKER or None)."""
    model, _, speaker = voice[len(PREFIX):].partition("#")
    return model, speaker or None


@dataclass
class PiperModel:
    """An installed Piper voice model."""

    name: str
    """File name without `.onnx`, e.g. `en_US-joe-medium`."""
    path: Path
    """The `.onnx` file."""
    config: dict = field(repr=False)
    """Its `.onnx.json`."""

    @property
    def speakers(self) -> dict[str, int]:
        """Speaker names and ids (empty for a one-speaker model)."""
        if int(self.config.get("num_speakers", 1)) <= 1:
            return {}
        found = self.config.get("speaker_id_map") or {}
        return {str(k): int(v) for k, v in found.items()} or {
            str(i): i for i in range(int(self.config["num_speakers"]))}

    @property
    def language(self) -> str:
        code = (self.config.get("language") or {}).get("code") or self.name.split("-")[0]
        return code.replace("_", "-").lower()

    @property
    def quality(self) -> str:
        return (self.config.get("audio") or {}).get("quality") or self.name.rsplit("-", 1)[-1]

    @property
    def sample_rate(self) -> int:
        return int(self.config["audio"]["sample_rate"])

    @property
    def genders_path(self) -> Path:
        """Measured genders, cached beside the model."""
        return self.path.with_name(self.path.name + ".genders.json")

    def speaker_id(self, speaker: str | None) -> int | None:
        """The model's id for a speaker name or number; None for a one-speaker model."""
        speakers = self.speakers
        if not speakers:
            if speaker is not None:
                raise InputError(f"piper:{self.name} has one speaker; drop '#{speaker}'")
            return None
        if speaker is None:
            return int(self.config.get("default_speaker_id", 0))
        if speaker in speakers:
            return speakers[speaker]
        if speaker.isdigit() and int(speaker) in speakers.values():
            return int(speaker)
        raise InputError(f"piper:{self.name} has no speaker {speaker!r} "
                         f"(`audiobook voices --engine piper` lists them)")

    def voice_ids(self) -> list[str]:
        if not self.speakers:
            return [f"{PREFIX}{self.name}"]
        return [f"{PREFIX}{self.name}#{name}" for name in self.speakers]


def installed_models(folder: Path) -> list[PiperModel]:
    """Every model with its config in a voices folder, by name."""
    out = []
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.onnx")):
        config = path.with_name(path.name + ".json")
        try:
            out.append(PiperModel(path.stem, path, json.loads(config.read_text("utf-8"))))
        except (OSError, ValueError):
            continue  # no config (or a broken one): not a usable voice
    return out


def find_model(folder: Path, name: str) -> PiperModel:
    """The installed model `name`; InputError naming the install command if absent."""
    for model in installed_models(folder):
        if model.name == name:
            return model
    raise InputError(f"the Piper voice {name!r} is not installed in {folder}; "
                     f"install it with `audiobook voices --install {name}`")


def read_genders(model: PiperModel) -> dict[str, str]:
    """Measured gender per speaker key ('' for a one-speaker model)."""
    try:
        data = json.loads(model.genders_path.read_text("utf-8"))
        return {k: v["gender"] for k, v in data.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def voice_infos(folder: Path) -> list[VoiceInfo]:
    """A voice per installed model and speaker, with its measured gender when known."""
    out = []
    for model in installed_models(folder):
        genders = read_genders(model)
        count = max(1, len(model.speakers))
        for voice in model.voice_ids():
            _, speaker = parse_voice_id(voice)
            label = model.name + (f" speaker {speaker}" if speaker else "")
            out.append(VoiceInfo(voice, label, model.language,
                                 genders.get(speaker or "", "unknown"),
                                 quality=model.quality, speakers=count))
    return out


@lru_cache(maxsize=32)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_digest(path: Path) -> str:
    """SHA-256 of a model file (remembered while the file is unchanged)."""
    stat = path.stat()
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


def engine_version(voice: str, folder: Path) -> str:
    """What a Piper clip's cache key holds besides the text and settings: the packages'
    versions, the model file's content hash (the speaker is in the voice id)."""
    return _engine_version(parse_voice_id(voice)[0], str(folder))


@lru_cache(maxsize=256)
def _engine_version(model: str, folder: str) -> str:
    found = find_model(Path(folder), model)
    return "/".join([*package_versions("piper-tts", "onnxruntime"),
                     model_digest(found.path)[:32], RECIPE])


def noise_seed(text: str, settings: VoiceSettings) -> int:
    """A seed from what a clip's cache key is made of (the text and the voice settings)."""
    payload = json.dumps([text, settings.voice, settings.rate, settings.pitch, settings.volume],
                         ensure_ascii=False)
    return int.from_bytes(hashlib.sha256(payload.encode("utf-8")).digest()[:8], "little")


def standard_normal(generator: np.random.PCG64, n: int) -> np.ndarray:
    """`n` standard normal float32 values by Box-Muller from the raw 64-bit stream."""
    half = (n + 1) // 2
    raw = generator.random_raw(2 * half)
    uniform = (raw >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    radius = np.sqrt(-2.0 * np.log1p(-uniform[:half]))  # 1 - u is in (0, 1]
    angle = 2 * np.pi * uniform[half:]
    return np.concatenate([radius * np.cos(angle), radius * np.sin(angle)])[:n].astype(
        np.float32)


def seeded_model(path: Path) -> tuple[bytes, list[str]]:
    """The model with each noise node fed from a graph input; (model bytes, input names).

    `Y = RandomNormalLike(X)` becomes `Y = Reshape(Slice(Tile(noise, reps), 0, n), Shape(X))`
    with n = Size(X) and reps = ceil(n / Size(noise)).
    """
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(path))
    graph = model.graph
    names: list[str] = []
    nodes = []
    for node in graph.node:
        if node.op_type != _NOISE_OP:
            nodes.append(node)
            continue
        k = len(names)
        name = _NOISE_INPUT.format(k)
        names.append(name)
        graph.input.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n"]))

        def t(part: str, k: int = k) -> str:
            return f"audiobook_noise_{k}_{part}"

        one = helper.make_tensor(t("one"), TensorProto.INT64, [], [1])
        zero = helper.make_tensor(t("zero"), TensorProto.INT64, [1], [0])
        axis0 = helper.make_tensor(t("axis0"), TensorProto.INT64, [1], [0])
        graph.initializer.extend([one, zero, axis0])
        x, y = node.input[0], node.output[0]
        nodes += [
            helper.make_node("Shape", [x], [t("shape")]),
            helper.make_node("Size", [x], [t("n")]),
            helper.make_node("Size", [name], [t("have")]),
            helper.make_node("Sub", [t("have"), t("one")], [t("have1")]),
            helper.make_node("Add", [t("n"), t("have1")], [t("sum")]),
            helper.make_node("Div", [t("sum"), t("have")], [t("reps0")]),
            helper.make_node("Unsqueeze", [t("reps0"), t("axis0")], [t("reps")]),
            helper.make_node("Unsqueeze", [t("n"), t("axis0")], [t("end")]),
            helper.make_node("Tile", [name, t("reps")], [t("tiled")]),
            helper.make_node("Slice", [t("tiled"), t("zero"), t("end"), t("axis0")],
                             [t("cut")]),
            helper.make_node("Reshape", [t("cut"), t("shape")], [y]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    return model.SerializeToString(), names


class PiperEngine:
    """Piper voices from a voices folder; one session per model, loaded once."""

    name = "piper"
    sample_rate = 22050
    """The usual rate; each clip is written at its own model's (`clip_rate`)."""

    def __init__(self, folder: Path | None = None):
        require_piper()
        _return_big_blocks()
        self.folder = voices_dir(folder)
        self.version = "piper"
        self._sessions: dict[Path, tuple[object, list[str]]] = {}
        self._voices: dict[str, object] = {}
        self._models: dict[str, PiperModel] = {}

    def _model(self, name: str) -> PiperModel:
        """An installed model, its config read once."""
        if name not in self._models:
            self._models[name] = find_model(self.folder, name)
        return self._models[name]

    def voices(self) -> list[VoiceInfo]:
        return voice_infos(self.folder)

    def clip_rate(self, settings: VoiceSettings) -> int:
        """The sample rate of a voice's clips."""
        return self._model(parse_voice_id(settings.voice)[0]).sample_rate

    def _load(self, model: PiperModel):
        """The piper voice (phonemizer and config) and our session, once per model."""
        if model.path in self._sessions:
            return self._voices[model.path], self._sessions[model.path]
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        source, names = seeded_model_file(model)
        session = onnxruntime.InferenceSession(source, sess_options=options,
                                               providers=["CPUExecutionProvider"])
        del source
        trim_heap()
        voice = PiperVoice(session=session, config=PiperConfig.from_dict(model.config))
        self._voices[model.path] = voice
        self._sessions[model.path] = (session, names)
        return voice, (session, names)

    def synthesize(self, text: str, settings: VoiceSettings) -> bytes:
        """16-bit mono PCM at the model's rate (`clip_rate`)."""
        name, speaker = parse_voice_id(settings.voice)
        model = self._model(name)
        if settings.pitch != DEFAULT_PITCH:
            raise BuildError(f"{settings.voice}: Piper voices have no pitch control")
        sid = model.speaker_id(speaker)
        voice, (session, names) = self._load(model)
        config = voice.config
        scales = np.array([config.noise_scale,
                           config.length_scale * NATURAL_RATE_WPM / max(settings.rate, 40),
                           config.noise_w_scale], dtype=np.float32)
        generator = np.random.PCG64(noise_seed(text, settings))
        pieces = []
        for phonemes in (part for sentence in voice.phonemize(text)
                         for part in split_long(sentence)):
            if not phonemes:
                continue
            ids = voice.phonemes_to_ids(phonemes)
            args = {"input": np.array([ids], dtype=np.int64),
                    "input_lengths": np.array([len(ids)], dtype=np.int64),
                    "scales": scales}
            if sid is not None:
                args["sid"] = np.array([sid], dtype=np.int64)
            for noise in names:  # the same generator runs on: sentences differ
                args[noise] = standard_normal(generator, NOISE_PER_PHONEME * len(ids))
            try:
                audio = session.run(None, args)[0].squeeze()
            except Exception as err:  # noqa: BLE001 (onnxruntime raises its own kinds)
                raise BuildError(f"Piper failed on {settings.voice}: {err}") from None
            audio = np.clip(audio * settings.volume, -1.0, 1.0)
            pieces.append((audio * 32767).astype("<i2").tobytes())
        if not pieces:
            raise BuildError(f"Piper found nothing to say in {text[:80]!r}")
        return b"".join(pieces)


def split_long(phonemes: list[str], limit: int = MAX_SENTENCE_PHONEMES) -> list[list[str]]:
    """A sentence's phonemes in parts of at most about `limit`, cut after clause
    punctuation: the model's working memory grows with the length of what it speaks at
    once (about 20 MB a second of audio), so a long period sentence is spoken in clauses.
    A clause that runs on half as far again with no mark is cut between words."""
    if len(phonemes) <= limit:
        return [phonemes]
    parts, start, cut, space = [], 0, None, None
    for i, phoneme in enumerate(phonemes):
        if phoneme in CLAUSE_MARKS:
            cut = i + 1
        elif phoneme == " ":
            space = i + 1
        if i - start >= limit and cut is not None and cut > start:
            parts.append(phonemes[start:cut])
            start = cut
        elif i - start >= limit + limit // 2 and space is not None and space > start:
            parts.append(phonemes[start:space])
            start = space
    parts.append(phonemes[start:])
    return [p for p in parts if any(ph.strip() for ph in p)]


def seeded_model_file(model: PiperModel) -> tuple[str | bytes, list[str]]:
    """The seeded model (`seeded_model`), kept as files beside the model so each worker
    loads it by path; bytes when the folder is read-only. (path or bytes, noise input names)

    The weights go to a file of their own (ONNX external data), which onnxruntime maps
    into memory instead of copying: the workers share one copy through the page cache
    (a worker's own memory 122 -> 62 MB PSS with the joe model)."""
    digest = model_digest(model.path)[:16]
    target = model.path.with_name(f"{model.path.name}.seeded-{RECIPE}-{digest}-mapped")
    names_file = target.with_name(target.name + ".json")
    try:
        return str(target), json.loads(names_file.read_text("utf-8"))
    except (OSError, ValueError):
        pass
    data, names = seeded_model(model.path)
    from audiobook.audio import atomic_target

    try:
        _write_external(data, target)
        tmp = atomic_target(names_file)
        tmp.write_text(json.dumps(names), "utf-8")
        os.replace(tmp, names_file)
    except OSError:
        return data, names
    return str(target), names


def _write_external(data: bytes, target: Path) -> None:
    """Model bytes as `target` and its weights as `target.data`, each renamed into place
    once complete, the weights first (so a model file found is always whole)."""
    import onnx
    from onnx.external_data_helper import convert_model_to_external_data

    weights = target.with_name(target.name + ".data")
    proto = onnx.load_from_string(data)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".seeding-") as work:
        convert_model_to_external_data(proto, all_tensors_to_one_file=True,
                                       location=weights.name, size_threshold=1024)
        onnx.save_model(proto, str(Path(work) / target.name))
        if (Path(work) / weights.name).exists():  # a model with any tensor above 1 KB
            os.replace(Path(work) / weights.name, weights)
        os.replace(Path(work) / target.name, target)


def seeded_files(model_path: Path) -> list[Path]:
    """Seeded copies of a model made by `seeded_model_file` (removed with the voice)."""
    return sorted(model_path.parent.glob(f"{model_path.name}.seeded-*"))


def _return_big_blocks() -> None:
    """Keep glibc from raising its mmap threshold: else the model's large temporary tensors,
    once freed, stay in the heap, and a worker keeps the memory of its longest sentence
    (measured: 593 MB after a 34-second sentence, 355 MB with this)."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def safe_model_name(name: str) -> bool:
    """A model name is a plain file name (no folders)."""
    return bool(_SAFE_NAME.match(name)) and name not in (".", "..")


def measure_genders(model: PiperModel, folder: Path, progress: bool = True) -> dict[str, str]:
    """Measure every speaker of a model not measured yet (median pitch of a reference
    sentence), cache the result beside the model, and return gender per speaker key
    ('' for a one-speaker model). Cached results stand: a cast file can still override."""
    from tqdm import tqdm

    from audiobook.audio import atomic_target
    from audiobook.engines.pitch import REFERENCE_SENTENCE, gender_of, median_pitch_hz

    try:
        known = json.loads(model.genders_path.read_text("utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    speakers = list(model.speakers) or [""]
    todo = [s for s in speakers if not isinstance(known.get(s), dict)]
    if todo:
        engine = PiperEngine(folder)  # not the process's own: its model is let go after
        for speaker in tqdm(todo, desc=f"Measuring {model.name}", unit="speaker",
                            disable=not progress or len(todo) < 2):
            voice = f"{PREFIX}{model.name}" + (f"#{speaker}" if speaker else "")
            pcm = engine.synthesize(REFERENCE_SENTENCE, VoiceSettings(voice))
            hz = median_pitch_hz(pcm, model.sample_rate)
            known[speaker] = {"gender": gender_of(hz),
                              "median_hz": None if hz is None else round(hz, 1)}
        del engine
        trim_heap()
        tmp = atomic_target(model.genders_path)
        try:
            tmp.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, model.genders_path)
        except OSError:  # a read-only folder: measured again next time
            tmp.unlink(missing_ok=True)
    return {k: v["gender"] for k, v in known.items() if isinstance(v, dict)}


def measure_missing_genders(folder: Path, progress: bool = True) -> None:
    """Measure the genders of every installed model's unmeasured speakers."""
    for model in installed_models(folder):
        measure_genders(model, folder, progress)
