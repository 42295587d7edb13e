"""Accounts and bills (seed 000; S0-1 … S0-6): register by OTP, account details,
balance, Thai QR payment, receipts."""
from __future__ import annotations

from config.profile import OrgProfile
from flows import accounts, bills
from modules.descriptor import MenuEntry, Module
from services.payments.thaiqr import ThaiQRError, normalise_target


def _check(profile: OrgProfile) -> list[str]:
    if profile.payment is None:
        return ["โมดูล accounts ต้องกำหนด payment (ช่องทางรับชำระเงิน)"]
    if profile.payment.promptpay_id:
        try:
            normalise_target(profile.payment.promptpay_id)
        except ThaiQRError as exc:
            # Found at start, not when the first resident asks for a QR.
            return [f"payment.promptpay_id ใช้ไม่ได้: {exc}"]
    return []


MODULE = Module(
    key="accounts",
    title="บัญชีและใบแจ้งหนี้",
    switch="accounts",
    intents={
        "register": accounts.register,
        "account_info": accounts.account_info,
        "check_balance": bills.check_balance,
        "pay_bill": bills.pay_bill,
        "receipts": bills.receipts,
    },
    menu=(
        MenuEntry("account_info", "ข้อมูลของฉัน", position=10,
                  label_by_kind={"tenant": "ข้อมูลผู้เช่า/ร้านค้า", "waterworks": "ข้อมูลผู้ใช้น้ำ"}),
        MenuEntry("check_balance", "ใบแจ้งหนี้/ชำระเงิน", position=20),
        MenuEntry("receipts", "ใบเสร็จรับเงิน", position=30),
    ),
    check=_check,
    templates=("account", "bill", "confirmation", "invoice", "list_carousel", "receipt", "statement"),
)
