"""Benchmark: how well and how fast the slip text reader (services/payments/slip_text.py)
reads generated slips of six banks' layouts (tests/slip_images.py: eight Thai fonts,
half photographed with tilt, blur, noise and JPEG loss).

Run: .venv/bin/python bench/slip_ocr.py [--slips 120] [--seed 2569]
Prints field accuracy overall and per bank, and the median and p95 time per slip.
A name counts as right when it is the printed one (spaces aside); "near" also counts
names within 90% character similarity, what finance can still recognise.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.slip_images, run from anywhere

from services.payments.banks import bank_short  # noqa: E402
from services.payments.slip_text import SlipText, read_slip_text  # noqa: E402
from tests.slip_images import GeneratedSlip, generated_slips  # noqa: E402

FIELDS = ("amount", "paid_at", "sender", "receiver", "account", "bank")


def _squeeze(name: str | None) -> str:
    return (name or "").replace(" ", "")


def _scores(slip: GeneratedSlip, read: SlipText | None) -> dict[str, bool]:
    if read is None:
        return {f: False for f in (*FIELDS, "sender~", "receiver~")}
    return {
        "amount": read.amount == slip.amount, "paid_at": read.paid_at == slip.paid_at,
        "sender": _squeeze(read.sender) == _squeeze(slip.sender),
        "receiver": _squeeze(read.receiver) == _squeeze(slip.receiver),
        "account": read.account == slip.account, "bank": read.bank == slip.bank,
        "sender~": fuzz.ratio(_squeeze(read.sender), _squeeze(slip.sender)) >= 90,
        "receiver~": fuzz.ratio(_squeeze(read.receiver), _squeeze(slip.receiver)) >= 90,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slips", type=int, default=120)
    parser.add_argument("--seed", type=int, default=2569)
    args = parser.parse_args()
    by_bank: dict[str, list[dict[str, bool]]] = defaultdict(list)
    by_kind: dict[str, list[dict[str, bool]]] = defaultdict(list)
    seconds = []
    for slip in generated_slips(args.slips, seed=args.seed):
        began = time.perf_counter()
        read = read_slip_text(slip.data)
        seconds.append(time.perf_counter() - began)
        scores = _scores(slip, read)
        by_bank[bank_short(slip.bank)].append(scores)
        by_kind["photo" if slip.photo else "screenshot"].append(scores)
    columns = (*FIELDS, "sender~", "receiver~")
    print(f"{args.slips} slips, seed {args.seed}, {platform.processor() or platform.machine()}")
    print("| slips | n | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    groups = {"all": [s for rows in by_bank.values() for s in rows], **by_kind, **dict(sorted(by_bank.items()))}
    for name, rows in groups.items():
        cells = " | ".join(f"{sum(r[c] for r in rows) / len(rows):.2f}" for c in columns)
        print(f"| {name} | {len(rows)} | {cells} |")
    seconds.sort()
    print(f"time per slip: median {statistics.median(seconds):.2f} s, "
          f"p95 {seconds[int(0.95 * (len(seconds) - 1))]:.2f} s, max {seconds[-1]:.2f} s")


if __name__ == "__main__":
    main()
