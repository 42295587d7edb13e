"""SQLAlchemy models by area. Importing this package registers every table on
``Base.metadata`` (Alembic and ``create_all`` rely on that)."""
from models import accounts, chat, identity, learning, numbering, scheduler, slips, staff  # noqa: F401,E402
from models.base import Base  # noqa: F401
