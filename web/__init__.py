"""Pages and files residents open from the chat: Thai QR cards, receipt PDFs and
the slip form. Every URL is signed and expires (services/links.py builds them), so
nothing here can be reached by guessing an id."""
from flask import Response

from web.routes import bp

__all__ = ["bp", "protect"]

# The pages are one inline <style> (the profile's colours) and a form that posts to
# itself: no script, nothing from another site; pictures only our own (or a data:
# favicon). Inline style stays
# allowed because it is printed per profile; with no script and no way to load
# anything from elsewhere, injected CSS could neither run nor send anything out.
WEB_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
           "frame-ancestors 'none'; base-uri 'none'")


def protect(response: Response, *, csp: str, referrer: str) -> Response:
    """What every response of the resident pages and the back office carries: never
    in a frame (clickjacking), never sniffed into another type, a Referer only as
    far as ``referrer`` lets it go, and the page's CSP on HTML (a PDF or a picture
    is shown by the browser itself, which a document policy would only get in the
    way of)."""
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = referrer
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = csp
    return response


@bp.after_request
def _headers(response: Response) -> Response:
    # The links carry signed parameters (who, which account): no Referer takes them anywhere.
    return protect(response, csp=WEB_CSP, referrer="no-referrer")
