"""Errors the command line reports as one line, with the exit code they map to."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class AudiobookError(Exception):
    """A failure the user can act on; the message is shown without a traceback."""

    exit_code = EXIT_FAILED


class InputError(AudiobookError):
    """Bad input or usage: a missing, empty or unreadable file, a broken cast file."""

    exit_code = EXIT_BAD_INPUT


class BuildError(AudiobookError):
    """Something failed while the audio was being made."""

    exit_code = EXIT_FAILED
