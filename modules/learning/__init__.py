"""Learning from use (issue 14): the texts the bot did not understand, was unsure
of, or that residents corrected, listed for staff to label with the right intent and
export as `nlu.yml` lines for the next training (docs/nlu.md). Every organisation
has it. Recording happens where the bot answers (flows/basic.py, the inbox's
request for a person, the dispatcher for a tapped quick reply); the rules are
services/learning.py."""
from __future__ import annotations

from admin.pages import Tile
from modules.descriptor import Module
from modules.learning import pages
from services import learning
from services.container import Services
from services.staff import StaffIdentity


def unlabelled(services: Services, viewer: StaffIdentity) -> int:
    with services.db.session() as session:
        return learning.unlabelled_count(session)


MODULE = Module(
    key="learning",
    title="สอนบอทจากข้อความที่ยังไม่เข้าใจ",
    staff_pages=(pages.PAGES,),
    tiles=(Tile("ข้อความที่บอทยังไม่เข้าใจ", "training", unlabelled, "admin.learning.misses"),),
)
