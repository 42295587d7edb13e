from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models.accounts import Allocation, Customer, Payment, Receipt
from services.billing.accounts import add_contract, customer_by_code, customer_info
from services.billing.allocation import allocate_payment
from services.billing.balance import customer_outstanding, outstanding_of_invoice, statement
from services.billing.credit_notes import credit_note_detail, issue_credit_note
from services.billing.errors import BillingError
from services.billing.invoices import Line, invoice_detail, issue_invoice, void_invoice
from services.billing.payments import record_cash_payment, record_payment
from services.billing.receipts import issue_receipt, months_back, receipt_detail, recent_receipts
from tests.accounts.helpers import CREDIT_FORMAT, INVOICE_FORMAT, RECEIPT_FORMAT, at, bill, customer
from thai.phones import format_phone, mask_phone, normalise_phone

TODAY = date(2026, 11, 25)


def test_statement_shows_current_overdue_and_credit_notes(db):
    with db.session() as s, s.begin():
        c = customer(s)
        paid = bill(s, c, "1000.00", issued=TODAY - timedelta(days=70), due=TODAY - timedelta(days=55))
        overdue = bill(s, c, "8500.00", "1200.00", issued=TODAY - timedelta(days=35), due=TODAY - timedelta(days=20))
        current = bill(s, c, "8500.00", "1337.50", issued=TODAY - timedelta(days=5), due=TODAY + timedelta(days=10))
        voided = bill(s, c, "999.00", issued=TODAY - timedelta(days=4), due=TODAY + timedelta(days=10))
        void_invoice(s, voided.id, reason="ออกซ้ำ", now=at(TODAY))
        issue_credit_note(s, overdue.id, amount="500.00", reason="ส่วนลด", issued_on=TODAY - timedelta(days=30),
                          number_format=CREDIT_FORMAT)
        record_cash_payment(s, c.id, amount="1000.00", paid_at=at(TODAY - timedelta(days=60)),
                            invoice_id=paid.id, receipt_number_format=RECEIPT_FORMAT)
        ids = (c.id, overdue.id, current.id)
    with db.session() as s:
        st = statement(s, ids[0], today=TODAY)
        assert st.outstanding == Decimal("19037.50")
        assert customer_outstanding(s, ids[0]) == Decimal("19037.50")
        assert st.current.id == ids[2] and st.current.total == Decimal("9837.50") and not st.current.overdue
        assert [(i.id, i.total, i.credited, i.outstanding) for i in st.overdue] == [
            (ids[1], Decimal("9700.00"), Decimal("500.00"), Decimal("9200.00"))]
        assert [(n.number, n.amount, n.invoice_number) for n in st.credit_notes] == [
            ("CN-2570-000001", Decimal("500.00"), st.overdue[0].number)]
        assert [i.id for i in st.unpaid] == [ids[1], ids[2]]


def test_a_due_date_of_today_is_not_overdue_and_paid_bills_are_not_overdue(db):
    with db.session() as s, s.begin():
        c = customer(s)
        due_today = bill(s, c, "100.00", issued=TODAY - timedelta(days=10), due=TODAY)
        old_paid = bill(s, c, "50.00", issued=TODAY - timedelta(days=40), due=TODAY - timedelta(days=30))
        record_cash_payment(s, c.id, amount="50.00", paid_at=at(TODAY), invoice_id=old_paid.id,
                            receipt_number_format=RECEIPT_FORMAT)
        cid, due_id = c.id, due_today.id
    with db.session() as s:
        st = statement(s, cid, today=TODAY)
        assert st.overdue == () and st.current.id == due_id
        assert statement(s, cid, today=TODAY + timedelta(days=1)).overdue[0].id == due_id


def test_invoice_numbers_lines_and_rounding(db):
    with db.session() as s, s.begin():
        c = customer(s)
        inv = issue_invoice(s, c, number_format=INVOICE_FORMAT, issued_on=date(2026, 9, 30), due_date=date(2026, 10, 15),
                            lines=[Line("ค่าไฟฟ้า", "10.05", Decimal("2.5"), "หน่วย"), Line("ค่าเช่า", 3000)])
        later = bill(s, c, "1.00", issued=date(2026, 10, 1), due=date(2026, 10, 1))
        numbers = (inv.number, later.number)
        cid, inv_id = c.id, inv.id
    assert numbers == ("INV-2569-000001", "INV-2570-000001")
    with db.session() as s:
        detail = invoice_detail(s, cid, inv_id, today=TODAY)
        assert [line.amount for line in detail.lines] == [Decimal("25.13"), Decimal("3000.00")]
        assert detail.summary.total == Decimal("3025.13")


def test_amounts_with_more_than_two_places_or_empty_invoices_are_refused(db):
    with db.session() as s, s.begin():
        c = customer(s)
        with pytest.raises(ValueError, match="two decimal places"):
            bill(s, c, "10.005", issued=TODAY, due=TODAY)
        with pytest.raises(BillingError, match="อย่างน้อยหนึ่งรายการ"):
            issue_invoice(s, c, number_format=INVOICE_FORMAT, issued_on=TODAY, due_date=TODAY, lines=[])
        with pytest.raises(BillingError, match="วันครบกำหนด"):
            bill(s, c, "10.00", issued=TODAY, due=TODAY - timedelta(days=1))


def test_credit_note_above_what_is_owed_is_refused(db):
    with db.session() as s, s.begin():
        c = customer(s)
        inv = bill(s, c, "1000.00", issued=TODAY, due=TODAY)
        record_cash_payment(s, c.id, amount="600.00", paid_at=at(TODAY), receipt_number_format=RECEIPT_FORMAT)
        with pytest.raises(BillingError, match="เกินยอดค้างชำระ") as refused:
            issue_credit_note(s, inv.id, amount="400.01", reason="ส่วนลด", issued_on=TODAY, number_format=CREDIT_FORMAT)
        assert "400.00 บาท" in str(refused.value)
        note = issue_credit_note(s, inv.id, amount="400.00", reason="ส่วนลด", issued_on=TODAY,
                                 number_format=CREDIT_FORMAT)
        assert note.number == "CN-2570-000001"
        assert outstanding_of_invoice(s, inv.id) == Decimal("0.00")


def test_payment_goes_to_oldest_due_first_and_the_rest_stays_on_account(db):
    with db.session() as s, s.begin():
        c = customer(s)
        newer = bill(s, c, "300.00", issued=TODAY, due=TODAY + timedelta(days=15))
        older = bill(s, c, "200.00", issued=TODAY - timedelta(days=30), due=TODAY - timedelta(days=15))
        payment = record_payment(s, c.id, amount="650.00", paid_at=at(TODAY), method="transfer", reference="BANK123")
        made = allocate_payment(s, payment.id)
        assert [(a.invoice_id, a.amount) for a in made] == [(older.id, Decimal("200.00")), (newer.id, Decimal("300.00"))]
        assert allocate_payment(s, payment.id) == []  # nothing left to pay: the rest stays on account
        rc = issue_receipt(s, payment.id, number_format=RECEIPT_FORMAT, issued_at=at(TODAY))
        assert issue_receipt(s, payment.id, number_format=RECEIPT_FORMAT, issued_at=at(TODAY)).id == rc.id
        cid, rid = c.id, rc.id
    with db.session() as s:
        detail = receipt_detail(s, cid, rid)
        assert detail.amount == Decimal("650.00")
        assert [(line.invoice_number is None, line.amount) for line in detail.lines] == [
            (False, Decimal("200.00")), (False, Decimal("300.00")), (True, Decimal("150.00"))]
        assert customer_outstanding(s, cid) == Decimal("0.00")


def test_a_chosen_invoice_of_another_customer_is_refused(db):
    with db.session() as s, s.begin():
        mine, theirs = customer(s, "T0001"), customer(s, "T0002", ("0810000002",))
        their_bill = bill(s, theirs, "100.00", issued=TODAY, due=TODAY)
        payment = record_payment(s, mine.id, amount="100.00", paid_at=at(TODAY), method="qr")
        with pytest.raises(BillingError, match="ไม่พบใบแจ้งหนี้"):
            allocate_payment(s, payment.id, invoice_id=their_bill.id)
        assert invoice_detail(s, mine.id, their_bill.id, today=TODAY) is None
        assert outstanding_of_invoice(s, their_bill.id) == Decimal("100.00")


def test_cash_payment_issues_a_receipt_and_refuses_more_than_is_owed(db):
    with db.session() as s, s.begin():
        c = customer(s)
        inv = bill(s, c, "750.00", issued=TODAY, due=TODAY)
        cid, inv_id = c.id, inv.id
    with db.session() as s, s.begin(), pytest.raises(BillingError, match="เกินยอดค้างชำระ 750.00 บาท"):
        record_cash_payment(s, cid, amount="750.01", paid_at=at(TODAY), invoice_id=inv_id,
                            receipt_number_format=RECEIPT_FORMAT)
    with db.session() as s, s.begin():
        first = record_cash_payment(s, cid, amount="700.00", paid_at=at(TODAY), invoice_id=inv_id,
                                    receipt_number_format=RECEIPT_FORMAT, received_by="คุณการเงิน")
        second = record_cash_payment(s, cid, amount="50.00", paid_at=at(TODAY), receipt_number_format=RECEIPT_FORMAT)
        numbers = (first.number, second.number)
    assert numbers == ("RC-2570-000001", "RC-2570-000002")
    with db.session() as s:
        assert s.scalar(select(func.count(Payment.id))) == 2
        assert outstanding_of_invoice(s, inv_id) == Decimal("0.00")
        detail = invoice_detail(s, cid, inv_id, today=TODAY)
        assert [(p.amount, p.receipt_number) for p in detail.payments] == [
            (Decimal("700.00"), "RC-2570-000001"), (Decimal("50.00"), "RC-2570-000002")]


def test_the_same_bank_transfer_cannot_be_recorded_twice(db):
    with db.session() as s, s.begin():
        c = customer(s)
        record_payment(s, c.id, amount="10.00", paid_at=at(TODAY), method="transfer", reference="KB2611250001")
        with pytest.raises(BillingError, match="บันทึกไว้แล้ว"):
            record_payment(s, c.id, amount="10.00", paid_at=at(TODAY), method="transfer", reference=" KB2611250001 ")


def test_receipts_of_the_last_six_months_only_and_only_the_owners(db):
    now = at(TODAY, 12)
    with db.session() as s, s.begin():
        c, other = customer(s), customer(s, "T0002", ("0810000002",))
        for days in (200, 170, 3):  # 200 days ago is more than six months back
            bill(s, c, "100.00", issued=TODAY - timedelta(days=days), due=TODAY - timedelta(days=days))
            record_cash_payment(s, c.id, amount="100.00", paid_at=at(TODAY - timedelta(days=days)),
                                receipt_number_format=RECEIPT_FORMAT)
        cid, other_id = c.id, other.id
    with db.session() as s:
        recent = recent_receipts(s, cid, now=now)
        assert [r.paid_at.date() for r in recent] == [TODAY - timedelta(days=3), TODAY - timedelta(days=170)]
        assert recent_receipts(s, other_id, now=now) == []
        assert receipt_detail(s, other_id, recent[0].id) is None
    assert months_back(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_back(date(2027, 3, 15), 6) == date(2026, 9, 15)


def test_a_paid_invoice_cannot_be_voided(db):
    with db.session() as s, s.begin():
        c = customer(s)
        inv = bill(s, c, "100.00", issued=TODAY, due=TODAY)
        record_cash_payment(s, c.id, amount="1.00", paid_at=at(TODAY), receipt_number_format=RECEIPT_FORMAT)
        with pytest.raises(BillingError, match="ออกใบลดหนี้แทน"):
            void_invoice(s, inv.id, reason="ผิด", now=at(TODAY))


def test_credit_notes_are_shown_only_to_their_customer(db):
    with db.session() as s, s.begin():
        c, other = customer(s), customer(s, "T0002", ("0810000002",))
        inv = bill(s, c, "100.00", issued=TODAY, due=TODAY)
        note = issue_credit_note(s, inv.id, amount="10.00", reason="ปรับราคา", issued_on=TODAY,
                                 number_format=CREDIT_FORMAT)
        assert credit_note_detail(s, c.id, note.id).reason == "ปรับราคา"
        assert credit_note_detail(s, other.id, note.id) is None


@pytest.mark.parametrize("column, value", [("amount", Decimal("0.00")), ("amount", Decimal("-1.00"))])
def test_the_database_itself_refuses_empty_or_negative_allocations(db, column, value):
    with db.session() as s, s.begin():
        c = customer(s)
        inv = bill(s, c, "100.00", issued=TODAY, due=TODAY)
        payment = record_payment(s, c.id, amount="100.00", paid_at=at(TODAY), method="cash")
        ids = (payment.id, inv.id)
    with db.session() as s, pytest.raises(IntegrityError), s.begin():
        s.add(Allocation(payment_id=ids[0], invoice_id=ids[1], **{column: value}))


def test_customer_codes_are_unique_and_case_insensitive_on_lookup(db):
    with db.session() as s, s.begin():
        customer(s, "T0001")
    with db.session() as s, pytest.raises(IntegrityError), s.begin():
        customer(s, "t0001", ())
    with db.session() as s:
        assert customer_by_code(s, " t 0001 ").code == "T0001"
        assert s.scalar(select(func.count(Customer.id))) == 1


def test_customer_info_lists_phones_and_contracts(db):
    with db.session() as s, s.begin():
        c = customer(s, phones=("081-000-0001", "+66 2 520 1234"))
        add_contract(s, c, number="CT-1", kind="lease", starts_on=date(2026, 1, 1), ends_on=date(2028, 12, 31),
                     centre="ศูนย์สุขใจ", unit_no="A-12", monthly_rent="8500.00")
        with pytest.raises(IntegrityError), s.begin_nested():
            add_contract(s, c, number="CT-2", kind="water", starts_on=date(2026, 1, 1))  # no meter number
        cid = c.id
    with db.session() as s:
        info = customer_info(s, cid)
        assert info.phones == ("0810000001", "025201234") and info.type_name == "ผู้เช่า"
        assert [(k.unit_no, k.monthly_rent) for k in info.contracts] == [("A-12", Decimal("8500.00"))]
        assert s.scalar(select(func.count(Receipt.id))) == 0


@pytest.mark.parametrize("raw, expected", [
    ("081-000-0001", "0810000001"), ("+66 81 000 0001", "0810000001"), ("๐๘๑๐๐๐๐๐๐๑", "0810000001"),
    ("02 520 1234", "025201234"), ("66812345678", "0812345678"), ("12345", None), ("0812345", None),
    ("08123456789", None), ("abc", None),
])
def test_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("phone, shown", [
    ("0810000001", "081-000-0001"), ("025201234", "02-520-1234"), ("043123456", "043-123-456"), ("1669", "1669"),
])
def test_phones_are_shown_as_thai_people_write_them(phone, shown):
    assert format_phone(phone) == shown


def test_phones_are_masked_for_lists():
    assert mask_phone("0810000001") == "081-xxx-0001"
