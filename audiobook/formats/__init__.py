"""The readers: each turns one kind of file into the same `Book` (audiobook.model).

Format modules import only the model and the shared helpers (`common`,
`conventions`, `markup`, `epubfile`); `audiobook.book.load_book` picks the reader.
"""
