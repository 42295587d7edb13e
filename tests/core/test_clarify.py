"""Ask instead of guess: when the NLU's best two intents are too close to pick one
(`Parse.needs_choice`), the bot asks one short question with both as quick replies,
through the real bot and the LINE emulator."""
from __future__ import annotations

import nlu
from config.profile import load_profile
from flows.texts import intent_label, say

# Close between account_info and register (nlu/data/test.yml): whoever writes it may
# want to see their linked accounts or to link one.
CLOSE_CALL = "ผูกบัญชีอะไรไว้บ้าง"


def test_a_close_call_is_asked_about_with_both_as_quick_replies(stack):
    parse = nlu.parse(CLOSE_CALL)
    assert parse.needs_choice and set(parse.alternatives(2)) == {"account_info", "register"}
    user = stack.new_user()
    stack.settle()
    answer = stack.say(user, CLOSE_CALL)
    first, second = parse.alternatives(2)
    question = say("clarify", load_profile("tenant"), first=intent_label(first), second=intent_label(second))
    assert [m["text"] for m in answer] == [question]
    assert question.endswith("คะ") and not question.endswith("ค่ะ")  # a question takes คะ
    labels = [item["action"]["label"] for item in answer[0]["quickReply"]["items"]]
    assert labels[:2] == [intent_label(first), intent_label(second)]

    chosen = answer[0]["quickReply"]["items"][labels.index(intent_label("register"))]["action"]
    registering = stack.tap(user, chosen["data"], chosen.get("displayText"))
    assert "รหัสผู้เช่า" in " ".join(m.get("text", "") for m in registering)


def test_a_clear_message_is_answered_without_a_question(stack):
    user = stack.new_user()
    stack.settle()
    answer = stack.say(user, "ขอดูยอดค้างชำระค่ะ")
    assert all(m.get("text") != say("clarify", load_profile("tenant"), first=intent_label("check_balance"),
                                    second=intent_label("pay_bill")) for m in answer)
