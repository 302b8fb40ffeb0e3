"""Remedies for the 12345 classifier measured on the same grouped folds as bench_classifier.py.

    nice -n 10 .venv/bin/python bench/bench_classifier_remedies.py --set taidi --seeds 3 \
        [--meta] [--selftrain 0.9] [--pool 2000] [--curve] [--transform t2s|boilerplate]
        [--no-embeddings]

For each fold shuffle (``--seeds``) and each grouped stratified fold the full model is fitted on
the fold's training rows exactly as ``crossval`` does; the variants are then scored on the same
test rows, so their differences are not the split's:

- ``stack``: the model as it is (non-negative member weights, ADR 0010);
- ``--meta``: other ways of joining the members fitted on the same inner out-of-fold scores: a
  multinomial logistic regression over every member's score of every class (C 0.1 / 1 / 10),
  and the stack with one bias per class fitted by log loss (per-class thresholds);
- ``--selftrain T``: self-training on unlabelled messages of the same source (taidi: the hotspot
  and replies files, without any message whose character cosine to a labelled one is ≥ 0.8, at
  most ``--pool`` of them): the fold model labels them, those with confidence ≥ T become extra
  training examples (never scored), and the model is refitted; ``--in-domain`` first drops the
  messages whose nearest first-level category of the whole taxonomy (zero-shot) is not one of
  the labelled ones;
- ``--hier`` (Taipei): p(bureau) · p(section | bureau) on the sparse features, the bureau
  being the first part of the department's name (a calibrated SVM over bureaus, and per bureau
  a local SVM trained on its own rows only), alone and mixed with the flat model;
- ``--curve``: the learning curve, the model fitted on 25 / 50 / 75 % of each fold's training
  rows (stratified sample) and scored on the same test rows;
- ``--transform``: the texts rewritten before everything (``t2s``: traditional → simplified
  characters; ``boilerplate``: greetings, thanks and sign-offs of board messages removed).

Prints one JSON line per set with the mean accuracy of every variant per shuffle.
Skips cleanly when the data folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from bench_classifier import SETS  # noqa: E402  (the same data sets and columns)
from django.conf import settings  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from scipy.special import log_softmax, softmax  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from onewindow.tickets import classifier as clf  # noqa: E402

POOL_FILES = {"taidi": ("taidi2020_hotspot_messages.csv", "taidi2020_replies.csv")}
META_CS = (0.1, 1.0, 10.0)

_GREETING = re.compile(r"^(尊敬的|敬爱的|亲爱的)?[^，。！,!：:]{0,12}?(领导|市长|书记|局长|区长|县长|主任"
                       r"|同志|部门|政府)[们]?(你们好|您好|你好)?[：:，,！!]?")
_HELLO = re.compile(r"(您好|你们好|你好)[！!，,。：:]?")
_CLOSING = re.compile(r"[，,。]?(此致敬礼|此致|敬礼|谢谢|感谢|万分感谢|非常感谢|盼复|盼回复|望回复|请回复"
                      r"|(恳请|恳求|希望|望|请)[^。！!，,]{0,10}(关注|重视|回复|答复|处理|解决)"
                      r"|(最后，)?祝[^。！!]{0,20}(顺利|健康|高升|愉快|平安))[您你们！!。，,\s]*$")
_BLANK = re.compile(r"[\s\u3000\xa0]+")


def strip_boilerplate(text: str) -> str:
    """The message without the greeting, the thanks and the sign-off (the request stays)."""
    lines = [_BLANK.sub(" ", line).strip() for line in text.split("\n")]
    lines = [_HELLO.sub("", _GREETING.sub("", line), count=1).strip() for line in lines]
    out = "\n".join(line for line in lines if line)
    for _ in range(3):
        out = _CLOSING.sub("", out).strip()
    return out or text


def t2s(text: str) -> str:
    import opencc

    converter = getattr(t2s, "_cc", None)
    if converter is None:
        converter = opencc.OpenCC("t2s")
        t2s._cc = converter  # type: ignore[attr-defined]
    return str(converter.convert(text))


def load(name: str, transform: str | None) -> clf.LabelledData | None:
    filename, text, label = SETS[name]
    path = Path(settings.SHARED_DATA_DIR) / "tickets" / filename
    if not path.is_file():
        return None
    data = clf.read_labelled_csv(path, text_columns=text, label_column=label)
    if transform == "t2s":
        data = clf.LabelledData(texts=[t2s(t) for t in data.texts], labels=data.labels,
                                source=data.source)
    elif transform == "boilerplate":
        data = clf.LabelledData(texts=[strip_boilerplate(t) for t in data.texts],
                                labels=data.labels, source=data.source)
    return data


def unlabelled_pool(name: str, labelled: list[str], limit: int, transform: str | None
                    ) -> list[str]:
    """Unlabelled messages of the same source, none a near-copy of a labelled one."""
    texts: list[str] = []
    for filename in POOL_FILES.get(name, ()):
        path = Path(settings.SHARED_DATA_DIR) / "tickets" / filename
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                joined = clf.join_text([row.get("留言主题"), row.get("留言详情")])
                if clf.has_content(joined):
                    texts.append(joined)
    if not texts:
        return []
    if transform == "boilerplate":
        texts = [strip_boilerplate(t) for t in texts]
    texts = list(dict.fromkeys(texts))
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), preprocessor=clf._letters_only,
                          lowercase=False, dtype=np.float32).fit(labelled + texts)
    sims = vec.transform(texts) @ vec.transform(labelled).T
    near = np.asarray(sims.max(axis=1).todense()).ravel() >= clf.NEAR_DUPLICATE_SIMILARITY
    kept = [t for t, n in zip(texts, near, strict=True) if not n]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(kept))[:limit]
    print(f"pool: {len(texts)} unlabelled messages, {int(near.sum())} near a labelled one, "
          f"{len(order)} used", file=sys.stderr)
    return [kept[i] for i in sorted(order)]


_BUREAU_RE = re.compile(r"^(臺北市政府|臺北市立|臺北市|臺北)(.+?(局|處|所|會|院|館|園|中心|公司))")


def bureau_of(label: str) -> str:
    """The bureau of a Taipei department ("臺北市政府勞動局勞動基準科" → "臺北市政府勞動局")."""
    m = _BUREAU_RE.match(label)
    return m.group(1) + m.group(2) if m else label


def hierarchical_variants(model: clf.TrainedModel, train_texts: list[str],
                          train_labels: np.ndarray, test_texts: list[str]
                          ) -> dict[str, np.ndarray]:
    """p(bureau) · p(section | bureau) on the sparse features: a calibrated SVM over bureaus and,
    per bureau of several sections, a local SVM trained on that bureau's rows only."""
    from sklearn.svm import LinearSVC

    classes = list(model.classes)
    svc = model.pipeline.named_steps["classifier"]  # type: ignore[union-attr]
    X_tr, X_te = model._features(train_texts), model._features(test_texts)
    bureaus = np.array([bureau_of(c) for c in classes])
    y_b = np.array([bureau_of(c) for c in train_labels])
    b_model = clf.CalibratedLinearSVC(Cs=(1.0,), n_jobs=1).fit(
        X_tr, y_b, score_rows=np.arange(len(y_b)))
    p_b = b_model.predict_proba(X_te)
    b_col = {b: i for i, b in enumerate(b_model.classes_)}
    p_flat = model.predict_proba(test_texts, stage=clf.STAGE_FAST)
    local = np.zeros_like(p_flat)
    renorm = np.zeros_like(p_flat)
    for b in set(bureaus.tolist()):
        cols = np.flatnonzero(bureaus == b)
        pb = p_b[:, b_col[b]] if b in b_col else np.zeros(len(test_texts))
        flat_b = p_flat[:, cols].sum(axis=1, keepdims=True) + 1e-12
        renorm[:, cols] = pb[:, None] * p_flat[:, cols] / flat_b
        rows = np.flatnonzero(y_b == b)
        present = sorted(set(train_labels[rows].tolist()))
        if len(cols) == 1 or len(present) < 2:
            local[:, cols] = pb[:, None] * p_flat[:, cols] / flat_b
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sec = LinearSVC(C=svc.C_, class_weight="balanced").fit(X_tr[rows], train_labels[rows])
        scores = clf._scores_2d(sec.decision_function(X_te))
        p_sec = softmax(svc.temperature_ * scores, axis=1)
        for j, c in enumerate(sec.classes_):
            local[:, classes.index(c)] = pb * p_sec[:, j]
    mix = softmax(0.5 * np.log(p_flat + 1e-12) + 0.5 * np.log(local + 1e-12), axis=1)
    return {"hier_local": local, "hier_renorm": renorm, "hier_mix": mix}


def member_scores(model: clf.TrainedModel, texts: list[str]) -> dict[str, np.ndarray]:
    """Each member's scores of texts, as the stack sees them."""
    features = model._features(texts)
    svc = model.pipeline.named_steps["classifier"]  # type: ignore[union-attr]
    out = {"sparse": np.asarray(svc.decision_function(features))}
    if model.dense is not None:
        vectors = clf.embed_texts(texts)
        assert vectors is not None
        out.update(model.dense.scores(vectors, len(model.classes), features))
    return out


def _centred(scores: dict[str, np.ndarray], members: list[str]) -> np.ndarray:
    return np.hstack([scores[m] - scores[m].mean(axis=1, keepdims=True) for m in members])


def meta_variants(fitted: Any, model: clf.TrainedModel, test_texts: list[str],
                  y_train_idx: np.ndarray, meta_cs: tuple[float, ...] = META_CS
                  ) -> dict[str, np.ndarray]:
    """Test-row probabilities of the other joiners, fitted on the inner out-of-fold scores."""
    oof = fitted.oof_scores
    if not oof:
        return {}
    test = member_scores(model, test_texts)
    members = [m for m in oof if m in test]
    out: dict[str, np.ndarray] = {}
    X_oof, X_test = _centred(oof, members), _centred(test, members)
    scale = X_oof.std(axis=0) + 1e-6
    n_classes = len(model.classes)
    for C in meta_cs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lr = LogisticRegression(C=C, max_iter=2000).fit(X_oof / scale, y_train_idx)
        proba = np.zeros((len(test_texts), n_classes))
        proba[:, lr.classes_] = lr.predict_proba(X_test / scale)
        out[f"meta_lr_C{C:g}"] = proba
    # the stack plus one bias per class (per-class thresholds), fitted on the same scores
    stack = model.dense.stack  # type: ignore[union-attr]
    logits_oof = np.log(stack.proba(oof) + 1e-12)
    logits_test = np.log(stack.proba(test) + 1e-12)
    rows = np.arange(len(y_train_idx))

    def loss(b: np.ndarray) -> tuple[float, np.ndarray]:
        logp = log_softmax(logits_oof + b, axis=1)
        p = np.exp(logp)
        onehot = np.zeros_like(p)
        onehot[rows, y_train_idx] = 1.0
        reg = 0.01
        return (float(-logp[rows, y_train_idx].mean() + reg * (b ** 2).sum()),
                (p - onehot).mean(axis=0) + 2 * reg * b)

    res = minimize(loss, np.zeros(n_classes), jac=True, method="L-BFGS-B")
    out["stack_class_bias"] = softmax(logits_test + res.x, axis=1)
    return out


def fit_fold(texts: list[str], labels: list[str], *, descriptions: dict[str, list[str]],
             vectors: np.ndarray | None, described: dict[str, np.ndarray] | None,
             embedder_name: str, extra: tuple[list[str], list[str], np.ndarray | None] | None
             = None) -> tuple[Any, clf.TrainedModel]:
    fitted = clf._fit_ours(texts, labels, descriptions=descriptions, vectors=vectors,
                           description_vectors=described, embedder_name=embedder_name,
                           n_jobs=1, extra=extra)
    model = clf.TrainedModel(pipeline=fitted.pipeline, version="fold", kind=clf.KIND_OURS,
                             dense=fitted.dense, auto_threshold=fitted.auto.get("threshold"),
                             sparse_auto_threshold=fitted.sparse_auto.get("threshold"))
    return fitted, model


def run(name: str, args: argparse.Namespace) -> dict[str, Any] | None:
    data = load(name, args.transform)
    if data is None:
        print(f"{name}: data absent, skipped")
        return None
    y = np.asarray(data.labels)
    texts = list(data.texts)
    classes = np.unique(y)
    groups = clf.near_duplicate_groups(texts)
    descriptions = clf.label_descriptions(list(classes))
    if args.transform == "t2s":
        descriptions = {c: [t2s(t) for t in v] for c, v in descriptions.items()}
    started = time.perf_counter()
    vectors = described = None
    embedder_name = ""
    if not args.no_embeddings:
        vectors, described, embedder_name = clf._embeddings_for(texts, list(classes), descriptions)
    pool: list[str] = []
    pool_vectors = None
    if args.selftrain:
        pool = unlabelled_pool(name, texts, args.pool, args.transform)
        if vectors is not None and pool:
            pool_vectors = clf.embed_texts(pool)
        if args.in_domain and pool_vectors is not None:
            # keep the messages whose nearest top-level category of the whole taxonomy (zero-shot,
            # cosine to the category paths) is one of the labelled classes: the board has 15
            # first-level categories, the labelled set 7
            tops = sorted({path[0] for path in clf.taxonomy_paths()} | set(classes.tolist()))
            every = clf.label_descriptions(tops, knowledge=[])
            flat = [(i, t) for i, c in enumerate(tops) for t in every[c]]
            desc = clf.embed_texts([t for _, t in flat], kind="passage")
            assert desc is not None
            nearest = clf.DescribeMember(vectors=desc, owners=np.array([i for i, _ in flat]),
                                         n_classes=len(tops)).scores(pool_vectors).argmax(axis=1)
            inside = np.isin(np.asarray(tops)[nearest], classes)
            pool = [t for t, k in zip(pool, inside, strict=True) if k]
            pool_vectors = pool_vectors[inside]
            print(f"pool in the labelled categories: {len(pool)}", file=sys.stderr)
    print(f"{name}: embeddings ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    results: dict[str, list[float]] = {}
    f1s: dict[str, list[float]] = {}
    per_seed: list[dict[str, float]] = []
    pseudo_counts: list[int] = []
    fit_seconds: list[float] = []
    grouped = len(set(groups.tolist())) < len(groups)  # as crossval: the same folds
    for seed in range(args.seeds):
        splitter = clf._splitter(Counter(data.labels), args.folds, seed, grouped=grouped)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splits = list(splitter.split(np.zeros(len(y)), y, groups))
        pred: dict[str, np.ndarray] = {}
        for fold, (tr, te) in enumerate(splits):
            t0 = time.perf_counter()
            tr_texts, te_texts = [texts[i] for i in tr], [texts[i] for i in te]
            fitted, model = fit_fold(tr_texts, list(y[tr]), descriptions=descriptions,
                                     vectors=vectors[tr] if vectors is not None else None,
                                     described=described, embedder_name=embedder_name)
            fit_seconds.append(time.perf_counter() - t0)
            cols = np.searchsorted(classes, model.classes)
            variants: dict[str, np.ndarray] = {
                "stack": model.predict_proba(te_texts),
                "fast": model.predict_proba(te_texts, stage=clf.STAGE_FAST)}
            if args.meta and model.dense is not None:
                y_tr_idx = np.searchsorted(np.asarray(model.classes), y[tr])
                variants.update(meta_variants(fitted, model, te_texts, y_tr_idx,
                                              tuple(args.meta_cs)))
            if args.hier:
                variants.update(hierarchical_variants(model, tr_texts, y[tr], te_texts))
            if args.selftrain and pool:
                pool_proba = model.predict_proba(pool)
                for threshold in args.selftrain:
                    keep = pool_proba.max(axis=1) >= threshold
                    pseudo = [model.classes[i] for i in pool_proba[keep].argmax(axis=1)]
                    pseudo_counts.append(int(keep.sum()))
                    extra = ([t for t, k in zip(pool, keep, strict=True) if k], pseudo,
                             pool_vectors[keep] if pool_vectors is not None else None)
                    _, again = fit_fold(tr_texts, list(y[tr]), descriptions=descriptions,
                                        vectors=vectors[tr] if vectors is not None else None,
                                        described=described, embedder_name=embedder_name,
                                        extra=extra)
                    variants[f"selftrain_{threshold:g}"] = again.predict_proba(te_texts)
                    variants[f"selftrain_{threshold:g}_fast"] = again.predict_proba(
                        te_texts, stage=clf.STAGE_FAST)
            if args.curve:
                rng = np.random.default_rng(seed * 100 + fold)
                for share in (0.25, 0.5, 0.75):
                    sub = []
                    for c in classes:
                        rows = tr[y[tr] == c]
                        take = max(2, round(len(rows) * share))
                        sub.extend(rng.choice(rows, size=min(take, len(rows)), replace=False))
                    sub_idx = np.array(sorted(sub))
                    _, part = fit_fold([texts[i] for i in sub_idx], list(y[sub_idx]),
                                       descriptions=descriptions,
                                       vectors=vectors[sub_idx] if vectors is not None else None,
                                       described=described, embedder_name=embedder_name)
                    pcols = np.searchsorted(classes, part.classes)
                    p = np.zeros((len(te), len(classes)))
                    p[:, pcols] = part.predict_proba(te_texts)
                    variants[f"curve_{int(share * 100)}"] = p
                    p = np.zeros((len(te), len(classes)))
                    p[:, pcols] = part.predict_proba(te_texts, stage=clf.STAGE_FAST)
                    variants[f"curve_{int(share * 100)}_fast"] = p
            for key, proba in variants.items():
                full = np.zeros((len(te), len(classes)))
                full[:, cols if proba.shape[1] == len(cols) else slice(None)] = proba
                pred.setdefault(key, np.empty(len(y), dtype=object))[te] = classes[
                    full.argmax(axis=1)]
            print(f"  seed {seed} fold {fold}: " + ", ".join(
                f"{k} {accuracy_score(y[te], pred[k][te]):.3f}" for k in pred),
                file=sys.stderr)
        seed_acc = {k: round(float(accuracy_score(y, p)), 4) for k, p in pred.items()}
        per_seed.append(seed_acc)
        for k, p in pred.items():
            results.setdefault(k, []).append(float(accuracy_score(y, p)))
            f1s.setdefault(k, []).append(float(f1_score(y, p, average="macro")))
        print(f"seed {seed}: {seed_acc}", file=sys.stderr)
    return {
        "set": name, "n": len(y), "classes": len(classes), "seeds": args.seeds,
        "transform": args.transform, "embeddings": embedder_name or None,
        "mean_accuracy": {k: round(statistics.mean(v), 4) for k, v in results.items()},
        "mean_macro_f1": {k: round(statistics.mean(v), 4) for k, v in f1s.items()},
        "per_seed": per_seed,
        "pool": len(pool), "pseudo_rows_per_fold": (round(statistics.mean(pseudo_counts))
                                                    if pseudo_counts else None),
        "fit_seconds_per_fold": round(statistics.mean(fit_seconds), 1),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="taidi")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--meta", action="store_true")
    parser.add_argument("--meta-cs", type=float, nargs="+", default=list(META_CS))
    parser.add_argument("--selftrain", type=float, nargs="*", default=[])
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--in-domain", action="store_true",
                        help="self-training: only messages zero-shot nearest a labelled category")
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--hier", action="store_true",
                        help="Taipei: p(bureau) · p(section | bureau) on the sparse features")
    parser.add_argument("--transform", choices=("t2s", "boilerplate"))
    parser.add_argument("--no-embeddings", action="store_true")
    args = parser.parse_args()
    if not (Path(settings.SHARED_DATA_DIR) / "tickets").is_dir():
        print("shared data absent: skipped")
        return 0
    result = run(args.set, args)
    if result is not None:
        print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
