import os
from datetime import date

import pytest

# A fixed Wednesday, so that relative dates in the tables have one right answer.
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="session", autouse=True)
def nlu_cache_dir(tmp_path_factory):
    """Train into a throw-away cache, never into the developer's ~/.cache."""
    path = tmp_path_factory.mktemp("nlu-cache")
    previous = os.environ.get("SMARTSERVICE_CACHE_DIR")
    os.environ["SMARTSERVICE_CACHE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("SMARTSERVICE_CACHE_DIR", None)
    else:
        os.environ["SMARTSERVICE_CACHE_DIR"] = previous


@pytest.fixture(autouse=True)
def no_rasa(monkeypatch):
    monkeypatch.delenv("RASA_URL", raising=False)
