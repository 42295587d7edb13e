"""Sample documents for tests and for the pictures in docs/images (see docs/payments.md)."""
from datetime import date, datetime
from decimal import Decimal

from services.documents.data import (
    CaseEvent,
    CasePrintout,
    CreditNote,
    Customer,
    DisconnectionNotice,
    DunningLetter,
    Invoice,
    LineItem,
    Organisation,
    OverdueBill,
    QueueTicket,
    Receipt,
    Signatory,
)
from services.payments.thaiqr import bill_payment_payload

ORG = Organisation("เทศบาลตำบลบ้านน้ำใส", "99 หมู่ 3 ตำบลบ้านน้ำใส อำเภอเมือง จังหวัดขอนแก่น 40000",
                   "0994000123456", "043-123-456")
CUSTOMER = Customer("นายสมชาย ใจดี", "W00123", "12/3 หมู่ 5 ตำบลบ้านน้ำใส")
LINES = (LineItem("ค่าน้ำประปา", Decimal("1134.00"), Decimal("12"), "ลบ.ม.", Decimal("94.50")),
         LineItem("ค่าบริการรักษามาตร", Decimal("100.50")))
QR = bill_payment_payload("012345678901200", "W00123", "256912", "1234.50")
FINANCE = Signatory("นางสาวมาลี ศรีสุข", "เจ้าพนักงานการเงินและบัญชี")
MAYOR = Signatory("นายประเสริฐ มั่นคง", "นายกเทศมนตรีตำบลบ้านน้ำใส")

INVOICE = Invoice("INV-2569-000123", date(2026, 12, 1), date(2026, 12, 15), ORG, CUSTOMER, LINES,
                  period="ธันวาคม 2569",
                  details=(("เลขมาตร", "M-0012"), ("เลขจดครั้งก่อน / ครั้งนี้", "1,233 / 1,245")),
                  payment_qr=QR, ref1="W00123", ref2="256912")
RECEIPT = Receipt("RC-2569-000045", datetime(2026, 12, 10, 14, 30), ORG, CUSTOMER, LINES,
                  "โอนผ่าน Thai QR (ธนาคารกสิกรไทย)", ("INV-2569-000123",), "015125103412ATF12345", FINANCE)
CREDIT_NOTE = CreditNote("CN-2569-000007", date(2026, 12, 12), ORG, CUSTOMER, "INV-2569-000123",
                         "มาตรน้ำชำรุด อ่านค่าเกินจริง", (LineItem("ปรับลดค่าน้ำประปา 3 ลบ.ม.", Decimal("283.50")),),
                         FINANCE)
DUNNING = DunningLetter("ขก 51201/123", date(2026, 12, 20), ORG, CUSTOMER,
                        (OverdueBill("INV-2569-000100", "ตุลาคม 2569", date(2026, 11, 15), Decimal("350")),
                         OverdueBill("INV-2569-000123", "พฤศจิกายน 2569", date(2026, 12, 15), Decimal("1234.50"))),
                        date(2027, 1, 5), MAYOR, "043-123-456",
                        bill_payment_payload("012345678901200", "W00123", None, "1584.50"))
DISCONNECTION = DisconnectionNotice("ขก 51201/124", date(2027, 1, 6), ORG, CUSTOMER, "M-0012", Decimal("1584.50"),
                                    date(2027, 1, 20), Decimal("200"), MAYOR, "043-123-456")
TICKET = QueueTicket(ORG, "กองคลัง", "A012", "ชำระภาษีที่ดินและสิ่งปลูกสร้าง", datetime(2026, 12, 15, 9, 30), 3, "2",
                     "https://bot.example/q/abc")
CASE = CasePrintout(ORG, "C-2569-000045", "เรื่องร้องเรียน", "ไฟฟ้าส่องสว่างชำรุด", datetime(2026, 12, 14, 19, 5),
                    "นางสาวสุดา ใจงาม", "081-234-5678",
                    "ไฟถนนหน้าบ้านเลขที่ 45 ดับมา 3 วันแล้ว ตอนกลางคืนมืดมาก ผู้สูงอายุเดินไม่สะดวก ขอให้ช่วยซ่อมด้วยค่ะ",
                    "กองช่าง", "กำลังดำเนินการ", "หมู่ 4 ซอยวัดป่า",
                    (CaseEvent(datetime(2026, 12, 14, 19, 5), "รับเรื่อง", "ผ่าน LINE"),
                     CaseEvent(datetime(2026, 12, 15, 9, 0), "ส่งต่อกองช่าง", "", "นายสมศักดิ์")))
