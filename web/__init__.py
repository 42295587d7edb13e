"""Pages and files residents open from the chat: Thai QR cards, receipt PDFs and
the slip form. Every URL is signed and expires (services/links.py builds them), so
nothing here can be reached by guessing an id."""
from web.routes import blueprint, front

__all__ = ["blueprint", "front"]
