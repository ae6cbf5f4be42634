"""Front matter to PostMeta: the metadata contract, its reader, dates. No Sphinx here."""
