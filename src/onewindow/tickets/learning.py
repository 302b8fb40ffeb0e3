"""The classifier learns from the platform's own work (the services of its lifecycle).

Every human decision about a ticket's category is a label (``label_record``, called by the
dispatch and return services): a dispatcher's choice in triage, a department's return naming the
right category, a redispatch by a dispatcher or supervisor. ``classifier_retrain`` (run by the
timer when enough new labels arrived, or by a supervisor on the model page) trains a candidate
on the current model's seed data plus the labels, holding back the most recent labelled tickets,
evaluates candidate and current model on that slice, and promotes the candidate only when it is
at least as accurate. ``classifier_promote``/``classifier_rollback`` move the ``CURRENT``
pointer of the models directory, record who did it and write an audit entry. With no model and
no labels, the category tree (and the knowledge base) gives a zero-shot model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied

from . import classifier as clf
from . import constants as c
from . import selectors
from .constants import ModelStatus
from .models import Category, ClassifierLabel, ClassifierVersion, Ticket

logger = logging.getLogger(__name__)

DEMO_LABELLED = Path(__file__).resolve().parent / "data" / "demo_messages.csv"
SEED_DEMO = "demo"


# --- Labels -------------------------------------------------------------------------------------
def label_record(*, ticket: Ticket, category: Category | None, source: str, actor: Any,
                 now: datetime) -> ClassifierLabel | None:
    """Store a person's category decision for a ticket (inside the caller's transaction)."""
    if category is None or not getattr(actor, "is_authenticated", False):
        return None
    ClassifierLabel.objects.filter(ticket=ticket, superseded=False).update(superseded=True)
    return ClassifierLabel.objects.create(
        ticket=ticket, text=f"{ticket.title}\n{ticket.text}"[:6000], label=category.full_name,
        category=category, source=source, predicted_label=ticket.classifier_label,
        predicted_confidence=ticket.classifier_confidence, model_version=ticket.classifier_version,
        actor=actor, at=now)


def _active_labels() -> list[ClassifierLabel]:
    return list(ClassifierLabel.objects.filter(superseded=False).select_related("category")
                .order_by("at", "id"))


# --- Seed data ----------------------------------------------------------------------------------
def demo_labelled() -> clf.LabelledData:
    """The demo's own labelled messages (written for this project, categories as paths)."""
    return clf.read_labelled_csv(DEMO_LABELLED, text_columns="标题,内容", label_column="分类")


def seed_data(seed: Any) -> clf.LabelledData | None:
    """The data a model lineage started from: the demo set, or a CSV file that still exists."""
    if seed == SEED_DEMO:
        return demo_labelled()
    if isinstance(seed, dict) and seed.get("csv"):
        path = Path(str(seed["csv"]))
        if path.is_file():
            try:
                return clf.read_labelled_csv(path, text_columns=seed.get("text", ""),
                                             label_column=seed.get("label", ""))
            except clf.ClassifierInputError:
                logger.warning("seed data %s no longer readable", path)
    return None


# --- Versions -----------------------------------------------------------------------------------
def _meta_of(version: str) -> dict[str, Any]:
    import json

    path = clf.models_dir() / version / clf.META_FILE
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def classifier_versions_sync() -> int:
    """Register model directories that are not in the database yet (trained by the command)."""
    root = clf.models_dir()
    if not root.is_dir():
        return 0
    known = set(ClassifierVersion.objects.values_list("version", flat=True))
    current = clf.current_version(root)
    made = 0
    for child in sorted(root.iterdir()):
        if child.name in known or not (child / clf.MODEL_FILE).is_file():
            continue
        meta = _meta_of(child.name)
        row = _register(version=child.name, meta=meta,
                        status=ModelStatus.CURRENT if child.name == current else ModelStatus.RETIRED,
                        source=str(meta.get("source", ""))[:200], note="由命令训练")
        if child.name == current:  # it was made current by the command: roll back to it later
            row.promoted_at = row.trained_at or timezone.now()
            row.save(update_fields=["promoted_at", "updated_at"])
        made += 1
    return made


def _register(*, version: str, meta: dict[str, Any], status: str, source: str = "",
              n_labels: int = 0, figures: dict[str, Any] | None = None, compared_with: str = "",
              note: str = "") -> ClassifierVersion:
    trained = meta.get("trained_at")
    try:
        trained_at = datetime.fromisoformat(trained) if trained else None
    except ValueError:
        trained_at = None
    row, _ = ClassifierVersion.objects.update_or_create(version=version, defaults={
        "kind": str(meta.get("kind", ""))[:20], "status": status, "trained_at": trained_at,
        "n_train": int(meta.get("n", 0) or 0), "n_labels": n_labels,
        "classes": int(meta.get("classes", 0) or 0), "source": source[:200],
        "figures": figures or {}, "compared_with": compared_with, "note": note[:300]})
    return row


def _require_model_admin(actor: Any) -> None:
    if actor is not None and not selectors.is_supervisor(actor):
        raise PermissionDenied("只有监督管理人员可以管理分类模型", code="not_supervisor")


def classifier_promote(*, actor: Any, version: str, now: datetime | None = None,
                       note: str = "") -> ClassifierVersion:
    """Make ``version`` the current model (pointer file, statuses, audit); None actor = timer."""
    _require_model_admin(actor)
    now = now or timezone.now()
    row = ClassifierVersion.objects.filter(version=version).first()
    if row is None:
        raise NotFound("找不到该模型版本", code="classifier_version_not_found")
    if not (clf.models_dir() / version / clf.MODEL_FILE).is_file():
        raise Conflict("该模型版本的文件已不存在，无法启用", code="classifier_artefact_missing")
    previous = clf.current_version()
    with transaction.atomic():
        ClassifierVersion.objects.filter(status=ModelStatus.CURRENT).exclude(pk=row.pk).update(
            status=ModelStatus.RETIRED, updated_at=now)
        row.status = ModelStatus.CURRENT
        row.promoted_at = now
        row.promoted_by = actor if getattr(actor, "is_authenticated", False) else None
        if note:
            row.note = note[:300]
        row.save(update_fields=["status", "promoted_at", "promoted_by", "note", "updated_at"])
        audit_record(actor=row.promoted_by, action=c.AUDIT_CLASSIFIER_PROMOTE, obj=row,
                     summary={"version": version, "previous": previous or "", "note": note,
                              "figures": row.figures.get("candidate", {})})
        clf.pointer_set(version)
    clf.cache_clear()
    return row


def classifier_rollback(*, actor: Any, now: datetime | None = None) -> ClassifierVersion:
    """Go back to the model that was current before this one, in one step."""
    _require_model_admin(actor)
    current = clf.current_version()
    previous = (ClassifierVersion.objects.exclude(version=current or "")
                .filter(promoted_at__isnull=False).order_by("-promoted_at", "-id").first())
    if previous is None:
        raise Conflict("没有可以回滚到的上一个模型版本", code="classifier_no_previous")
    return classifier_promote(actor=actor, version=previous.version, now=now,
                              note=f"回滚：从 {current} 回到 {previous.version}")


# --- Retraining ---------------------------------------------------------------------------------
@dataclass
class RetrainOutcome:
    action: str  # skipped / zero_shot / promoted / rejected / failed
    reason: str = ""
    version: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


def _figures(model: clf.TrainedModel, data: clf.LabelledData) -> dict[str, Any]:
    """Accuracy on the held-back tickets (a prediction above the true category counts when the
    labels are paths: routing then follows the deepest category the model is sure of)."""
    if not data.labels:
        return {}
    proba = model.predict_proba(data.texts)
    classes = model.classes
    exact = top = 0
    for row, truth in zip(proba, data.labels, strict=True):
        pred = classes[int(row.argmax())]
        exact += pred == truth
        top += pred.split(clf.PATH_SEP)[0] == truth.split(clf.PATH_SEP)[0]
    n = len(data.labels)
    confidence = proba.max(axis=1)
    return {"n": n, "accuracy": round(exact / n, 4), "top_level_accuracy": round(top / n, 4),
            "mean_confidence": round(float(confidence.mean()), 4),
            "low_confidence_share": round(float((confidence < model.effective_threshold(None)).mean()), 4)}


def _zero_shot_ensure(now: datetime) -> RetrainOutcome:
    paths = [p for p in clf.taxonomy_paths() if len(p) >= 1]
    leaves = {" / ".join(p) for p in paths}
    # leaves only: a node whose children are known is described by them
    leaves = {p for p in leaves if not any(o.startswith(p + clf.PATH_SEP) for o in leaves)}
    if len(leaves) < 2:
        return RetrainOutcome("skipped", "没有分类目录，无法零样本分类")
    try:
        model = clf.zero_shot_model(clf.label_descriptions(sorted(leaves)), now=now)
    except clf.ClassifierUnavailable as exc:
        return RetrainOutcome("skipped", exc.message)
    clf.model_save(model, pointer=False)
    _register(version=model.version, meta={**model.meta, "kind": model.kind},
              status=ModelStatus.CANDIDATE, source="零样本：分类目录与知识库",
              note="零样本模型：置信度低，大部分工单转人工分拣")
    classifier_promote(actor=None, version=model.version, now=now, note="尚无模型：启用零样本模型")
    return RetrainOutcome("zero_shot", version=model.version)


def classifier_retrain(*, actor: Any = None, now: datetime | None = None, force: bool = False,
                       min_labels: int | None = None) -> RetrainOutcome:
    """Train a candidate from the labels when enough arrived; promote it if at least as good."""
    _require_model_admin(actor)
    now = now or timezone.now()
    classifier_versions_sync()
    current_name = clf.current_version()
    labels = _active_labels()
    if current_name is None and not labels:
        return _zero_shot_ensure(now)
    latest = ClassifierVersion.objects.exclude(kind=clf.KIND_ZERO_SHOT).order_by("-trained_at").first()
    since = latest.trained_at if latest is not None and latest.trained_at else None
    new = sum(1 for label in labels if since is None or label.at > since)
    needed = c.CLASSIFIER_RETRAIN_MIN_LABELS if min_labels is None else min_labels
    if not force and new < needed:
        return RetrainOutcome("skipped", f"新增标注 {new} 条，少于 {needed} 条")
    holdout_n = min(c.CLASSIFIER_HOLDOUT_MAX,
                    max(c.CLASSIFIER_HOLDOUT_MIN, round(len(labels) * c.CLASSIFIER_HOLDOUT_SHARE)))
    if len(labels) < holdout_n + 2:
        return RetrainOutcome("skipped", f"标注只有 {len(labels)} 条，不足以留出评估")
    train_labels, held = labels[:-holdout_n], labels[-holdout_n:]
    current = None
    if current_name is not None:
        try:
            current = clf.current_model()
        except clf.ClassifierUnavailable:
            current = None
    seed = (current.meta.get("seed") if current is not None else None) or None
    base = seed_data(seed)
    texts = [label.text for label in train_labels]
    names = [label.label for label in train_labels]
    if base is not None:
        texts, names = list(base.texts) + texts, list(base.labels) + names
    data = clf.LabelledData(texts=texts, labels=names, source="labels")
    if len(set(names)) < 2:
        return RetrainOutcome("skipped", "标注的分类少于两个")
    holdout = clf.LabelledData(texts=[label.text for label in held],
                               labels=[label.label for label in held])
    try:
        candidate = clf.train(data, n_jobs=1, now=now)
    except clf.ClassifierInputError as exc:
        return RetrainOutcome("failed", exc.message)
    candidate.meta["seed"] = seed
    candidate.meta["source"] = "人工分拣标注" + ("＋种子数据" if base is not None else "")
    mine = _figures(candidate, holdout)
    theirs = _figures(current, holdout) if current is not None else {}
    figures = {"holdout": holdout_n, "candidate": mine, "current": theirs,
               "current_version": current_name or ""}
    clf.model_save(candidate, pointer=False)
    better = not theirs or mine["accuracy"] >= theirs["accuracy"]
    with transaction.atomic():
        row = _register(version=candidate.version, meta={**candidate.meta, "kind": candidate.kind},
                        status=ModelStatus.CANDIDATE if better else ModelStatus.REJECTED,
                        source=candidate.meta["source"], n_labels=len(train_labels),
                        figures=figures, compared_with=current_name or "",
                        note="" if better else "留出评估不如在用模型，未启用")
        audit_record(actor=actor if getattr(actor, "is_authenticated", False) else None,
                     action=c.AUDIT_CLASSIFIER_TRAIN, obj=row,
                     summary={"version": candidate.version, "labels": len(train_labels),
                              "candidate": mine, "current": theirs, "promoted": better})
    if not better:
        return RetrainOutcome("rejected", "候选模型在留出工单上不如在用模型", candidate.version, figures)
    classifier_promote(actor=actor, version=candidate.version, now=now,
                       note=f"留出 {holdout_n} 件近期工单：{mine['accuracy']:.2%}"
                            + (f"（在用 {theirs['accuracy']:.2%}）" if theirs else ""))
    return RetrainOutcome("promoted", version=candidate.version, figures=figures)


def classifier_retrain_tick(*, now: datetime | None = None) -> RetrainOutcome:
    """The timer's job: retrain when due; never raises (a failure is logged)."""
    if not getattr(settings, "TICKETS_CLASSIFIER_LEARN", True):
        return RetrainOutcome("skipped", "已关闭自动学习")
    try:
        return classifier_retrain(actor=None, now=now)
    except Exception:
        logger.exception("classifier retraining failed")
        return RetrainOutcome("failed", "训练失败，详见日志")


def demo_model_train(*, now: datetime | None = None, shared: bool = True) -> ClassifierVersion | None:
    """The demo's first model: its own labelled messages (plus the shared labelled messages when
    the folder is there), saved, registered and made current. None when one exists already."""
    if clf.current_version() is not None:
        return None
    data = demo_labelled()
    shared_csv = Path(settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_labelled_train.csv"
    if shared and shared_csv.is_file():
        try:
            extra = clf.read_labelled_csv(shared_csv, text_columns="留言主题,留言详情", label_column="一级分类")
            data = clf.LabelledData(texts=list(data.texts) + list(extra.texts),
                                    labels=list(data.labels) + list(extra.labels), source="demo+shared")
        except clf.ClassifierInputError:
            pass
    model = clf.train(data, n_jobs=1, now=now)
    model.meta["seed"] = SEED_DEMO
    model.meta["source"] = "演示标注数据" + ("＋共享留言" if data.source == "demo+shared" else "")
    clf.model_save(model, pointer=False)
    _register(version=model.version, meta={**model.meta, "kind": model.kind},
              status=ModelStatus.CANDIDATE, source=model.meta["source"], note="演示初始模型")
    return classifier_promote(actor=None, version=model.version, now=now, note="演示初始模型")
