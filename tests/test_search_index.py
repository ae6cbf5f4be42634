"""The search index is built with the compiled Snowball stemmer (PyStemmer)."""

from __future__ import annotations

from sphinx.search.en import SearchEnglish


def test_sphinx_stems_english_with_the_compiled_stemmer():
    # snowballstemmer hands out PyStemmer's C implementation when it is installed;
    # the pure-Python fallback is about ten times slower on a large blog.
    stemmer = SearchEnglish({}).stemmer
    assert type(stemmer).__module__ == "Stemmer"
    assert stemmer.stemWord("upgrading") == "upgrad"
