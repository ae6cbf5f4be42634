"""The old blog: the Blogger importer, archived comments, redirects, video facades."""
