"""espeak-ng's state put back before every clip: what is read from the library file."""

from pathlib import Path

import espeakng_loader

from audiobook.engines.espeak_state import KEEP, _elf_tables, _layout


def test_the_bundled_library_gives_its_writable_data_less_what_owns_heap_memory():
    path = Path(espeakng_loader.get_library_path())
    layout = _layout(path)
    assert layout is not None
    sections, symbols = _elf_tables(path.read_bytes())
    spans = {name: (address, address + size) for name, address, size in sections
             if name in (".data", ".bss")}
    restored = [(r.offset, r.offset + r.size) for r in layout.restored]
    assert all(any(lo <= a and b <= hi for lo, hi in spans.values()) for a, b in restored)

    def covered(name: str) -> bool:
        value, size = next((v, s) for n, k, _, v, s in symbols if n.split(".")[0] == name)
        return any(a <= value and value + size <= b for a, b in restored)

    # The synthesizer's own state is put back; the translator and the voice list are not.
    assert all(covered(name) for name in ("Flutter_ix", "cycle_count", "echo_buf", "kt_globals",
                                          "espeak_rand_state"))
    assert not any(covered(name) for name in ("translator", "voices_list", "p_decoder"))
    assert {"translator", "p_decoder"} <= KEEP
    assert {"espeak_Synth", "sonicDestroyStream", "speechPlayerHandle"} <= set(layout.symbols)


def test_a_file_that_is_no_elf_library_gives_no_layout(tmp_path):
    fake = tmp_path / "libfake.so"
    fake.write_bytes(b"#!/bin/sh\necho not a library\n")
    assert _layout(fake) is None


def test_a_library_stripped_of_its_symbol_table_gives_no_layout(tmp_path):
    import struct

    data = bytearray(Path(espeakng_loader.get_library_path()).read_bytes())
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for i in range(shnum):
        at = shoff + i * shentsize + 4  # sh_type
        if struct.unpack_from("<I", data, at)[0] == 2:  # SHT_SYMTAB, as `strip` removes
            struct.pack_into("<I", data, at, 0)
    stripped = tmp_path / "libespeak-ng.so"
    stripped.write_bytes(bytes(data))
    assert _layout(stripped) is None
