"""Installing and removing Piper voices: the voices repository's catalog, checked downloads.

Nothing here runs unless the user asks (`audiobook voices --available`,
`--install NAME`, `--remove NAME`). The repository is
`$AUDIOBOOK_PIPER_VOICES_URL`, else the public Piper voices repository; its
catalog is `{base}/voices.json`, whose entries give each file's path in the
repository (`en/en_US/joe/medium/en_US-joe-medium.onnx`), size and MD5, and a
file is fetched from `{base}/{path}`. Each file is downloaded under a temporary
name, checked (size and MD5) and only then renamed into place, the model last,
so a voice is never half there under its name.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from audiobook.audio import atomic_target
from audiobook.engines.piper import installed_models, safe_model_name, seeded_files
from audiobook.errors import InputError

DEFAULT_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
URL_ENV = "AUDIOBOOK_PIPER_VOICES_URL"
TIMEOUT_S = 30.0
"""Seconds without an answer before a download counts as failed."""
CHUNK = 1 << 16


@dataclass(frozen=True)
class CatalogVoice:
    """One entry of the catalog."""

    key: str
    """Its name, e.g. `en_US-joe-medium`."""
    language: str
    quality: str
    speakers: int
    files: dict[str, dict]
    """Repository path -> {size_bytes, md5_digest}."""

    @property
    def size(self) -> int:
        return sum(int(f.get("size_bytes", 0)) for f in self.files.values())


def base_url() -> str:
    return os.environ.get(URL_ENV, DEFAULT_URL).rstrip("/")


def _open(url: str):
    try:
        return urllib.request.urlopen(url, timeout=TIMEOUT_S)  # noqa: S310 (http(s) only)
    except urllib.error.HTTPError as err:
        raise InputError(f"{url}: the voices repository answered {err.code} {err.reason}"
                         ) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise InputError(f"cannot reach the Piper voices repository at {base_url()} "
                         f"({reason}); check the network or {URL_ENV}") from None


def catalog() -> dict[str, CatalogVoice]:
    """The repository's catalog of voices, by name."""
    url = f"{base_url()}/voices.json"
    with _open(url) as response:
        try:
            data = json.loads(response.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InputError(f"{url}: not a voices catalog (bad JSON)") from None
    out = {}
    for key, entry in (data.items() if isinstance(data, dict) else ()):
        if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
            continue
        language = (entry.get("language") or {}).get("code", "")
        out[key] = CatalogVoice(key, language.replace("_", "-").lower(),
                                str(entry.get("quality", "")),
                                int(entry.get("num_speakers", 1) or 1), entry["files"])
    return out


def _download(url: str, target: Path, size: int, md5: str, progress: bool) -> Path:
    """Fetch `url` to `target`, checked, through a temporary file."""
    from tqdm import tqdm

    tmp = atomic_target(target)
    digest = hashlib.md5(usedforsecurity=False)
    got = 0
    try:
        with _open(url) as response, open(tmp, "wb") as out, \
                tqdm(total=size or None, unit="B", unit_scale=True, desc=target.name,
                     disable=not progress) as bar:
            while True:
                try:
                    block = response.read(CHUNK)
                except OSError as err:
                    raise InputError(f"{url}: the download broke off ({err})") from None
                if not block:
                    break
                out.write(block)
                digest.update(block)
                got += len(block)
                bar.update(len(block))
        if size and got != size:
            raise InputError(f"{url}: got {got} bytes, the catalog says {size}; "
                             "nothing was installed")
        if md5 and digest.hexdigest() != md5.lower():
            raise InputError(f"{url}: checksum mismatch (MD5 {digest.hexdigest()}, the "
                             f"catalog says {md5}); nothing was installed")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def install(name: str, folder: Path, progress: bool = True) -> Path:
    """Download voice `name` into `folder`; return the model's path."""
    voices = catalog()
    entry = voices.get(name)
    if entry is None:
        import difflib

        close = difflib.get_close_matches(name, list(voices), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"no Piper voice {name!r} in the catalog{hint}; "
                         "`audiobook voices --available` lists them")
    wanted = {}
    for path, info in entry.files.items():
        base = Path(path).name
        if base in (f"{name}.onnx", f"{name}.onnx.json"):
            wanted[base] = (path, info)
    if set(wanted) != {f"{name}.onnx", f"{name}.onnx.json"}:
        raise InputError(f"the catalog entry {name!r} lacks its model or config file")
    folder.mkdir(parents=True, exist_ok=True)
    needed = sum(int(info.get("size_bytes", 0)) for _, info in wanted.values())
    if not free_space_ok(folder, needed):
        raise OSError(errno.ENOSPC, f"no room for {name} ({needed / 2**20:.0f} MB)",
                      str(folder))
    done: list[tuple[Path, Path]] = []
    try:
        # The config first, the model last: a voice counts as installed by its model.
        for base in (f"{name}.onnx.json", f"{name}.onnx"):
            path, info = wanted[base]
            tmp = _download(f"{base_url()}/{path}", folder / base,
                            int(info.get("size_bytes", 0)), str(info.get("md5_digest", "")),
                            progress)
            done.append((tmp, folder / base))
    except BaseException:
        for tmp, _ in done:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in done:
        os.replace(tmp, target)
    stale = folder / f"{name}.onnx.genders.json"
    stale.unlink(missing_ok=True)  # measured on a voice this one replaces
    return folder / f"{name}.onnx"


def remove(name: str, folder: Path) -> list[Path]:
    """Delete an installed voice (model, config, measured genders); return what went."""
    if not safe_model_name(name) or name not in {m.name for m in installed_models(folder)}:
        raise InputError(f"no Piper voice {name!r} is installed in {folder}; "
                         "`audiobook voices --engine piper` lists them")
    removed = []
    for path in [folder / f"{name}{suffix}" for suffix in (".onnx", ".onnx.json",
                                                             ".onnx.genders.json")] + \
            seeded_files(folder / f"{name}.onnx"):
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def free_space_ok(folder: Path, needed: int) -> bool:
    """Whether the disk holding `folder` has room for `needed` bytes (and some spare)."""
    probe = folder if folder.exists() else folder.parent
    while not probe.exists():
        probe = probe.parent
    return shutil.disk_usage(probe).free > needed + (16 << 20)
