"""Intent classifier: word and character n-grams, a linear model, temperature-calibrated softmax.

scikit-learn fits the model; prediction runs on the fitted arrays directly (a handful of
dictionary look-ups and one small matrix product), which keeps a parse well under a
millisecond and lets a process that only parses skip importing scikit-learn.
"""
from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pythainlp

from .data import DICTIONARY_FILE, TRAINING_FILE, NluData, domain_words, fingerprint, load_yaml
from .normalise import normalise
from .rewrite import for_classifier
from .tokenise import WordTokeniser, tokeniser_for

log = logging.getLogger(__name__)

CHAR_NGRAMS = (2, 3, 4)
WORD_BLOCK_WEIGHT = 0.8
CHAR_BLOCK_WEIGHT = 1.0
SVM_C = 1.0
# Long messages are classified on their beginning: requests come first, rambling follows.
MAX_FEATURE_CHARS = 400


def featurise(tokens: Sequence[str]) -> tuple[list[str], list[str]]:
    """Word unigrams and bigrams, and character n-grams over the words written without spaces."""
    words = list(tokens)
    word_feats = words + [f"{a} {b}" for a, b in pairwise(words)]
    compact = "^" + "".join(words) + "$"
    char_feats = [compact[i:i + n] for n in CHAR_NGRAMS for i in range(len(compact) - n + 1)]
    return word_feats, char_feats


def _identity(features: list[str]) -> list[str]:
    return features


@dataclass
class IntentModel:
    classes: list[str]
    word_index: dict[str, int]
    word_idf: np.ndarray
    char_index: dict[str, int]
    char_idf: np.ndarray
    weights: np.ndarray  # (classes, word features + char features)
    bias: np.ndarray
    temperature: float
    tokeniser: WordTokeniser

    def rank(self, text: str) -> list[tuple[str, float]]:
        """All intents with calibrated probabilities, best first."""
        word_feats, char_feats = featurise(self.tokeniser.tokens(for_classifier(text[:MAX_FEATURE_CHARS])))
        w_idx, w_val = _tfidf(word_feats, self.word_index, self.word_idf, WORD_BLOCK_WEIGHT, 0)
        c_idx, c_val = _tfidf(char_feats, self.char_index, self.char_idf, CHAR_BLOCK_WEIGHT, len(self.word_idf))
        idx = np.concatenate((w_idx, c_idx))
        scores = self.weights[:, idx] @ np.concatenate((w_val, c_val)) + self.bias
        probs = _softmax(scores / self.temperature)
        order = np.argsort(-probs)
        return [(self.classes[i], float(probs[i])) for i in order]

    def save(self, path: Path) -> None:
        arrays = {
            "classes": np.array(self.classes), "word_vocab": _vocab_array(self.word_index),
            "word_idf": self.word_idf, "char_vocab": _vocab_array(self.char_index),
            "char_idf": self.char_idf, "weights": self.weights, "bias": self.bias,
            "temperature": np.array(self.temperature),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so a concurrent reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; other workers of the service read it too
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, tokeniser: WordTokeniser) -> IntentModel:
        with np.load(path, allow_pickle=False) as z:
            return cls(
                classes=z["classes"].tolist(),
                word_index={w: i for i, w in enumerate(z["word_vocab"].tolist())},
                word_idf=z["word_idf"],
                char_index={c: i for i, c in enumerate(z["char_vocab"].tolist())},
                char_idf=z["char_idf"], weights=z["weights"], bias=z["bias"],
                temperature=float(z["temperature"]), tokeniser=tokeniser,
            )


def _vocab_array(index: dict[str, int]) -> np.ndarray:
    vocab = [""] * len(index)
    for term, i in index.items():
        vocab[i] = term
    return np.array(vocab)


def _tfidf(feats: list[str], index: dict[str, int], idf: np.ndarray, weight: float,
           offset: int) -> tuple[np.ndarray, np.ndarray]:
    """The same vector as TfidfVectorizer(sublinear_tf=True, norm='l2'), times the block weight."""
    counts: dict[int, int] = {}
    for feat in feats:
        j = index.get(feat)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    if not counts:
        return np.empty(0, dtype=np.intp), np.empty(0)
    idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
    values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * idf[idx]
    values *= weight / np.linalg.norm(values)
    return idx + offset, values


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature that minimises the log loss of out-of-fold scores."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        z = scores / math.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(gold)), gold].mean())

    return math.exp(minimize_scalar(nll, bounds=(-5.0, 3.0), method="bounded").x)


def train(data: NluData, tokeniser: WordTokeniser) -> IntentModel:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.svm import LinearSVC

    classes = sorted({intent for _, intent in data.examples})
    gold = np.array([classes.index(intent) for _, intent in data.examples])
    feats = [featurise(tokeniser.tokens(for_classifier(normalise(text)))) for text, _ in data.examples]
    word_vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    char_vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
    x = hstack([
        word_vec.fit_transform([w for w, _ in feats]) * WORD_BLOCK_WEIGHT,
        char_vec.fit_transform([c for _, c in feats]) * CHAR_BLOCK_WEIGHT,
    ]).tocsr()

    # Seeded, as liblinear shuffles: the same data gives the same model, and the same figures.
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    oof = cross_val_predict(LinearSVC(C=SVM_C, random_state=0), x, gold, cv=folds, method="decision_function")
    temperature = _fit_temperature(oof, gold)
    svm = LinearSVC(C=SVM_C, random_state=0).fit(x, gold)
    return IntentModel(
        classes=classes,
        word_index={t: int(i) for t, i in word_vec.vocabulary_.items()}, word_idf=word_vec.idf_,
        char_index={t: int(i) for t, i in char_vec.vocabulary_.items()}, char_idf=char_vec.idf_,
        weights=np.ascontiguousarray(svm.coef_), bias=svm.intercept_.copy(),
        temperature=temperature, tokeniser=tokeniser,
    )


def cache_dir() -> Path:
    """Where trained models live: never inside the package, so a read-only install works."""
    if configured := os.environ.get("SMARTSERVICE_CACHE_DIR"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "smartservice"


def tokeniser_from(data: NluData, dictionary_file: Path = DICTIONARY_FILE) -> WordTokeniser:
    words = set(domain_words(dictionary_file))
    for forms in data.lookups.values():
        words.update(f for f in forms if " " not in f)
    return tokeniser_for(tuple(sorted(words)))


# The code that turns text into features is part of the model: editing it retrains.
_FEATURE_CODE = tuple(Path(__file__).resolve().parent / name
                      for name in ("model.py", "normalise.py", "rewrite.py", "tokenise.py"))


def model_path(data_file: Path = TRAINING_FILE, dictionary_file: Path = DICTIONARY_FILE) -> Path:
    key = fingerprint(data_file, dictionary_file, *_FEATURE_CODE, salt=f"pythainlp {pythainlp.__version__}")
    return cache_dir() / f"nlu-{key}.npz"


def load_or_train(data_file: Path = TRAINING_FILE, dictionary_file: Path = DICTIONARY_FILE,
                  *, data: NluData | None = None, force: bool = False) -> IntentModel:
    """The model for these data files: from the cache when it matches, else trained and cached."""
    data = data or load_yaml(data_file)
    tokeniser = tokeniser_from(data, dictionary_file)
    path = model_path(data_file, dictionary_file)
    if path.exists() and not force:
        try:
            return IntentModel.load(path, tokeniser)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("cached NLU model %s unreadable (%s); retraining", path, exc)
    model = train(data, tokeniser)
    try:
        model.save(path)
    except OSError as exc:
        log.warning("could not cache the NLU model at %s (%s); it stays in memory", path, exc)
    return model
