import json

from click.testing import CliRunner

from nlu.cli import nlu_cli
from nlu.data import TEST_FILE, load_yaml


def test_group_name():
    assert nlu_cli.name == "nlu"


def test_train_reports_the_cached_model():
    result = CliRunner().invoke(nlu_cli, ["train"])
    assert result.exit_code == 0, result.output
    assert "trained 22 intents" in result.output and ".npz" in result.output


def test_evaluate_yaml_text():
    result = CliRunner().invoke(nlu_cli, ["evaluate", "--data", str(TEST_FILE)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "macro F1" in result.output and "check_balance" in result.output


def test_evaluate_jsonl_json(tmp_path):
    rows = [{"text": t, "intent": i} for t, i in load_yaml(TEST_FILE).examples[:40]]
    rows.append({"text": "ขอจองคิวฝ่ายสินเชื่อวันศุกร์", "intent": "my_queue"})  # one deliberate mistake
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = CliRunner().invoke(nlu_cli, ["evaluate", "--data", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {"accuracy", "macro_f1", "per_intent", "confusions"} <= set(report)
    assert 0 < report["accuracy"] < 1
    assert {"gold": "my_queue", "predicted": "book_queue", "count": 1} in report["confusions"]
    assert set(report["per_intent"]["my_queue"]) >= {"precision", "recall"}


def test_evaluate_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    result = CliRunner().invoke(nlu_cli, ["evaluate", "--data", str(path)])
    assert result.exit_code != 0


def test_parse_json():
    result = CliRunner().invoke(nlu_cli, ["parse", "ขอจองคิววันจันทร์หน้า 10 โมง", "--today", "2026-11-25", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["intent"] == "book_queue"
    assert {"type": "date", "value": "วันจันทร์หน้า", "normalised": "2026-11-30", "start": 8, "end": 21} in body["entities"]
    assert any(e["type"] == "time" and e["normalised"] == "10:00:00" for e in body["entities"])


def test_parse_text():
    result = CliRunner().invoke(nlu_cli, ["parse", "โอนค่าน้ำแล้ว ๕๐๐ บาท"])
    assert result.exit_code == 0, result.output
    assert "send_slip" in result.output and "amount" in result.output and "500.00" in result.output
