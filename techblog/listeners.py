"""Taking another extension's event listener out, so that we run it ourselves
(wrapped, or not at all)."""

from __future__ import annotations

from collections.abc import Callable

from sphinx.application import Sphinx


def take_out(app: Sphinx, event: str, handler: Callable) -> int | None:
    """Disconnect ``handler`` from ``event``; its priority, or None if it was not connected."""
    for listener in list(app.events.listeners.get(event, [])):
        if listener.handler is handler:
            app.disconnect(listener.id)
            return listener.priority
    return None
