"""Intent evaluation on a labelled file: accuracy, macro F1, per-intent and per-family scores,
the confusion table; and k-fold cross-validation of the whole pipeline on the training data."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .data import NluData
from .types import Parse


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]
    per_family: dict[str, dict[str, float]]
    confusions: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    labels: list[str]
    matrix: list[list[int]]  # rows gold, columns predicted, both in `labels` order

    def to_dict(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "per_intent": self.per_intent,
                "per_family": self.per_family, "confusions": self.confusions, "errors": self.errors,
                "confusion_matrix": {"labels": self.labels, "rows": self.matrix}}


def evaluate(data: NluData, parse: Callable[[str], Parse]) -> Report:
    return score(data, [parse(text) for text, _ in data.examples])


def score(data: NluData, parses: Sequence[Parse]) -> Report:
    """The report for these parses of `data.examples` (in the same order)."""
    gold = [intent for _, intent in data.examples]
    predicted = [p.intent for p in parses]
    pairs = Counter(zip(gold, predicted, strict=True))
    per_intent: dict[str, dict[str, float]] = {}
    # Macro F1 averages over the intents present in the gold labels (as scikit-learn's would
    # with labels=gold); an intent that is only ever predicted still lowers others' precision.
    for intent in sorted(set(gold)):
        tp = pairs[(intent, intent)]
        n_pred = sum(1 for p in predicted if p == intent)
        n_gold = sum(1 for g in gold if g == intent)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = {"precision": round(precision, 4), "recall": round(recall, 4),
                              "f1": round(f1, 4), "support": n_gold}
    families = data.families if len(data.families) == len(gold) else [None] * len(gold)
    per_family: dict[str, dict[str, float]] = {}
    for family in sorted({f for f in families if f}):
        hits = [g == p for g, p, f in zip(gold, predicted, families, strict=True) if f == family]
        per_family[family] = {"accuracy": round(sum(hits) / len(hits), 4), "support": len(hits)}
    confusions = [{"gold": g, "predicted": p, "count": n}
                  for (g, p), n in pairs.most_common() if g != p]
    errors = [{"text": text, "gold": g, "predicted": p.intent, "confidence": round(p.confidence, 4),
               **({"family": f} if f else {})}
              for (text, g), p, f in zip(data.examples, parses, families, strict=True) if g != p.intent]
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    macro_f1 = sum(v["f1"] for v in per_intent.values()) / len(per_intent) if per_intent else 0.0
    labels = sorted(set(gold) | set(predicted))
    matrix = [[pairs[(g, p)] for p in labels] for g in labels]
    return Report(round(accuracy, 4), round(macro_f1, 4), per_intent, per_family, confusions, errors,
                  labels, matrix)


def cross_validate(data: NluData, folds: int = 5, seed: int = 7) -> tuple[Report, list[Parse]]:
    """Stratified k-fold over the training examples: each fold's examples are parsed by the
    whole pipeline trained on the other folds. Returns the report and the out-of-fold parses."""
    from sklearn.model_selection import StratifiedKFold

    from .entities import EntityExtractor
    from .model import tokeniser_from, train
    from .pipeline import Engine

    tokeniser = tokeniser_from(data)
    gold = [intent for _, intent in data.examples]
    parses: list[Parse | None] = [None] * len(gold)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(gold, gold):
        fold = NluData(examples=[data.examples[i] for i in train_idx], synonyms=data.synonyms,
                       lookups=data.lookups, regexes=data.regexes)
        engine = Engine(train(fold, tokeniser), EntityExtractor(data))
        for i in test_idx:
            parses[i] = engine.parse(data.examples[i][0])
    done = [p for p in parses if p is not None]
    return score(data, done), done


def format_report(report: Report, top_confusions: int = 10) -> str:
    lines = [f"accuracy  {report.accuracy:.4f}", f"macro F1  {report.macro_f1:.4f}", "",
             f"{'intent':<16}{'precision':>10}{'recall':>9}{'f1':>8}{'n':>5}"]
    for intent, s in report.per_intent.items():
        lines.append(f"{intent:<16}{s['precision']:>10.3f}{s['recall']:>9.3f}{s['f1']:>8.3f}{s['support']:>5}")
    if report.per_family:
        lines += ["", f"{'family':<16}{'accuracy':>10}{'n':>5}"]
        lines += [f"{family:<16}{s['accuracy']:>10.3f}{s['support']:>5}" for family, s in report.per_family.items()]
    if report.confusions:
        lines += ["", "most confused (gold → predicted):"]
        lines += [f"  {c['gold']} → {c['predicted']}: {c['count']}" for c in report.confusions[:top_confusions]]
        lines += ["", *format_matrix(report)]
    return "\n".join(lines)


def format_matrix(report: Report) -> list[str]:
    """The confusion table, rows gold and columns predicted, numbered columns so that 22
    intents fit a terminal; '.' is zero."""
    labels, rows = report.labels, report.matrix
    width = max(3, len(str(max((max(r) for r in rows), default=0))) + 1)
    corner = "gold \\ predicted"
    head = f"{corner:<20}" + "".join(f"{i + 1:>{width}}" for i in range(len(labels)))
    lines = ["confusion table:", head]
    for i, (label, row) in enumerate(zip(labels, rows, strict=True)):
        cells = "".join(f"{(str(n) if n else '.'):>{width}}" for n in row)
        lines.append(f"{f'{i + 1:>2} {label}':<20}{cells}")
    return lines
