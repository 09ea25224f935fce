"""Command line: argument parsing and subcommands only."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import traceback
from pathlib import Path

from audiobook import __version__
from audiobook.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    AudiobookError,
    InputError,
)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


ENGINES = ("espeak", "piper")


def _add_engine(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help=f"{what} (piper needs: pip install 'audiobook[piper]')")
    parser.add_argument("--voices-dir", type=Path, default=None,
                        help="Piper voices folder (default: $XDG_DATA_HOME/audiobook/voices, "
                             "else ~/.local/share/audiobook/voices)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audiobook",
        description="Turn a story into a multi-voice, chaptered audiobook, fully offline.",
    )
    parser.add_argument("--version", action="version", version=f"audiobook {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="build the audiobook (MP3 per chapter, playlist, cast)")
    p.add_argument("input", type=Path, help="story file (.txt, .md, .html or .epub)")
    p.add_argument("--voices", type=Path, help="cast file (YAML) to use")
    p.add_argument("--out", type=Path, default=Path("output"), help="output folder")
    p.add_argument("--format", choices=("mp3", "m4b", "all"), default="mp3",
                   help="mp3: a file per chapter and a playlist; m4b: one file with chapter "
                        "marks; all: both")
    p.add_argument("--cover", type=Path, help="cover image (JPEG or PNG) for every file")
    p.add_argument("--profile", choices=("standard", "acx"), default="standard",
                   help="standard: -18 LUFS speech; acx: ACX/Audible submission rules")
    p.add_argument("--keep-notes", action="store_true",
                   help="read disclaimers and author's notes instead of skipping them")
    p.add_argument("--read-summary", action="store_true",
                   help="read a fan-fiction work's summary after its title")
    p.add_argument("--jobs", type=int, default=None,
                   help="speech workers and chapter encoders (default: all cores)")
    p.add_argument("--cache", type=Path, default=None,
                   help="clip cache folder (default: $XDG_CACHE_HOME/audiobook, else "
                        "~/.cache/audiobook); `audiobook clean` empties it")
    p.add_argument("--no-cache", action="store_true",
                   help="neither reuse nor keep clips (chapters already in --out that are "
                        "unchanged are still kept)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_engine(p, "where speakers without a voice get one (default: espeak)")
    _add_common(p)

    p = sub.add_parser("clean", help="delete the clip cache (rebuilds then speak everything)",
                       description="Delete the spoken clips kept in the cache folder. Books "
                       "already built are not touched; the next build of a book speaks it "
                       "again.")
    p.add_argument("--cache", type=Path, default=None,
                   help="clip cache folder (default: $XDG_CACHE_HOME/audiobook, else "
                        "~/.cache/audiobook)")
    _add_common(p)

    p = sub.add_parser("check", help="measure audio files against a profile (exit 1 on failure)")
    p.add_argument("paths", type=Path, nargs="+", help="audio files or folders")
    p.add_argument("--profile", choices=("standard", "acx"), default="standard")
    _add_common(p)

    p = sub.add_parser("segment", help="show who says what")
    p.add_argument("input", type=Path)
    p.add_argument("--keep-notes", action="store_true", help="read author's notes")
    p.add_argument("--read-summary", action="store_true",
                   help="read a fan-fiction work's summary after its title")
    p.add_argument("--voices", type=Path, help="cast file (YAML) to use")
    p.add_argument("--format", choices=("text", "jsonl"), default="text")
    _add_common(p)

    p = sub.add_parser("voices", help="list, install or remove voices (id first)")
    p.add_argument("--lang", help="only this language and its accents (en, en-gb, ...)")
    p.add_argument("--gender", choices=("male", "female"), help="only voices of this gender")
    _add_engine(p, "only this engine's voices (default: every installed engine's)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--available", action="store_true",
                      help="list the Piper voices the voices repository offers")
    what.add_argument("--install", metavar="NAME",
                      help="download a Piper voice (e.g. en_US-joe-medium) into the voices folder")
    what.add_argument("--remove", metavar="NAME", help="delete an installed Piper voice")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_common(p)

    p = sub.add_parser("cast", help="write a cast file (characters and voices) for a book",
                       description="Find the book's characters and give each a voice. With "
                       "--voices, every choice in that file is kept and only new characters "
                       "are added.")
    p.add_argument("input", type=Path, help="story file")
    p.add_argument("--voices", type=Path, help="existing cast file to keep and extend")
    p.add_argument("-o", "--output", type=Path, help="write here (default: standard output)")
    _add_engine(p, "where speakers without a voice get one (default: espeak)")
    _add_common(p)

    p = sub.add_parser("preview", help="render a short audition clip per speaker",
                       description="One short MP3 per speaker: their first lines from INPUT "
                       "when given, otherwise a standard sentence.")
    p.add_argument("input", type=Path, nargs="?", help="story file (for first lines)")
    p.add_argument("--voices", type=Path, required=True, help="cast file (YAML)")
    p.add_argument("--out", type=Path, default=Path("output") / "preview",
                   help="folder for the clips (default: output/preview)")
    p.add_argument("--jobs", type=int, default=None, help="speech workers (default: all cores)")
    p.add_argument("--cache", type=Path, default=None, help="clip cache folder")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_engine(p, "where speakers without a voice get one (default: espeak)")
    _add_common(p)

    p = sub.add_parser("studio", help="see, correct and hear who says every line, then build",
                       description="A local web page (127.0.0.1 only) showing the script "
                       "chapter by chapter in each speaker's colour: correct who says a line, "
                       "hear any line, edit the cast and build. Corrections and cast changes "
                       "are saved to the cast file at once.")
    p.add_argument("input", type=Path, help="story file")
    p.add_argument("--voices", type=Path,
                   help="cast file to edit (default: INPUT's name with .cast.yaml, beside it, "
                        "created if missing)")
    p.add_argument("--out", type=Path, default=Path("output"), help="output folder for builds")
    p.add_argument("--cache", type=Path, default=None, help="clip cache folder")
    p.add_argument("--jobs", type=int, default=None,
                   help="speech workers and chapter encoders of a build (default: all cores)")
    p.add_argument("--format", choices=("mp3", "m4b", "all"), default="mp3",
                   help="what a build writes (as for build)")
    p.add_argument("--profile", choices=("standard", "acx"), default="standard",
                   help="loudness profile of a build (as for build)")
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    _add_engine(p, "where speakers without a voice get one (default: espeak)")
    _add_common(p)
    return parser


def _cast_engine(args: argparse.Namespace) -> str:
    """The engine speakers without a voice are cast from; Piper's extra checked first."""
    if args.engine == "piper":
        from audiobook.engines.piper import require_piper

        require_piper()
    return args.engine or "espeak"


def cmd_build(args: argparse.Namespace) -> int:
    from audiobook.pipeline import build

    _check_jobs(args)
    result = build(args.input, args.voices, args.out, jobs=args.jobs, cache=args.cache,
                   use_cache=not args.no_cache, progress=not args.quiet, formats=args.format,
                   cover=args.cover, profile=args.profile, keep_notes=args.keep_notes,
                   read_summary=args.read_summary, cast_engine=_cast_engine(args),
                   voices_dir=args.voices_dir)
    minutes, seconds = divmod(round(result.audio_seconds), 60)
    print(f"Wrote {minutes} min {seconds} s of audio in {result.wall_seconds:.1f} s:")
    for path in result.files:
        print(f"  {path}")
    if result.m4b:
        print(f"Audiobook: {result.m4b}")
    if result.playlist:
        print(f"Playlist: {result.playlist}")
    print(f"Cast:     {result.cast_file}  (edit it and pass it back with --voices)")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from audiobook.render import clean_cache, default_cache_dir

    folder = args.cache or default_cache_dir()
    clips, fragments, size = clean_cache(folder)
    print(f"Removed {clips} clip(s) and {fragments} encoded fragment(s), "
          f"{size / 2**20:.1f} MB, from {folder}")
    return 0


def cmd_segment(args: argparse.Namespace) -> int:
    from audiobook.book import load_book
    from audiobook.pipeline import analyse, read_cast, script

    cast = read_cast(args.voices)
    book = load_book(args.input, keep_notes=args.keep_notes, read_summary=args.read_summary)
    segments = analyse(book, cast)
    out = sys.stdout
    for line in script(book, segments, cast):
        seg = line.segment
        if args.format == "jsonl":
            out.write(json.dumps({**seg.to_dict(), "say": line.say}, ensure_ascii=False) + "\n")
        else:
            who = seg.speaker if seg.kind == "dialogue" else seg.kind
            out.write(f"[{seg.chapter}] {who}: {' '.join(seg.text.split())}\n")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from audiobook.check import check, table

    results = check(args.paths, args.profile)
    print(table(results))
    failed = sum(1 for m in results if m.failures)
    print(f"{len(results) - failed} passed, {failed} failed ({args.profile} profile)")
    return 1 if failed else 0


def cmd_voices(args: argparse.Namespace) -> int:
    from audiobook.engines import piper
    from audiobook.pipeline import engine_voices

    folder = piper.voices_dir(args.voices_dir)
    if args.available or args.install or args.remove:
        return _manage_piper_voices(args, folder)
    _cast_engine(args)  # --engine piper without the extra: one line, exit 2
    voices = engine_voices(args.engine, args.lang, args.gender, args.voices_dir,
                           progress=not args.quiet)
    if not voices:
        if args.engine == "piper" and not args.lang and not args.gender:
            raise InputError(f"no Piper voice is installed in {folder}; "
                             "`audiobook voices --available` lists what can be")
        raise InputError(f"no voice matches{' --lang ' + args.lang if args.lang else ''}"
                         f"{' --gender ' + args.gender if args.gender else ''}; "
                         "`audiobook voices` lists them all")
    for voice in voices:
        extra = (f"\t{voice.quality}\t{voice.speakers} speaker(s)"
                 if voice.id.startswith(piper.PREFIX) else "")
        print(f"{voice.id}\t{voice.name}\t{voice.language}\t{voice.gender}{extra}")
    return 0


def _manage_piper_voices(args: argparse.Namespace, folder: Path) -> int:
    """`voices --available`, `--install NAME`, `--remove NAME`."""
    from audiobook.engines import piper, piper_store

    if args.remove:
        for path in piper_store.remove(args.remove, folder):
            print(f"Removed {path}")
        return 0
    if args.available:
        installed = {m.name for m in piper.installed_models(folder)}
        for entry in sorted(piper_store.catalog().values(), key=lambda e: e.key):
            if args.lang and not (entry.language == args.lang.lower()
                                  or entry.language.startswith(args.lang.lower() + "-")):
                continue
            mark = "\tinstalled" if entry.key in installed else ""
            print(f"{entry.key}\t{entry.language}\t{entry.quality}\t"
                  f"{entry.speakers} speaker(s)\t{entry.size / 2**20:.0f} MB{mark}")
        return 0
    if not piper.safe_model_name(args.install):
        raise InputError(f"{args.install!r} is not a voice name such as en_US-joe-medium")
    path = piper_store.install(args.install, folder, progress=not args.quiet)
    print(f"Installed {args.install} in {folder}")
    if piper.available():
        model = piper.find_model(folder, path.stem)
        genders = piper.measure_genders(model, folder, progress=not args.quiet)
        counts = {g: list(genders.values()).count(g) for g in ("male", "female", "unknown")}
        print("Measured genders: " + ", ".join(f"{n} {g}" for g, n in counts.items() if n))
    else:
        print(f"To speak with it: {piper.INSTALL_HINT}")
    return 0


def cmd_cast(args: argparse.Namespace) -> int:
    from audiobook.audio import atomic_target
    from audiobook.cast import dump_cast
    from audiobook.pipeline import cast_for_book

    before: set[str] = set()
    if args.voices:
        from audiobook.cast import load_cast

        before = set(load_cast(args.voices).characters)  # validated fully just below
    cast, _ = cast_for_book(args.input, args.voices, cast_engine=_cast_engine(args),
                            voices_dir=args.voices_dir)
    if args.voices:
        from audiobook.castfile import CastDocument

        # The user's file with what is new added: their comments and order stay.
        document = CastDocument.load(args.voices)
        document.merge_cast(cast)
        text = document.text()
    else:
        text = dump_cast(cast)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    tmp = atomic_target(args.output)
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.output)
    except OSError as err:
        tmp.unlink(missing_ok=True)

        raise InputError(f"{args.output}: cannot write the cast file ({err.strerror})") from None
    new = [name for name in cast.characters if name not in before]
    kept = len(cast.characters) - len(new)
    print(f"Wrote {args.output}: narrator and {len(cast.characters)} character(s)"
          + (f", {kept} kept from {args.voices}" if args.voices else "")
          + (f", new: {', '.join(new)}" if new and args.voices else ""), file=sys.stderr)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from audiobook.pipeline import cast_for_book
    from audiobook.preview import plan_auditions, render_auditions

    _check_jobs(args)
    cast, lines = cast_for_book(args.input, args.voices, cast_engine=_cast_engine(args),
                                voices_dir=args.voices_dir)
    auditions = plan_auditions(cast, lines)
    title = f"Cast preview: {cast.title}" if cast.title else "Cast preview"
    playlist = render_auditions(auditions, args.out, cache=args.cache, jobs=args.jobs,
                                progress=not args.quiet, title=title,
                                voices_dir=args.voices_dir)
    for a in auditions:
        source = "first lines" if a.from_book else "standard sentence"
        print(f"{a.path}\t{a.settings.voice}\t({source})")
    print(f"Playlist: {playlist}")
    return 0


def cmd_studio(args: argparse.Namespace) -> int:
    from audiobook.book import load_book
    from audiobook.studio import StudioOptions, default_cast_path, run_studio

    _check_jobs(args)
    if not 0 <= args.port <= 65535:
        raise InputError("--port must be 0 to 65535")
    load_book(args.input)  # a bad story is reported before anything is written
    cast_path = args.voices or default_cast_path(args.input)
    created = args.voices is None and not cast_path.exists()
    if args.voices is not None and not args.voices.exists():
        raise InputError(f"{args.voices}: no such cast file (leave out --voices and the "
                         f"studio creates {default_cast_path(args.input)})")
    if not created:
        print(f"Using the cast file {cast_path}")
    options = StudioOptions(args.input, cast_path, args.out, args.cache, args.jobs,
                            formats=args.format, profile=args.profile,
                            cast_engine=_cast_engine(args), voices_dir=args.voices_dir)
    run_studio(options, args.port, not args.no_browser, created)
    return 0


def _check_jobs(args: argparse.Namespace) -> None:
    if args.jobs is not None and args.jobs < 1:
        raise InputError("--jobs must be at least 1")


COMMANDS = {"build": cmd_build, "clean": cmd_clean, "check": cmd_check, "segment": cmd_segment,
            "voices": cmd_voices, "cast": cmd_cast, "preview": cmd_preview,
            "studio": cmd_studio}


class _NoteFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = "note" if record.levelno < logging.WARNING else "warning"
        return f"audiobook: {level}: {' '.join(record.getMessage().split())}"


def _setup_notes() -> None:
    """Notes from the library (`audiobook` logger) go to stderr as one line each."""
    logger = logging.getLogger("audiobook")
    if not any(isinstance(h.formatter, _NoteFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_NoteFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


# errno values that mean the disk (or a size limit) is full: a failed build, not bad input.
_DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _error(message: str) -> None:
    print(f"audiobook: error: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return the exit code (0 done, 1 failed, 2 bad input, 130 Ctrl-C)."""
    args = _parser().parse_args(argv)  # usage errors: argparse exits with 2
    _setup_notes()
    try:
        return COMMANDS[args.command](args)
    except AudiobookError as err:
        if args.debug:
            traceback.print_exc()
        _error(str(err))
        return err.exit_code
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        print("audiobook: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except OSError as err:
        if args.debug:
            traceback.print_exc()
        where = f"{err.filename}: " if getattr(err, "filename", None) else ""
        reason = err.strerror or str(err)
        if err.errno in _DISK_FULL:
            _error(f"{where or 'cannot write: '}{reason} (the disk is full or a file size "
                   "limit was reached)")
            return EXIT_FAILED
        _error(f"{where}{reason}")
        return EXIT_BAD_INPUT if where else EXIT_FAILED
    except MemoryError:
        if args.debug:
            traceback.print_exc()
        _error("out of memory")
        return EXIT_FAILED
    except Exception as err:  # noqa: BLE001 (the one place that turns bugs into one line)
        if args.debug:
            traceback.print_exc()
        _error(f"unexpected {type(err).__name__}: {err} (run again with --debug to see where)")
        return EXIT_FAILED
