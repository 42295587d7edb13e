"""What residents read is grammatical Thai: a question ends with คะ in the profiles whose
statements end with ค่ะ (and ครับ in the others), in the bot's texts and in every Flex
template, for every bundled profile."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import flex_templates
from config.profile import bundled_profiles, load_profile
from flex_templates.samples import sample_context
from flows.texts import _texts, say

# A question word, then a statement's particle: "…ไหมค่ะ", "…หรือไม่ค่ะ".
WRONG_QUESTION = re.compile(r"(ไหม|มั้ย|หรือไม่|หรือเปล่า|อะไร|ที่ไหน|เท่าไร|หรือยัง|อย่างไร|ใช่ไหม)ค่ะ")
TEMPLATES = sorted(p.stem for p in Path(flex_templates.__file__).with_name("templates").glob("*.json"))


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


@pytest.mark.parametrize("profile_name", bundled_profiles())
def test_no_question_in_the_bots_texts_ends_with_a_statements_particle(profile_name):
    profile = load_profile(profile_name)
    said = [say(key, profile, **dict.fromkeys(set(re.findall(r"{(\w+)}", text)) - {"ka", "q", "org"}, "ทดสอบ"))
            for key, text in _texts().items() if isinstance(text, str)]
    tables = [s for table in _texts().values() if not isinstance(table, str) for s in _strings(table)]
    assert [text for text in said + tables if WRONG_QUESTION.search(text)] == []
    assert say("clarify", profile, first="ก", second="ข").endswith(profile.question_particle)


@pytest.mark.parametrize("profile_name", bundled_profiles())
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_question_in_a_flex_template_ends_with_a_statements_particle(profile_name, template):
    message = flex_templates.render(template, sample_context(template), profile=load_profile(profile_name))
    assert [s for s in _strings(message) if WRONG_QUESTION.search(s)] == []


def test_the_bots_own_address_answers_a_thai_page_with_the_way_to_the_back_office(stack):
    answer = stack.bot_app.test_client().get("/")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    assert "LINE Official Account" in answer.text and 'href="/admin/login"' in answer.text
    assert "เข้าสู่ระบบหลังบ้านสำหรับเจ้าหน้าที่" in answer.text and answer.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("profile_name", bundled_profiles())
def test_a_particle_after_a_number_or_a_quote_stands_apart_from_it(profile_name):
    profile = load_profile(profile_name)
    said = say("no_receipts_in_period", profile, code="T0001", period="เดือนพฤศจิกายน 2569")
    assert said.endswith(f"เดือนพฤศจิกายน 2569 {profile.polite_particle}")
    said = say("not_on_line_yet", profile, service="ติดตามเรื่อง", contacts="สำนักงาน")
    assert f"ทาง LINE {profile.polite_particle} " in said and said.endswith(f"เจ้าหน้าที่” {profile.polite_particle}")
    assert say("account_switched", profile, code="T0001", name="ร้านสมใจ").endswith(f"แล้ว{profile.polite_particle}")
