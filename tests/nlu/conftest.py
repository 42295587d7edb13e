from datetime import date

import pytest

# A fixed Wednesday, so that relative dates in the tables have one right answer.
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def no_rasa(monkeypatch):
    monkeypatch.delenv("RASA_URL", raising=False)
