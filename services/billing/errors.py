"""Refusals a resident or staff member may see; the message is polite Thai and
says what to do next."""
from __future__ import annotations


class BillingError(ValueError):
    """An operation that would break the books (over-payment, a credit note
    above what is owed, an invoice of another customer...)."""
