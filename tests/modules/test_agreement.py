"""The module descriptors, the NLU, the wording, the rich menus and the router
agree: every intent the NLU can name goes somewhere, every button reaches a
handler, every label exists."""
from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

import modules
import rich_menus
from config.profile import bundled_profiles, load_profile
from flows.engine import Flow
from flows.texts import text_table
from nlu.data import TRAINING_FILE, load_yaml

NLU_INTENTS = set(load_yaml(TRAINING_FILE).intents)
ENGINE_ACTIONS = {"intent", "menu", "cancel", "resume"}  # handled by the engine itself
PROFILES = bundled_profiles()


def _module_intents() -> set[str]:
    return {i for m in modules.all_modules() for i in [*m.intents, *(e.intent for e in m.menu)]}


def test_every_module_is_a_package_declaring_its_own_key_once():
    keys = [m.key for m in modules.all_modules()]
    assert len(keys) == len(set(keys))
    assert {"accounts", "slips", "emergency", "inbox"} <= set(keys)


def test_the_nlu_names_exactly_the_intents_the_modules_and_the_core_answer():
    core = {"greet", "thanks", "help", "out_of_scope"}
    assert core | _module_intents() == NLU_INTENTS


@pytest.mark.parametrize("name", PROFILES)
def test_every_intent_the_nlu_can_name_has_a_target(name):
    router = modules.build_router(load_profile(name))
    assert NLU_INTENTS - {"out_of_scope"} <= set(router.intents)


@pytest.mark.parametrize("name", PROFILES)
def test_every_offered_service_is_answered_and_labelled(name):
    profile = load_profile(name)
    router = modules.build_router(profile)
    labels = text_table("intent_labels")
    for intent, label in router.offer.services:
        assert label and intent in router.intents
        assert intent in labels, f"flows/texts.yml intent_labels has no {intent}"


def test_every_intent_has_a_label_for_quick_replies():
    assert set(text_table("intent_labels")) >= NLU_INTENTS


def test_flows_have_unique_names_across_modules():
    flows = [t.name for m in modules.all_modules() for t in [*m.intents.values(), *m.actions.values()]
             if isinstance(t, Flow)]
    assert len(flows) == len(set(flows))


@pytest.mark.parametrize("name", PROFILES)
def test_rich_menu_buttons_reach_a_handler(name):
    profile = load_profile(name)
    router = modules.build_router(profile)
    for menu in rich_menus.menus_for(profile):
        assert set(menu.requires) <= modules.switches(), menu.key
        for area in menu.areas:
            if area.action["type"] != "postback":
                continue
            data = dict(parse_qsl(area.action["data"]))
            assert data["action"] in ENGINE_ACTIONS | set(router.actions), (menu.key, data)
            if data["action"] == "intent":
                assert data["name"] in router.intents, (menu.key, data)


def test_a_module_a_profile_leaves_off_answers_with_the_office_numbers():
    from flows import basic

    router = modules.build_router(load_profile("cooperative"))  # no accounts
    assert router.intents["pay_bill"] is basic.not_offered
    assert router.intents["emergency"] is not basic.not_offered  # answered everywhere


def test_a_profile_naming_an_unknown_module_or_missing_a_modules_settings_is_refused():
    profile = load_profile("tenant")
    assert modules.check(profile) == []
    unknown = profile.model_copy(update={"modules": [*profile.modules, "parking"]})
    assert any("parking" in p for p in modules.check(unknown))
    no_payment = profile.model_copy(update={"payment": None})
    assert any("payment" in p for p in modules.check(no_payment))


def test_photo_claims_run_in_rank_order_and_what_nobody_takes_is_asked_about():
    from flows.engine import first_claim

    seen: list[str] = []

    def claimer(name, answer):
        def claim(turn, ctx):
            seen.append(name)
            return answer
        return claim

    chain = first_claim([claimer("slip", None), claimer("case", ["case"])], lambda t, c: ["ask"])
    assert chain(None, None) == ["case"] and seen == ["slip", "case"]
    assert first_claim([claimer("slip", None)], lambda t, c: ["ask"])(None, None) == ["ask"]
    claims = sorted((c for m in modules.enabled(load_profile("tenant")) for c in m.claims), key=lambda c: c.rank)
    assert [c.kind for c in claims] == ["image"]
