"""Learning from use, the resident's side: through the real bot and the LINE emulator,
the texts the bot missed are kept for staff (not understood, asked which of two,
asked for a person right after a confident answer), a tap on one of the quick
replies the bot offered says what the text meant, and a failure to keep a text
never costs the resident the answer."""
from __future__ import annotations

from urllib.parse import parse_qsl

from sqlalchemy import select, text

import nlu
from flows.texts import intent_label
from models.db import Database
from models.learning import MissedMessage
from tests.conftest import Stack

GIBBERISH = "กขฃคฅ zzqx"
CLOSE_CALL = "ผูกบัญชีอะไรไว้บ้าง"  # account_info or register (tests/core/test_clarify.py)
CLEAR = "ขอดูยอดค้างชำระค่ะ"


def missed(url: str, user: str) -> list[MissedMessage]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.scalars(select(MissedMessage).where(MissedMessage.line_user_id == user)
                                        .order_by(MissedMessage.id)))
    finally:
        db.engine.dispose()


def quick_replies(answer: list[dict]) -> dict[str, dict[str, str]]:
    """The last message's quick replies: label → postback data."""
    items = answer[-1]["quickReply"]["items"]
    return {i["action"]["label"]: dict(parse_qsl(i["action"]["data"])) for i in items}


def test_a_text_the_bot_did_not_understand_is_kept_once_with_the_bots_guess(stack: Stack, database_url):
    user = stack.new_user()
    answer = stack.say(user, GIBBERISH)
    [row] = missed(database_url, user)
    assert (row.text, row.reason, row.label, row.resident_choice) == (GIBBERISH, "not_understood", None, None)
    assert row.guess == nlu.parse(GIBBERISH).intent and row.confidence is not None
    # The services it offers carry the text's event, the menu and a person do not.
    offered = quick_replies(answer)
    assert {d.get("miss") for d in offered.values() if d.get("action") == "intent" and d["name"] != "talk_to_staff"} \
        == {row.event_id}
    assert "miss" not in offered[intent_label("talk_to_staff")]

    stack.say(user, GIBBERISH)  # the second in a row goes to a person, and is kept as well
    assert [r.reason for r in missed(database_url, user)] == ["not_understood", "not_understood"]


def test_a_tap_on_a_clarify_quick_reply_is_the_residents_choice(stack: Stack, database_url):
    parse = nlu.parse(CLOSE_CALL)
    assert parse.needs_choice and parse.intent in ("account_info", "register")
    user = stack.new_user()
    answer = stack.say(user, CLOSE_CALL)
    chosen = "register" if parse.intent == "account_info" else "account_info"
    data = quick_replies(answer)[intent_label(chosen)]
    [row] = missed(database_url, user)
    assert (row.reason, row.guess, data["miss"]) == ("clarify", parse.intent, row.event_id)

    stack.tap(user, "&".join(f"{k}={v}" for k, v in data.items()))
    [row] = missed(database_url, user)
    # Not the bot's first guess: the resident corrected it.
    assert (row.resident_choice, row.reason) == (chosen, "corrected")


def test_asking_for_a_person_right_after_a_confident_answer_keeps_the_text_answered(stack: Stack, database_url):
    assert nlu.parse(CLEAR).is_confident
    user = stack.new_user()
    stack.say(user, "สวัสดีค่ะ")
    stack.say(user, CLEAR)
    assert missed(database_url, user) == []  # answered: nothing to learn yet
    stack.say(user, "ขอคุยกับเจ้าหน้าที่ค่ะ")
    [row] = missed(database_url, user)
    assert (row.text, row.reason, row.guess) == (CLEAR, "asked_for_staff", nlu.parse(CLEAR).intent)


def test_a_person_asked_for_after_a_greeting_is_no_miss(stack: Stack, database_url):
    user = stack.new_user()
    stack.say(user, "สวัสดีค่ะ")
    stack.say(user, "ขอคุยกับเจ้าหน้าที่ค่ะ")
    assert missed(database_url, user) == []


def test_the_resident_is_answered_when_the_text_cannot_be_kept(stack: Stack, database_url):
    user = stack.new_user()
    db = Database(database_url)
    with db.transaction() as connection:
        connection.execute(text("ALTER TABLE missed_messages RENAME TO missed_messages_away"))
    try:
        answer = stack.say(user, GIBBERISH)
    finally:
        with db.transaction() as connection:
            connection.execute(text("ALTER TABLE missed_messages_away RENAME TO missed_messages"))
        db.engine.dispose()
    # The answer itself, not the apology for a failed turn.
    assert answer and intent_label("talk_to_staff") in quick_replies(answer)
    assert missed(database_url, user) == []
