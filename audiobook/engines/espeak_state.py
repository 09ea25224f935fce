"""libespeak-ng's own variables, copied once and put back before every clip.

espeak-ng keeps its synthesizer's state in static variables that no API
resets: the pitch flutter's position (`Flutter_ix`), the count of glottal
cycles behind the voice's roughness (`cycle_count`), the echo buffer, the
automatic gain, the Klatt filters, its random generator (seeded from the clock
at start-up). So a clip's samples, and even its length, depended on what the
same process had spoken before: measured here, one sentence came out in four
versions after four different predecessors.

The fix is at the library's own depth: right after start-up, every byte of its
writable data (the ELF `.data` and `.bss` sections) is copied, and before each
clip it is put back, so every clip starts from the state a fresh process's
first clip starts from; the voice and its settings are then set again. The few
variables that own memory on the heap (the current translator and its
dictionary, the voice list, the text decoder, output buffers) keep their
current values: putting back an old pointer would leak or free twice, and none
of them shapes the sound (the translator is made anew by each voice change).
Copying about 110 kB back costs microseconds, far below a clip's synthesis.

The section and symbol tables come from the library file. A
library without a symbol table (a stripped system build) cannot be reset:
`LibraryState.load` then returns None and the engine says so once.
"""

from __future__ import annotations

import ctypes
import struct
from dataclasses import dataclass
from pathlib import Path

KEEP = frozenset({
    # Heap owners: the current translators (and their dictionaries), which a voice change
    # frees and makes anew.
    "translator", "translator2", "translator3",
    # The list of voices (read once from the data folder) and its array.
    "voices_list", "n_voices_list", "voices",
    # The text decoder, made at the first synthesis.
    "p_decoder",
    # Output: the sample buffer and event list made at start-up, our callbacks.
    "outbuf", "outbuf_size", "out_start", "out_ptr", "out_end", "event_list", "n_event_list",
    "synth_callback", "uri_callback", "phoneme_callback",
    # The Klatt speech player (made anew by `restore`), sound icons, SSML name data, phoneme
    # output of espeak_TextToPhonemes.
    "speechPlayerHandle", "soundicon_tab", "n_soundicon_tab",
    "namedata", "n_namedata", "namedata_ix", "phon_out_buf", "phon_out_size",
    # Files and the asynchronous mode's threads, queues and locks (unused, left alone).
    "f_trans", "f_log", "head", "tail", "node_counter", "thread_inited",
})
"""Variables left as they are: they own heap memory or belong to the caller."""
KEEP_PREFIXES = ("my_",)
"""The asynchronous mode's thread state (`my_mutex`, `my_thread`, ...)."""
SECTIONS = (".data", ".bss")
SPEECH_PLAYER_RATE_HZ = 22050
"""The rate espeak-ng gives its Klatt speech player (klatt.c, KlattInitSP)."""


@dataclass(frozen=True)
class _Range:
    offset: int
    """Offset in the library's address space."""
    size: int


@dataclass
class _Layout:
    """Where things are in the library file."""

    restored: list[_Range]
    """The parts of `.data` and `.bss` put back before each clip."""
    symbols: dict[str, int]
    """Offsets of the few functions and variables `restore` uses by name."""


_NAMED = ("espeak_Synth", "sonicSpeedupStream", "sonicDestroyStream", "speechPlayerHandle")


_SHT_SYMTAB = 2
_STT_OBJECT, _STT_FUNC = 1, 2


def _elf_tables(data: bytes) -> tuple[list[tuple[str, int, int]],
                                     list[tuple[str, int, int, int, int]]] | None:
    """The sections (name, address, size) and symbols (name, type, section index, value,
    size) of a little-endian 64-bit ELF file; None for another kind of file or one
    without a symbol table.

    Two tables of fixed-size records, read with `struct`: pyelftools took 130 ms at every
    worker start for the same, this takes a few.
    """
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:  # 64-bit, little-endian
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    # (name, type, flags, addr, offset, size, link, info, addralign, entsize)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
               for i in range(shnum)]

    def text(table: int, at: int) -> str:
        return data[table + at:data.index(b"\0", table + at)].decode("ascii", "replace")

    sections = [(text(headers[shstrndx][4], h[0]), h[3], h[5]) for h in headers]
    symtab = next((h for h in headers if h[1] == _SHT_SYMTAB), None)
    if symtab is None:
        return None
    strings = headers[symtab[6]][4]  # its string table
    symbols = [(text(strings, name), info & 0xF, shndx, value, size)
               for name, info, _, shndx, value, size in struct.iter_unpack(
                   "<IBBHQQ", data[symtab[4]:symtab[4] + symtab[5]])]
    return sections, symbols


def _layout(path: Path) -> _Layout | None:
    """Where the state and the named symbols are; None without a symbol table."""
    tables = _elf_tables(path.read_bytes())
    if tables is None:
        return None
    sections, symbols = tables
    kept: list[_Range] = []
    named: dict[str, int] = {}
    for name, kind, shndx, value, size in symbols:
        if name in _NAMED and kind in (_STT_OBJECT, _STT_FUNC):
            named[name] = value
        if kind != _STT_OBJECT or shndx >= len(sections) or sections[shndx][0] not in SECTIONS:
            continue
        plain = name.split(".", 1)[0]  # function statics are named like `Flutter_ix.5965`
        if plain in KEEP or plain.startswith(KEEP_PREFIXES):
            kept.append(_Range(value, size))
    if "espeak_Synth" not in named:
        return None
    restored: list[_Range] = []
    for name, address, length in sections:
        if name not in SECTIONS:
            continue
        start, end = address, address + length
        for keep in sorted(kept, key=lambda r: r.offset):
            if keep.offset >= end or keep.offset + keep.size <= start:
                continue
            if keep.offset > start:
                restored.append(_Range(start, keep.offset - start))
            start = max(start, keep.offset + keep.size)
        if end > start:
            restored.append(_Range(start, end - start))
    return _Layout(restored, named)


class LibraryState:
    """A copy of libespeak-ng's writable data, put back with `restore()`."""

    def __init__(self, library: ctypes.CDLL, base: int, layout: _Layout):
        self._parts = [(base + r.offset, ctypes.create_string_buffer(
            ctypes.string_at(base + r.offset, r.size), r.size)) for r in layout.restored]
        self.size = sum(r.size for r in layout.restored)
        """Bytes put back by each `restore()`."""
        where = {name: base + offset for name, offset in layout.symbols.items()}
        self._sonic = None
        if "sonicSpeedupStream" in where and "sonicDestroyStream" in where:
            self._sonic = (ctypes.c_void_p.from_address(where["sonicSpeedupStream"]),
                           ctypes.CFUNCTYPE(None, ctypes.c_void_p)(where["sonicDestroyStream"]))
        self._player = None
        if "speechPlayerHandle" in where and hasattr(library, "speechPlayer_initialize"):
            library.speechPlayer_initialize.restype = ctypes.c_void_p
            library.speechPlayer_initialize.argtypes = [ctypes.c_int]
            library.speechPlayer_terminate.argtypes = [ctypes.c_void_p]
            self._player = (ctypes.c_void_p.from_address(where["speechPlayerHandle"]), library)
        libc = ctypes.CDLL(None)
        self._srand = libc.srand
        self._srand.argtypes = [ctypes.c_uint]

    @classmethod
    def load(cls, path: str) -> LibraryState | None:
        """Copy the state of the library at `path`, loaded and initialized in this process."""
        layout = _layout(Path(path))
        if layout is None:
            return None
        library = ctypes.CDLL(path)  # the loaded library again, not a second copy
        synth = ctypes.cast(library.espeak_Synth, ctypes.c_void_p).value
        return cls(library, synth - layout.symbols["espeak_Synth"], layout)

    def restore(self, seed: int) -> None:
        """Put every copied byte back; the state kept on the heap is made anew."""
        if self._sonic is not None:
            # The speed-up stream (rates above 450 words per minute) holds samples that
            # would start the next clip: freed here, made again when next needed.
            stream, destroy = self._sonic
            if stream.value:
                destroy(stream.value)
        if self._player is not None:
            # The Klatt voices' speech player keeps its filters' memory: a fresh one.
            handle, library = self._player
            library.speechPlayer_terminate(handle.value)
            handle.value = library.speechPlayer_initialize(SPEECH_PLAYER_RATE_HZ)
        for address, saved in self._parts:
            ctypes.memmove(address, saved, len(saved))
        self._srand(seed)  # the speech player's noise comes from the C library's rand()
