"""/admin/events: what residents sent that no answer came of, for admins only."""
from __future__ import annotations

import requests
from sqlalchemy import update

from models.chat import WebhookEvent
from services.staff import create_staff
from tests.core.test_sweeper import record_for_a_dead_process
from tests.core.test_webhook import body_of, post, sign, text_event
from tests.finance.test_admin_security import _login


def test_admins_see_dead_and_rejected_events_and_finance_staff_do_not(stack):
    db = stack.bot_app.assembly.services.db
    with db.session() as s, s.begin():
        create_staff(s, username="somchai", display_name="นายสมชาย ดูแลระบบ", role="admin", password="correct horse")
        create_staff(s, username="malee", display_name="นางสาวมาลี ศรีสุข", role="finance", password="correct horse")
    user = stack.new_user()
    dead = text_event(user, "ขอใบเสร็จค่ะ")
    record_for_a_dead_process(db, dead)
    with db.session() as s, s.begin():
        s.execute(update(WebhookEvent).values(attempts=stack.dispatcher.max_attempts))
    stack.dispatcher.sweep()
    malformed = {**text_event(user, "x"), "timestamp": "เมื่อวาน"}
    body = body_of(malformed)
    assert post(stack, body, sign(body)).status_code == 200

    admin = requests.Session()
    assert _login(stack.bot.url, admin, "somchai").status_code == 302
    page = admin.get(f"{stack.bot.url}/admin/events", timeout=10)
    assert page.status_code == 200
    assert dead["webhookEventId"] in page.text and malformed["webhookEventId"] in page.text
    assert "ลองครบแล้วไม่สำเร็จ" in page.text and "ข้อมูลผิดรูปแบบ" in page.text
    assert "timestamp is not a time in milliseconds" in page.text
    only_dead = admin.get(f"{stack.bot.url}/admin/events?status=dead", timeout=10).text
    assert dead["webhookEventId"] in only_dead and malformed["webhookEventId"] not in only_dead

    finance = requests.Session()
    assert _login(stack.bot.url, finance, "malee").status_code == 302
    assert finance.get(f"{stack.bot.url}/admin/events", timeout=10).status_code == 403
    assert "ข้อความที่ตอบไม่ได้" not in finance.get(f"{stack.bot.url}/admin/slips", timeout=10).text
