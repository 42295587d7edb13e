"""Intent evaluation on a labelled file: accuracy, macro F1, per-intent scores, confusions."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .data import NluData
from .types import Parse


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]
    confusions: list[dict[str, Any]]
    errors: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "per_intent": self.per_intent,
                "confusions": self.confusions, "errors": self.errors}


def evaluate(data: NluData, parse: Callable[[str], Parse]) -> Report:
    gold = [intent for _, intent in data.examples]
    predicted = [parse(text).intent for text, _ in data.examples]
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
    confusions = [{"gold": g, "predicted": p, "count": n}
                  for (g, p), n in pairs.most_common() if g != p]
    errors = [{"text": text, "gold": g, "predicted": p}
              for (text, g), p in zip(data.examples, predicted, strict=True) if g != p]
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0
    macro_f1 = sum(v["f1"] for v in per_intent.values()) / len(per_intent) if per_intent else 0.0
    return Report(round(accuracy, 4), round(macro_f1, 4), per_intent, confusions, errors)


def format_report(report: Report, top_confusions: int = 10) -> str:
    lines = [f"accuracy  {report.accuracy:.4f}", f"macro F1  {report.macro_f1:.4f}", "",
             f"{'intent':<16}{'precision':>10}{'recall':>9}{'f1':>8}{'n':>5}"]
    for intent, s in report.per_intent.items():
        lines.append(f"{intent:<16}{s['precision']:>10.3f}{s['recall']:>9.3f}{s['f1']:>8.3f}{s['support']:>5}")
    if report.confusions:
        lines += ["", "most confused (gold → predicted):"]
        lines += [f"  {c['gold']} → {c['predicted']}: {c['count']}" for c in report.confusions[:top_confusions]]
    return "\n".join(lines)
