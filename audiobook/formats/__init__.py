"""Readers for marked-up inputs (Markdown, HTML, EPUB) that produce a `Book`."""
