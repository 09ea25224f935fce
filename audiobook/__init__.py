"""audiobook: turn stories into multi-voice, chaptered audiobooks, fully offline."""

__version__ = "0.1.0"
