"""Click-to-load videos: the player of a YouTube or Vimeo video loads on a click only.

The Blogger importer writes a video embed as a link in a
``<div class="video-embed" data-embed-src=...>`` (``legacy/markdown.py``), so no
page requests anything from a video host when it loads. ``_static/techblog-video.js``
adds the "Play here" button that swaps the player in. It is small and deferred, and
on every page: listings and feeds can carry a post's video too, and on a page
without one it does nothing.
"""

SCRIPT = "techblog-video.js"
