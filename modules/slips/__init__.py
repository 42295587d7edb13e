"""Transfer slips (S0-7): a slip photo in the chat or the web form goes to
finance, who approve or reject it in the back office. Runs with accounts."""
from __future__ import annotations

from admin import finance
from flows import slips
from modules.descriptor import Claim, MenuEntry, Module

MODULE = Module(
    key="slips",
    title="หลักฐานการชำระเงิน",
    switch="accounts",
    intents={"send_slip": slips.send_slip},
    # A photo whose QR reads as a slip is finance's before anyone else may ask about it.
    claims=(Claim("image", rank=10, claimer=slips.claim_photo),),
    menu=(MenuEntry("send_slip", "แนบหลักฐานการชำระเงิน", position=40),),
    # Slip review, cash at the counter and receipts: finance's work for both modules.
    staff_pages=(finance.PAGES,),
    templates=("slip_status",),
)
