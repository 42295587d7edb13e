"""The page of texts the bot missed: newest first, with the bot's guess, what the
resident tapped and why the text is here; one click labels it with a suggested
intent, two with any intent of the organisation (a chooser opened in place, plain
HTML). The labels download as `nlu.yml`."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as Redirect  # what flask.redirect makes

import modules
from admin.blueprint import page_number
from admin.pages import StaffPages
from config.profile import OrgProfile
from flows.texts import intent_label
from nlu import INTENTS
from services import learning
from services.container import Services
from services.staff import StaffIdentity

# Intents every organisation answers whatever its modules, and the label for a text
# that asks for nothing the bot does.
ALWAYS = frozenset({"greet", "thanks", "help", "emergency", "talk_to_staff", "out_of_scope"})
EXPORT_NAME = "nlu.yml"


def label_choices(profile: OrgProfile) -> list[str]:
    """The intents a text may be labelled with here, in the NLU's order: what the
    organisation answers or lists on its menu (a service not on LINE yet included)."""
    offer = modules.offer(profile)
    known = offer.answered | set(offer.intents()) | ALWAYS
    return [intent for intent in INTENTS if intent in known]


def blueprint(services: Services) -> Blueprint:
    bp = Blueprint("learning", __name__, template_folder="templates")
    db = services.db
    choices = label_choices(services.profile)

    @bp.context_processor
    def _names() -> dict[str, Any]:
        return {"intent_label": intent_label, "REASON_NAMES": learning.REASON_NAMES, "choices": choices}

    def shown() -> dict[str, Any]:
        """The list's filters as the address says them, without the defaults."""
        args: dict[str, Any] = {}
        if request.args.get("view") == "all":
            args["view"] = "all"
        if request.args.get("reason") in learning.REASON_NAMES:
            args["reason"] = request.args["reason"]
        return args

    @bp.get("/learning")
    def misses() -> str:
        filters = shown()
        page = page_number(request.args)
        with db.session() as session:
            found = learning.misses(session, unlabelled_only=filters.get("view") != "all",
                                    reason=filters.get("reason"), page=page)
        pages = max(1, -(-found.total // learning.PAGE_SIZE))
        return render_template("learning/misses.html", found=found, filters=filters, page=page, pages=pages)

    @bp.post("/learning/<int:miss_id>/label")
    def label(miss_id: int) -> Redirect:
        viewer: StaffIdentity = current_user.identity
        intent = request.form.get("intent", "")
        try:
            with db.session() as session, session.begin():
                miss = learning.label(session, viewer, miss_id, intent, intents=choices, client=request.remote_addr,
                                      now=services.clock())
                flash(f"ระบุเรื่อง \"{intent_label(intent)}\" ให้ข้อความ \"{miss.text[:40]}\" แล้ว", "ok")
        except learning.LearningError as exc:
            flash(str(exc), "error")
        return redirect(url_for(".misses", **shown()), 303)

    @bp.get("/learning/nlu.yml")
    def export() -> Response:
        with db.session() as session:
            text = learning.export_labels(session)
        return Response(text, mimetype="text/yaml", headers={
            "Content-Disposition": f"attachment; filename={EXPORT_NAME}"})

    return bp


PAGES = StaffPages(key="learning", blueprint=blueprint, permission="training",
                   nav=(("ข้อความที่บอทยังไม่เข้าใจ", "admin.learning.misses"),))
