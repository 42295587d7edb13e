"""Signed, expiring links to what the web blueprint (web/) serves. Flows and the
back office build them, so they live here, below both, and name the blueprint's
paths as a contract; only path and query are signed (services/payments/signing.py),
so the links survive a proxy in front of the bot."""
from __future__ import annotations

from urllib.parse import urlencode

from services.payments.signing import sign_url

QR_LIFETIME = 24 * 3600  # a bill stays in the chat for a day of paying
RECEIPT_LIFETIME = 7 * 24 * 3600  # the receipts menu always makes a fresh one
INVOICE_LIFETIME = 7 * 24 * 3600  # so does the invoice card
SLIP_FORM_LIFETIME = 30 * 60
# LINE fetches a picture when the resident opens the chat, maybe days later.
STAFF_PICTURE_LIFETIME = 90 * 24 * 3600


class Links:
    """Signs links for one deployment: its public address and secret."""

    def __init__(self, base_url: str, secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = secret

    def _link(self, path: str, params: dict[str, str | int], *, lifetime: int) -> str:
        query = urlencode({k: str(v) for k, v in params.items()})
        return sign_url(f"{self.base_url}{path}?{query}", secret=self._secret, expires_in=lifetime)

    def qr_image(self, payload: str, caption: str = "") -> str:
        """The Thai QR card for ``payload``; the payload itself is signed, so the picture
        always matches the bill it was sent with."""
        return self._link("/web/qr.png", {"p": payload, "c": caption}, lifetime=QR_LIFETIME)

    def receipt_pdf(self, receipt_id: int) -> str:
        return self._link(f"/web/receipts/{receipt_id}.pdf", {}, lifetime=RECEIPT_LIFETIME)

    def invoice_pdf(self, invoice_id: int, customer_id: int) -> str:
        """The invoice as its customer may fetch it: the route serves it only with that
        customer's id, which the signature binds to the link."""
        return self._link(f"/web/invoices/{invoice_id}.pdf", {"c": customer_id}, lifetime=INVOICE_LIFETIME)

    def slip_form(self, customer_id: int, line_user_id: str, invoice_id: int | None = None) -> str:
        params: dict[str, str | int] = {"c": customer_id, "u": line_user_id}
        if invoice_id is not None:
            params["i"] = invoice_id
        return self._link("/web/slips/new", params, lifetime=SLIP_FORM_LIFETIME)

    def staff_picture(self, name: str) -> str:
        """A picture staff sent in a chat (services.inbox.staff_picture's file name)."""
        return self._link(f"/web/staff-pictures/{name}", {}, lifetime=STAFF_PICTURE_LIFETIME)
