"""The model is trained once, cached by a hash of its data, and loaded once per process."""
import threading
from pathlib import Path

import pytest

from nlu import pipeline
from nlu.data import DICTIONARY_FILE
from nlu.model import model_path
from nlu.pipeline import Engine

SMALL = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - สวัสดี
    - สวัสดีครับ
    - หวัดดีค่ะ
    - ดีจ้า
    - hello
- intent: check_balance
  examples: |
    - ค่าน้ำเท่าไร
    - ยอดค้าง
    - ดูบิล
    - ค้างเท่าไร
    - ใบแจ้งหนี้
- intent: out_of_scope
  examples: |
    - กินข้าวยัง
    - หวยออกอะไร
    - ผลบอล
    - ร้อนจัง
    - 555
"""


@pytest.fixture()
def small_data(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv("SMARTSERVICE_CACHE_DIR", str(directory))
    return directory


def test_trains_then_reuses_the_cached_model(small_data, cache):
    first = Engine.build(small_data, DICTIONARY_FILE)
    files = list(cache.glob("nlu-*.npz"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    second = Engine.build(small_data, DICTIONARY_FILE)
    assert files[0].stat().st_mtime_ns == stamp
    assert second.parse("ยอดค้างค่าน้ำ").intent == first.parse("ยอดค้างค่าน้ำ").intent == "check_balance"
    assert second.model.rank("สวัสดีครับ") == first.model.rank("สวัสดีครับ")


def test_changed_data_gets_a_new_model(small_data, cache):
    Engine.build(small_data, DICTIONARY_FILE)
    small_data.write_text(SMALL + "    - ขอเลขเด็ด\n", encoding="utf-8")
    Engine.build(small_data, DICTIONARY_FILE)
    assert len(list(cache.glob("nlu-*.npz"))) == 2


def test_corrupt_cache_file_is_retrained(small_data, cache):
    cache.mkdir()
    model_path(small_data, DICTIONARY_FILE).write_bytes(b"not a model")
    assert Engine.build(small_data, DICTIONARY_FILE).parse("ดูบิล").intent == "check_balance"


def test_unwritable_cache_path_still_parses(small_data, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("SMARTSERVICE_CACHE_DIR", str(blocker / "cache"))
    assert Engine.build(small_data, DICTIONARY_FILE).parse("ดูบิล").intent == "check_balance"


def test_cache_is_outside_the_package():
    package = Path(pipeline.__file__).resolve().parent
    assert package not in model_path().resolve().parents


def test_engine_loads_once_across_threads(monkeypatch):
    monkeypatch.setattr(pipeline, "_engine", None)
    seen = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        seen.append(pipeline.engine())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and all(e is seen[0] for e in seen)


def test_the_suite_trains_into_a_cache_of_its_own(nlu_cache):
    """What lets the suite pass on a machine that never trained the model, and keeps
    it from reading a stale model or filling the developer's ~/.cache."""
    assert model_path().parent == nlu_cache
    assert Path.home() not in nlu_cache.resolve().parents
