"""RASA_URL: parse() asks a Rasa server (here a small real HTTP server answering like Rasa 3)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nlu import parse


class FakeRasa(BaseHTTPRequestHandler):
    answers: dict = {}
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.received.append((self.path, body))
        text = body["text"]
        answer = FakeRasa.answers.get(text)
        if answer is None:
            self.send_response(500)
            self.end_headers()
            return
        payload = json.dumps({"text": text, **answer}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture()
def rasa_url(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("RASA_URL", url)
    FakeRasa.received.clear()
    yield url
    server.shutdown()
    server.server_close()


def test_rasa_answer_is_mapped_to_a_parse(rasa_url):
    text = "จองคิวฝ่ายสินเชื่อพรุ่งนี้"
    FakeRasa.answers[text] = {
        "intent": {"name": "book_queue", "confidence": 0.91},
        "intent_ranking": [
            {"name": "book_queue", "confidence": 0.91}, {"name": "my_queue", "confidence": 0.05},
            {"name": "chitchat_weather", "confidence": 0.03}, {"name": "greet", "confidence": 0.01},
        ],
        "entities": [
            {"entity": "department", "start": 6, "end": 18, "value": "loans", "extractor": "RegexEntityExtractor"},
            {"entity": "branch", "start": 0, "end": 6, "value": "main", "extractor": "DIETClassifier"},
        ],
    }
    result = parse(text)
    assert FakeRasa.received == [("/model/parse", {"text": text})]
    assert result.intent == "book_queue" and result.confidence == pytest.approx(0.91)
    assert result.is_confident
    assert result.ranking[:2] == [("book_queue", 0.91), ("my_queue", 0.05)]
    assert ("out_of_scope", 0.03) in result.ranking  # an intent we do not know
    types = {e.type: e.normalised for e in result.entities}
    assert types["department"] == "loans"  # ours, with the canonical key
    assert types["branch"] == "main"  # Rasa's extra entity kept
    assert "date" in types  # our date extractor still runs


def test_rasa_low_confidence_is_not_confident(rasa_url):
    FakeRasa.answers["อืม"] = {"intent": {"name": "help", "confidence": 0.2}, "intent_ranking": [], "entities": []}
    result = parse("อืม")
    assert (result.intent, result.is_confident) == ("help", False)


def test_rasa_failure_falls_back_to_the_built_in_pipeline(rasa_url):
    result = parse("ค่าน้ำเดือนนี้เท่าไรคะ")  # the fake answers 500 for unknown text
    assert FakeRasa.received and result.intent == "check_balance"


def test_rasa_unreachable_falls_back(monkeypatch):
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    assert parse("ขอใบเสร็จค่ะ").intent == "receipts"
