"""NLU benchmark (SPEC §6.1): parse latency over the two held-out sets, and training time.

Targets: parse median < 1 ms and p99 < 5 ms per message; training < 30 s (2 cores).
Run: python bench/nlu.py [--rounds N]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over the test set")
    args = parser.parse_args()
    os.environ.setdefault("SMARTSERVICE_CACHE_DIR", tempfile.mkdtemp(prefix="nlu-bench-"))
    os.environ.pop("RASA_URL", None)

    from nlu.data import HELDOUT_FILE, TEST_FILE, TRAINING_FILE, load_yaml
    from nlu.model import load_or_train
    from nlu.pipeline import Engine

    data = load_yaml(TRAINING_FILE)
    started = time.perf_counter()
    load_or_train(data=data, force=True)
    training = time.perf_counter() - started

    # A fresh bot process: import, build the tokeniser, load the cached model, first parse.
    probe = ("import time; t = time.perf_counter(); from nlu import parse; parse('สวัสดี'); "
             "print(time.perf_counter() - t)")
    root = Path(__file__).resolve().parents[1]
    cold_load = float(subprocess.run([sys.executable, "-c", probe], cwd=root, env=os.environ,
                                     capture_output=True, text=True, check=True).stdout)
    engine = Engine.build()

    texts = [text for path in (TEST_FILE, HELDOUT_FILE) for text, _ in load_yaml(path).examples]
    for text in texts:  # warm-up
        engine.parse(text)
    samples = []
    for _ in range(args.rounds):
        for text in texts:
            t0 = time.perf_counter()
            engine.parse(text)
            samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    median = statistics.median(samples)
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"training examples: {len(data.examples)}, intents: {len(data.intents)}")
    print(f"training time: {training:.2f} s (target < 30 s)")
    print(f"fresh process, first parse from the cached model: {cold_load:.2f} s")
    print(f"parse latency over {len(samples)} parses of {len(texts)} test messages:")
    print(f"  median {median:.3f} ms (target < 1 ms), p99 {p99:.3f} ms (target < 5 ms), max {samples[-1]:.3f} ms")
    long_text = "ขอแจ้งเรื่องค่าน้ำค่ะ " * 250
    t0 = time.perf_counter()
    engine.parse(long_text)
    print(f"one 5,000-character message: {(time.perf_counter() - t0) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
