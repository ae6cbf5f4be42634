"""Around the pages: sitemap and robots.txt, link previews, the 404 page, search."""
