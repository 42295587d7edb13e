"""Training data in Rasa's `nlu.yml` format (intents, synonyms, lookups, regexes) and JSON Lines."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAINING_FILE = DATA_DIR / "nlu.yml"
TEST_FILE = DATA_DIR / "test.yml"
HELDOUT_FILE = DATA_DIR / "test_heldout.yml"
DICTIONARY_FILE = DATA_DIR / "dictionary.txt"

_ANNOTATION = re.compile(r"\[([^\]]+)\]\s*(?:\([^)]*\)|\{[^}]*\})")


@dataclass
class NluData:
    examples: list[tuple[str, str]] = field(default_factory=list)  # (text, intent)
    # Parallel to `examples`: the family a test example stands for (Rasa `metadata: family:`),
    # so an evaluation can say which kind of message is weak; None in training data.
    families: list[str | None] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # surface form -> canonical key
    lookups: dict[str, list[str]] = field(default_factory=dict)  # entity type -> surface forms
    regexes: dict[str, list[str]] = field(default_factory=dict)  # entity type -> patterns

    @property
    def intents(self) -> list[str]:
        return sorted({intent for _, intent in self.examples})

    def add(self, text: str, intent: str, family: str | None = None) -> None:
        self.examples.append((text, intent))
        self.families.append(family)


def _items(block: str) -> list[str]:
    lines = (line.strip() for line in (block or "").splitlines())
    return [line[2:].strip() for line in lines if line.startswith("- ") and line[2:].strip()]


def load_yaml(path: Path) -> NluData:
    """Read a Rasa `nlu.yml`; entity annotations `[value](type)` are reduced to their text."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    data = NluData()
    for entry in document.get("nlu") or []:
        items = _items(entry.get("examples", ""))
        if "intent" in entry:
            family = (entry.get("metadata") or {}).get("family")
            for item in items:
                data.add(_ANNOTATION.sub(r"\1", item), entry["intent"], family)
        elif "synonym" in entry:
            data.synonyms.update({item: entry["synonym"] for item in items})
            data.synonyms.setdefault(entry["synonym"], entry["synonym"])
        elif "lookup" in entry:
            data.lookups.setdefault(entry["lookup"], []).extend(items)
        elif "regex" in entry:
            data.regexes.setdefault(entry["regex"], []).extend(items)
    return data


def load_jsonl(path: Path) -> NluData:
    data = NluData()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            family = row.get("family")
            data.add(str(row["text"]), str(row["intent"]), None if family is None else str(family))
    return data


def load_any(path: Path) -> NluData:
    """Load a labelled file: JSON Lines when it looks like JSON, else `nlu.yml`."""
    path = Path(path)
    if path.suffix in {".jsonl", ".json", ".ndjson"} or path.read_text(encoding="utf-8").lstrip().startswith("{"):
        return load_jsonl(path)
    return load_yaml(path)


def domain_words(dictionary_file: Path = DICTIONARY_FILE) -> list[str]:
    lines = Path(dictionary_file).read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def fingerprint(*paths: Path, salt: str = "") -> str:
    """Hash of the files a model is built from, so a cached model is reused only when unchanged."""
    digest = hashlib.sha256(salt.encode())
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:20]
