"""Benchmark of the 12345 ticket classifier against the plain baseline on the shared labelled sets.

    .venv/bin/python bench/bench_classifier.py [--folds 5] [--only taidi|taipei] [--json]
        [--no-embeddings] [--seeds 3]

For each labelled set in SHARED_DATA_DIR/tickets (泰迪杯 2020 messages, 7 first-level
categories; Taipei dispatch questions, 149 departments) prints the cross-validated accuracy and
macro-F1 (stratified k-fold with near-duplicate messages kept in one fold, pooled out-of-fold
predictions, the whole pipeline fitted inside each fold) of the baseline (TF-IDF of jieba word
unigrams + LogisticRegression) and of ours, per fold and for the fast (sparse) stage alone, the
confusion hot spots, then the full-set training time and prediction throughput (batch, one text
at a time, and intake's fast stage in milliseconds per ticket).
``--seeds N`` repeats the cross-validation with N different shuffles of the rows into folds
(the same grouping) and reports each figure and their mean: on a few hundred rows the split
alone moves the accuracy by ± 0.02. Each fold model's own auto-dispatch threshold (chosen on
its training rows) is applied to its test rows: the share a deployed model would dispatch.
Skips cleanly when the data folder is absent. Nothing is written to the models directory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from onewindow.tickets import classifier as clf  # noqa: E402

SETS = {
    "taidi": ("taidi2020_labelled_train.csv", "留言主题,留言详情", "一级分类"),
    "taipei": ("taipei_dispatch_train.csv", "question", "department"),
}


def bench_set(name: str, folds: int, *, use_embeddings: bool = True, seeds: int = 1
              ) -> dict | None:
    filename, text, label = SETS[name]
    path = Path(settings.SHARED_DATA_DIR) / "tickets" / filename
    if not path.is_file():
        print(f"{name}: {path} absent, skipped")
        return None
    data = clf.read_labelled_csv(path, text_columns=text, label_column=label)
    started = time.perf_counter()
    cv = clf.crossval(data, folds=folds, use_embeddings=use_embeddings, n_jobs=1)
    cv_seconds = time.perf_counter() - started
    repeats = [{"seed": 0, "accuracy": cv["accuracy"], "macro_f1": cv["macro_f1"],
                "own_threshold": cv.get("auto_dispatch_own_threshold")}]
    for seed in range(1, seeds):
        again = clf.crossval(data, folds=folds, use_embeddings=use_embeddings, compare=False,
                             n_jobs=1, random_state=seed)
        repeats.append({"seed": seed, "accuracy": again["accuracy"],
                        "macro_f1": again["macro_f1"],
                        "own_threshold": again.get("auto_dispatch_own_threshold")})

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model = clf.train(data, use_embeddings=use_embeddings, n_jobs=1)
    train_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        size = clf.model_save(model, out=Path(tmp) / "m.joblib").stat().st_size
    started = time.perf_counter()
    model.predict_proba(data.texts)
    batch = len(data.texts) / (time.perf_counter() - started)
    sample = data.texts[:300]
    started = time.perf_counter()
    for t in sample:
        clf.classify(t, model=model)
    single = len(sample) / (time.perf_counter() - started)
    # intake: the fast stage (sparse model alone), one ticket at a time, as the service calls it
    fast_ms, fast_cpu_ms = [], []
    for t in sample:
        t0, c0 = time.perf_counter(), time.process_time()
        clf.classify(t, model=model, stage=clf.STAGE_FAST)
        fast_ms.append((time.perf_counter() - t0) * 1000)
        fast_cpu_ms.append((time.process_time() - c0) * 1000)
    # the background refinement: one embedding pass per ticket (a numbered suffix makes every
    # text new to the embedding cache, as a new ticket is)
    full_ms = []
    for i, t in enumerate(sample[:40] if model.refinable() else []):
        t0 = time.perf_counter()
        clf.classify(f"{t}（{i}）", model=model, stage=clf.STAGE_FULL)
        full_ms.append((time.perf_counter() - t0) * 1000)
    base = cv["baseline"]
    result = {
        "set": name, "n": data.labels.__len__(), "classes": len(set(data.labels)),
        "skipped": data.skipped, "folds": cv["folds"],
        "baseline": {"accuracy": base["accuracy"], "macro_f1": base["macro_f1"],
                     "train_seconds_per_fold": base["train_seconds_per_fold"]},
        "ours": {"accuracy": cv["accuracy"], "macro_f1": cv["macro_f1"],
                 "fold_accuracy": cv["fold_accuracy"], "fold_macro_f1": cv["fold_macro_f1"],
                 "calibration": cv["calibration"], "triage": cv["triage"],
                 "train_seconds_per_fold": cv["train_seconds_per_fold"]},
        "improvement": cv["improvement"],
        "members": cv.get("members"), "embedder": cv.get("embedder"),
        "auto_dispatch": cv.get("auto_dispatch"), "worst_classes": cv.get("worst_classes"),
        "model_bytes": size,
        "peak_rss_mb": round(max(rss_before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024),
        "full_train_seconds": round(train_seconds, 2),
        "chosen": model.meta.get("params"),
        "predictions_per_second": round(batch),
        "single_text_predictions_per_second": round(single),
        "crossval_seconds": round(cv_seconds, 1),
        "fast_stage": cv.get("fast_stage"),
        "fold_figures": cv.get("fold_figures"),
        "confusions": cv.get("confusions"),
        "near_duplicate_groups": cv.get("near_duplicate_groups"),
        "repeats": repeats,
        "repeated_accuracy_mean": round(statistics.mean(r["accuracy"] for r in repeats), 4),
        "auto_dispatch_own_threshold": cv.get("auto_dispatch_own_threshold"),
        "intake_fast_ms": {"median": round(statistics.median(fast_ms), 2),
                           "p99": round(sorted(fast_ms)[int(len(fast_ms) * 0.99) - 1], 2),
                           "cpu_median": round(statistics.median(fast_cpu_ms), 2),
                           "cpu_p99": round(sorted(fast_cpu_ms)[int(len(fast_cpu_ms) * 0.99) - 1], 2),
                           "n": len(fast_ms)},
        "refine_full_ms": {"median": round(statistics.median(full_ms), 1) if full_ms else None,
                           "max": round(max(full_ms), 1) if full_ms else None, "n": len(full_ms)},
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", choices=sorted(SETS))
    parser.add_argument("--json", action="store_true", help="one JSON line per set")
    parser.add_argument("--seeds", type=int, default=1,
                        help="repeat the cross-validation with this many fold shuffles")
    parser.add_argument("--no-embeddings", action="store_true",
                        help="the sparse model alone (what intake's fast stage uses)")
    args = parser.parse_args()
    if not (Path(settings.SHARED_DATA_DIR) / "tickets").is_dir():
        print(f"shared data folder {settings.SHARED_DATA_DIR}/tickets absent: skipped")
        return 0
    print(f"os.cpu_count={os.cpu_count()}  folds={args.folds}")
    for name in [args.only] if args.only else list(SETS):
        r = bench_set(name, args.folds, use_embeddings=not args.no_embeddings, seeds=args.seeds)
        if r is None:
            continue
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
            continue
        b, o = r["baseline"], r["ours"]
        print(f"== {name}: {r['n']} rows, {r['classes']} labels, {r['folds']}-fold stratified CV")
        print(f"  baseline (jieba unigram TF-IDF + LR) accuracy {b['accuracy']:.4f}  "
              f"macro-F1 {b['macro_f1']:.4f}")
        print(f"  ours (n-grams + e5 embeddings)       accuracy {o['accuracy']:.4f}  "
              f"macro-F1 {o['macro_f1']:.4f}   "
              f"(+{r['improvement']['accuracy']:.4f} / +{r['improvement']['macro_f1']:.4f})")
        print(f"  per fold: accuracy {o['fold_accuracy']['mean']:.4f} ± "
              f"{o['fold_accuracy']['std']:.4f}, macro-F1 {o['fold_macro_f1']['mean']:.4f} ± "
              f"{o['fold_macro_f1']['std']:.4f}")
        t = o["triage"]
        print(f"  calibration: ECE {o['calibration']['ece']:.4f}; at confidence ≥ "
              f"{t['threshold']}: {t['auto_share']:.1%} auto-dispatched, "
              f"{t['auto_accuracy']:.1%} of them right")
        print(f"  training on all rows {r['full_train_seconds']:.1f} s (chosen {r['chosen']}); "
              f"per fold ours {o['train_seconds_per_fold']:.1f} s, "
              f"baseline {b['train_seconds_per_fold']:.1f} s")
        print(f"  throughput: {r['predictions_per_second']} predictions/s in batch, "
              f"{r['single_text_predictions_per_second']} /s one text at a time")
        a = r["auto_dispatch"] or {}
        print(f"  members {r['members']} ({r['embedder'] or 'no embeddings'}); for ≥ 95 % right "
              f"auto-dispatch: threshold {a.get('threshold')}, {a.get('auto_share', 0):.1%} automatic, "
              f"{a.get('triage_share', 1):.1%} to triage")
        print(f"  model on disk {r['model_bytes'] / 1e6:.1f} MB; peak memory {r['peak_rss_mb']} MB")
        fs = r["fast_stage"] or {}
        fa = fs.get("auto_dispatch") or {}
        print(f"  fast stage (sparse alone, intake): accuracy {fs.get('accuracy')}, "
              f"≥ 95 % auto-dispatch at {fa.get('threshold')}: {fa.get('auto_share', 0):.1%} "
              f"automatic; one ticket {r['intake_fast_ms']['median']} ms median, "
              f"p99 {r['intake_fast_ms']['p99']} ms wall; CPU time "
              f"{r['intake_fast_ms']['cpu_median']} ms median, p99 {r['intake_fast_ms']['cpu_p99']} ms "
              f"(n={r['intake_fast_ms']['n']})")
        print(f"  full stage (background refinement): {r['refine_full_ms']['median']} ms median, "
              f"max {r['refine_full_ms']['max']} ms (n={r['refine_full_ms']['n']})")
        for f in r["fold_figures"] or []:
            print(f"  fold n={f['n']}: accuracy {f['accuracy']:.4f}, macro-F1 {f['macro_f1']:.4f}, "
                  f"fast stage {f['fast_accuracy']:.4f}")
        print(f"  near-duplicate groups kept within one fold: {r['near_duplicate_groups']}")
        for rep in r["repeats"]:
            print(f"  fold shuffle {rep['seed']}: accuracy {rep['accuracy']:.4f}, macro-F1 "
                  f"{rep['macro_f1']:.4f}; each fold model's own threshold: {rep['own_threshold']}")
        print(f"  mean accuracy over {len(r['repeats'])} fold shuffles: "
              f"{r['repeated_accuracy_mean']:.4f}")
        for t, p, n in r["confusions"] or []:
            print(f"  confused: {t} → {p} ×{n}")
        print(f"  load average during the run: {r['load_average']}")
        for w in r["worst_classes"] or []:
            print(f"  worst: {w['label']} F1 {w['f1']:.2f} (n={w['support']}) taken for "
                  + ", ".join(f"{k} ×{v}" for k, v in w["predicted_as"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
