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
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from onewindow.core.errors import DomainError, ValidationFailed

FORMAT_VERSION = 1
KIND_OURS = "ours"
KIND_BASELINE = "baseline"
MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
CURRENT_FILE = "CURRENT"
DEFAULT_THRESHOLD = 0.5
DEFAULT_CS: tuple[float, ...] = (0.3, 1.0, 3.0)
INNER_FOLDS = 3
RELOAD_CHECK_SECONDS = 60.0
ALTERNATIVES = 3


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
            " / cannot decode the CSV file (UTF-8, UTF-16 or GB18030 expected)"
        ) from exc


def _header_key(name: str | None) -> str:
    return normalise_label(name).casefold()


def parse_columns(spec: str | Sequence[str]) -> list[str]:
    """``"留言主题,留言详情"`` (or a list) → column names, trimmed, empties dropped."""
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    columns = [p.strip() for p in parts if p and p.strip()]
    if not columns:
        raise ClassifierInputError("没有指定文本列 / no text column given")
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
                f"找不到 CSV 文件：{path} / CSV file not found: {path}"
            ) from exc
        except OSError as exc:
            raise ClassifierInputError(
                f"无法读取 CSV 文件：{path}（{exc.strerror}） / cannot read CSV file: {path}"
            ) from exc
    text = _decode(raw)
    if not text.strip():
        raise ClassifierInputError(f"CSV 文件为空：{name} / CSV file is empty: {name}")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ClassifierInputError(f"CSV 表头无法解析：{exc} / cannot parse CSV header") from exc
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
            fields={c: "缺少该列 / missing column" for c in missing},
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
            f"CSV 第 {reader.line_num} 行无法解析：{exc} / cannot parse CSV line {reader.line_num}"
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

    def fit(self, X: Any, y: Any) -> CalibratedLinearSVC:
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ClassifierInputError("训练数据至少需要两个类别 / at least two labels are needed")
        counts = Counter(y.tolist())
        folds = min(self.inner_folds, len(y))
        Cs = list(self.Cs)
        if len(Cs) > 1 and folds >= 2:
            splitter = _splitter(counts, folds, self.random_state)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "least populated class has …"
                splits = list(splitter.split(np.zeros(len(y)), y))
            tasks = [(C, tr, te) for C in Cs for tr, te in splits]
            results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(self._fold_scores)(X, y, C, tr, te) for C, tr, te in tasks
            )
            oof = {C: np.zeros((len(y), len(self.classes_))) for C in Cs}
            for C, te, out in results:
                oof[C][te] = out
            quality = {}
            for C in Cs:
                pred = self.classes_[oof[C].argmax(axis=1)]
                quality[C] = accuracy_score(y, pred) + f1_score(y, pred, average="macro")
            self.C_ = max(Cs, key=lambda c: (quality[c], -c))
            self.cv_quality_ = {str(c): round(q / 2, 4) for c, q in quality.items()}
            self.temperature_ = _fit_temperature(oof[self.C_], np.searchsorted(self.classes_, y))
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
        return _scores_2d(self.svc_.decision_function(X))

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


def _splitter(counts: Counter[str], folds: int, random_state: int) -> KFold | StratifiedKFold:
    """Stratified folds where possible (some class has at least ``folds`` rows), else plain."""
    if max(counts.values()) >= folds:
        return StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    return KFold(n_splits=folds, shuffle=True, random_state=random_state)


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
    send the ticket to a person instead of routing it automatically.
    """

    label: str
    confidence: float
    model_version: str
    alternatives: tuple[Alternative, ...] = ()
    threshold: float = DEFAULT_THRESHOLD

    @property
    def needs_triage(self) -> bool:
        return self.confidence < self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "model_version": self.model_version,
            "needs_triage": self.needs_triage,
            "alternatives": [
                {"label": a.label, "confidence": round(a.confidence, 4)} for a in self.alternatives
            ],
        }


@dataclass
class TrainedModel:
    """A fitted pipeline with its version and what it was trained on."""

    pipeline: Pipeline
    version: str
    kind: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        # our own fitted pipeline on plain strings: skip sklearn's per-call input checks,
        # which otherwise cost more than the prediction of one short text
        with config_context(assume_finite=True, skip_parameter_validation=True):
            return np.asarray(self.pipeline.predict_proba(list(texts)))

    def predict(self, texts: Sequence[str]) -> list[str]:
        proba = self.predict_proba(texts)
        classes = self.pipeline.classes_
        return [str(classes[i]) for i in proba.argmax(axis=1)]

    def suggest(self, texts: Sequence[str], *, threshold: float | None = None,
                alternatives: int = ALTERNATIVES) -> list[Suggestion]:
        if threshold is None:
            threshold = confidence_threshold()
        proba = self.predict_proba(texts)
        classes = self.pipeline.classes_
        out = []
        for row in proba:
            order = np.argsort(-row)[: alternatives + 1]
            out.append(Suggestion(
                label=str(classes[order[0]]),
                confidence=float(row[order[0]]),
                model_version=self.version,
                alternatives=tuple(
                    Alternative(str(classes[i]), float(row[i])) for i in order[1:]
                ),
                threshold=threshold,
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


def model_save(model: TrainedModel, *, out: Path | None = None) -> Path:
    """Save under ``<root>/<version>/`` and point ``<root>/CURRENT`` at it; returns the file.

    ``out`` is a models root directory (default ``models_dir()``), or a ``*.joblib`` file path
    to write one artefact there (its meta next to it as ``<name>.meta.json``; no pointer).
    """
    root = Path(out) if out is not None else models_dir()
    if _is_file_target(root):
        model_path, meta_path, pointer = root, root.with_suffix(".meta.json"), None
    else:
        model_path = root / model.version / MODEL_FILE
        meta_path, pointer = model_path.with_name(META_FILE), root / CURRENT_FILE
    model_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = model_path.with_name(f".{model_path.name}.tmp")
    joblib.dump(model, tmp, compress=3)
    os.replace(tmp, model_path)
    meta = {**model.meta, "version": model.version, "kind": model.kind,
            "format": FORMAT_VERSION, "sha256": _sha256_file(model_path)}
    _write_atomic(meta_path, json.dumps(meta, ensure_ascii=False, indent=2))
    if pointer is not None:
        _write_atomic(pointer, model.version + "\n")
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
                  threshold: float | None = None) -> list[Suggestion]:
    """Suggestions for several texts (one vectorisation pass: use it for imports)."""
    for text in texts:
        if not has_content(text):
            raise ValidationFailed("诉求内容为空，无法分类", code="ticket_text_empty",
                                   fields={"text": "请填写诉求内容"})
    if not texts:
        return []
    return (model or current_model()).suggest(texts, threshold=threshold)


def classify(text: str, *, model: TrainedModel | None = None,
             threshold: float | None = None) -> Suggestion:
    """The suggested label of one ticket text (raises ClassifierUnavailable with no model)."""
    return classify_many([text], model=model, threshold=threshold)[0]


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
            f" / training needs at least two labels ({len(data.labels)} usable rows)"
        )


def train(data: LabelledData, *, baseline: bool = False, n_jobs: int | None = 2,
          now: Any = None) -> TrainedModel:
    """Fit the classifier (or the baseline) on all of ``data``; nothing is saved."""
    _check_trainable(data)
    kind = KIND_BASELINE if baseline else KIND_OURS
    pipeline = build_pipeline(baseline=baseline, n_jobs=n_jobs)
    started = time.perf_counter()
    pipeline.fit(data.texts, data.labels)
    seconds = time.perf_counter() - started
    meta: dict[str, Any] = {
        "trained_at": (now or timezone.now()).isoformat(),
        "data_sha256": data.digest(),
        "source": data.source,
        "n": len(data.labels),
        "skipped": data.skipped,
        "classes": len(set(data.labels)),
        "train_seconds": round(seconds, 3),
        "sklearn": sklearn.__version__,
    }
    clf = pipeline.named_steps["classifier"]
    if isinstance(clf, CalibratedLinearSVC):
        meta["params"] = {"C": clf.C_, "temperature": round(clf.temperature_, 4),
                          "inner_cv": clf.cv_quality_}
    return TrainedModel(pipeline=pipeline, version=_version(data, kind, now), kind=kind, meta=meta)


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


def evaluate(model: TrainedModel, data: LabelledData, *,
             threshold: float | None = None) -> dict[str, Any]:
    """Figures of ``model`` on ``data`` (one JSON-ready dict)."""
    if not data.labels:
        raise ClassifierInputError("没有可评估的有效行 / no usable rows to evaluate")
    threshold = confidence_threshold() if threshold is None else threshold
    proba, batch, single = _throughput(model, data.texts)
    pred = [str(model.pipeline.classes_[i]) for i in proba.argmax(axis=1)]
    result: dict[str, Any] = {"command": "evaluate", "model_version": model.version,
                              "model_kind": model.kind}
    result.update(metrics(data.labels, pred, proba, model.classes, threshold))
    result["predictions_per_second"] = round(batch, 1)
    result["single_predictions_per_second"] = round(single, 1)
    result["skipped"] = data.skipped
    return _order(result)


def _crossval_one(data: LabelledData, *, baseline: bool, folds: int, n_jobs: int | None,
                  threshold: float, random_state: int = 0) -> dict[str, Any]:
    y = np.asarray(data.labels)
    texts = np.asarray(data.texts, dtype=object)
    counts = Counter(data.labels)
    folds = max(2, min(folds, len(y)))
    splitter = _splitter(counts, folds, random_state)
    classes = np.unique(y)
    proba = np.zeros((len(y), len(classes)))
    fit_seconds: list[float] = []
    pps: list[float] = []
    fold_acc: list[float] = []
    fold_f1: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has only …"
        splits = list(splitter.split(np.zeros(len(y)), y))
    for train_idx, test_idx in splits:
        pipeline = build_pipeline(baseline=baseline, n_jobs=n_jobs)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline.fit(list(texts[train_idx]), y[train_idx])
        fit_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        fold_proba = pipeline.predict_proba(list(texts[test_idx]))
        pps.append(len(test_idx) / max(time.perf_counter() - started, 1e-9))
        proba[np.ix_(test_idx, np.searchsorted(classes, pipeline.classes_))] = fold_proba
        fold_pred = classes[proba[test_idx].argmax(axis=1)]
        fold_acc.append(float(accuracy_score(y[test_idx], fold_pred)))
        fold_f1.append(float(f1_score(y[test_idx], fold_pred, average="macro")))
    pred = [str(c) for c in classes[proba.argmax(axis=1)]]
    result: dict[str, Any] = {
        "command": "crossval",
        "model_kind": KIND_BASELINE if baseline else KIND_OURS,
        "model_version": f"crossval-{data.digest()[:12]}",
        "folds": folds,
        "stratified": isinstance(splitter, StratifiedKFold),
    }
    result.update(metrics(data.labels, pred, proba, list(classes), threshold))
    result["fold_accuracy"] = {"mean": round(float(np.mean(fold_acc)), 4),
                               "std": round(float(np.std(fold_acc)), 4)}
    result["fold_macro_f1"] = {"mean": round(float(np.mean(fold_f1)), 4),
                               "std": round(float(np.std(fold_f1)), 4)}
    result["predictions_per_second"] = round(float(np.mean(pps)), 1)
    result["train_seconds_per_fold"] = round(float(np.mean(fit_seconds)), 2)
    result["skipped"] = data.skipped
    return result


def crossval(data: LabelledData, *, folds: int = 5, baseline: bool = False,
             compare: bool = True, n_jobs: int | None = 2,
             threshold: float | None = None) -> dict[str, Any]:
    """Cross-validated figures (pooled out-of-fold predictions) for ours, against the baseline.

    The whole pipeline, vocabulary included, is fitted inside each fold; our inner CV for C
    sees only that fold's training rows.
    """
    _check_trainable(data)
    threshold = confidence_threshold() if threshold is None else threshold
    result = _crossval_one(data, baseline=baseline, folds=folds, n_jobs=n_jobs,
                           threshold=threshold)
    if compare and not baseline:
        base = _crossval_one(data, baseline=True, folds=folds, n_jobs=n_jobs,
                             threshold=threshold)
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
