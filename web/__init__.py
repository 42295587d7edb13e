"""Pages and files residents open from the chat: Thai QR cards, receipt PDFs and
the slip form. Every URL is signed and expires (web/links.py builds them), so
nothing here can be reached by guessing an id."""
from web.routes import bp

__all__ = ["bp"]
