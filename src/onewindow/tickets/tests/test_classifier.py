"""The ticket classifier on a small synthetic labelled set that the tests write themselves."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from onewindow.core.errors import ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.tickets import classifier as clf

PLACES = ["拓东路", "金碧社区", "鼓楼街道", "北京路", "白塔路", "东华小区", "青年路", "小菜园"]
TOPICS: dict[str, tuple[list[str], list[str]]] = {
    "交通运输": (
        ["公交车", "红绿灯", "停车位", "斑马线", "道路拥堵", "出租车", "地铁站"],
        ["{p}的{k}经常出问题，早晚高峰堵得走不动，希望交通部门管一管。",
         "{p}附近{k}设置不合理，车辆乱停，行人过马路很危险。",
         "建议在{p}增加{k}，方便市民出行。"],
    ),
    "环境保护": (
        ["噪音", "油烟", "污水", "臭味", "烧垃圾", "粉尘", "排污"],
        ["{p}有工厂夜里{k}严重，附近居民无法休息，请环保部门查处。",
         "{p}小区旁的餐馆{k}扰民，空气很差，要求整改污染。",
         "{p}河道{k}直排，水质发黑发臭，影响生态环境。"],
    ),
    "教育文体": (
        ["学位", "幼儿园", "课外培训", "校车", "学校食堂", "体育馆", "图书馆"],
        ["孩子在{p}上学，{k}问题一直没解决，家长很着急，请教育局答复。",
         "{p}的{k}收费太高，老师让学生补课，希望规范办学。",
         "请问{p}片区的{k}什么时候开放，入学报名需要什么材料？"],
    ),
    "劳动和社会保障": (
        ["社保", "养老金", "拖欠工资", "医保报销", "失业金", "劳动合同", "工伤认定"],
        ["我在{p}的公司上班，老板{k}已经三个月，请劳动监察帮忙维权。",
         "{p}的单位不给员工交{k}，辞职后怎么办理社会保险转移？",
         "请问在{p}办理{k}需要带哪些证件，每月能领多少钱？"],
    ),
}
UNSEEN = {
    "交通运输": "春熙路口的红绿灯坏了好几天，公交车和出租车堵成一团，请尽快修理。",
    "环境保护": "隔壁厂房每天晚上排放刺鼻臭味和粉尘，污染太严重了，请环保部门来检查。",
    "教育文体": "孩子幼儿园报名没有学位，学校说要等通知，入学到底怎么安排？",
    "劳动和社会保障": "公司拖欠工资不签劳动合同，也不给交社保和医保，我该去哪里投诉？",
}


def synthetic_rows(seed: int = 7, per_class: int = 24) -> list[tuple[str, str, str]]:
    """(subject, details, label) rows: templates × places × keywords, shuffled."""
    rnd = random.Random(seed)
    rows = []
    for label, (keywords, templates) in TOPICS.items():
        for i in range(per_class):
            k = keywords[i % len(keywords)]
            detail = rnd.choice(templates).format(p=rnd.choice(PLACES), k=k)
            rows.append((f"关于{k}的问题", detail, label))
    rnd.shuffle(rows)
    return rows


def write_csv(path: Path, rows: Sequence[tuple[str, ...]], header: tuple[str, ...] = (
        "留言主题", "留言详情", "一级分类"), encoding: str = "utf-8-sig", sep: str = ",") -> Path:
    lines = [sep.join(header)]
    for row in rows:
        lines.append(sep.join(f'"{c}"' if sep in c else c for c in row))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.fixture(autouse=True)
def models_root(tmp_path, settings) -> Iterator[Path]:
    root = tmp_path / "models"
    settings.TICKETS_CLASSIFIER_DIR = str(root)
    clf.cache_clear()
    yield root
    clf.cache_clear()


@pytest.fixture(scope="module")
def data() -> clf.LabelledData:
    rows = synthetic_rows()
    return clf.LabelledData(texts=[clf.join_text(r[:2]) for r in rows], labels=[r[2] for r in rows])


@pytest.fixture(scope="module")
def model(data) -> clf.TrainedModel:
    return clf.train(data, n_jobs=1)


# --- pure functions ---------------------------------------------------------------------------
def test_normalise_text_folds_width_case_and_spaces():
    assert clf.normalise_text("  ＡＢＣ１２３，\u3000公交\n\n车  ") == "abc123, 公交 车"
    assert clf.normalise_text(None) == ""
    assert clf.normalise_text(" \t ") == ""


def test_tokenise_keeps_words_and_drops_punctuation():
    tokens = clf.tokenise("小区门口的红绿灯坏了！！请尽快修理。")
    assert "红绿灯" in tokens
    assert not any(t in {"！", "!", "。", " "} for t in tokens)
    assert clf.tokenise("  ，。！") == []
    assert clf.tokenise("事業單位停工，工資應如何發給？")  # traditional characters still give tokens


def test_labels_and_columns_are_normalised():
    assert clf.normalise_label("臺北市政府衛生局食品藥物管理科\xa0") == "臺北市政府衛生局食品藥物管理科"
    assert clf.parse_columns(" 留言主题 , 留言详情,") == ["留言主题", "留言详情"]
    assert clf.join_text(["主题 ", None, "", " 详情"]) == "主题\n详情"
    with raises_code(clf.ClassifierInputError, "classifier_text_column_missing"):
        clf.parse_columns(" , ")


def test_build_pipeline_shapes():
    ours = clf.build_pipeline()
    base = clf.build_pipeline(baseline=True)
    assert [name for name, _ in ours.named_steps["features"].transformer_list] == ["words", "chars"]
    assert isinstance(ours.named_steps["classifier"], clf.CalibratedLinearSVC)
    assert type(base.named_steps["classifier"]).__name__ == "LogisticRegression"


# --- learning ---------------------------------------------------------------------------------
def test_learns_the_categories_and_generalises_to_unseen_text(model):
    suggestions = clf.classify_many(list(UNSEEN.values()), model=model, threshold=0.4)
    assert [s.label for s in suggestions] == list(UNSEEN.keys())
    for s in suggestions:
        assert 0.25 < s.confidence <= 1.0
        assert s.model_version == model.version
        assert len(s.alternatives) == 3
        assert s.label not in {a.label for a in s.alternatives}
        confidences = [s.confidence, *(a.confidence for a in s.alternatives)]
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0, abs=1e-6)  # four classes in all
    params = model.meta["params"]
    assert params["C"] in clf.DEFAULT_CS and params["temperature"] > 0


def test_gibberish_gets_low_confidence_and_needs_triage(model):
    sure = clf.classify(UNSEEN["环境保护"], model=model, threshold=0.5)
    unsure = clf.classify("嗯嗯好的谢谢", model=model, threshold=0.5)
    assert unsure.confidence < sure.confidence
    assert clf.Suggestion("x", 0.49, "v", threshold=0.5).needs_triage
    assert not clf.Suggestion("x", 0.5, "v", threshold=0.5).needs_triage
    assert sure.as_dict()["label"] == "环境保护"


def test_empty_text_is_refused(model):
    for text in ("", "  ", " 。！ "):
        with pytest.raises(ValidationFailed) as info:
            clf.classify(text, model=model)
        assert info.value.code == "ticket_text_empty"
    assert not clf.has_content("？？…")
    assert clf.has_content("路灯") and clf.has_content("12345")
    assert clf.classify_many([], model=model) == []


def test_calibrated_svc_copes_with_rare_classes_and_two_labels():
    texts = [f"{w}问题{i}" for i in range(10) for w in ("停车", "噪音")] + ["养老金怎么领"]
    labels = [("交通" if i % 2 == 0 else "环境") for i in range(20)] + ["社保"]
    model = clf.train(clf.LabelledData(texts=texts, labels=labels), n_jobs=1)
    proba = model.predict_proba(["停车问题", "噪音问题"])
    assert proba.shape == (2, 3)
    assert np.allclose(proba.sum(axis=1), 1.0)
    two = clf.train(clf.LabelledData(texts=texts[:20], labels=labels[:20]), n_jobs=1)
    assert two.predict(["噪音问题99"]) == ["环境"]
    assert two.predict_proba(["停车问题"]).shape == (1, 2)


def test_extra_examples_are_trained_on_and_never_scored():
    """``_fit_ours(extra=…)`` (pseudo-labelled messages in the remedies benchmark): every member
    learns from them, the inner CV that picks C and the thresholds scores the labelled rows only."""
    texts = [f"{w}问题{i}" for i in range(10) for w in ("停车", "噪音")]
    labels = [("交通" if i % 2 == 0 else "环境") for i in range(20)]
    extra = (["彩虹桥堵车", "彩虹桥拥堵"], ["交通", "交通"], None)
    fitted = clf._fit_ours(texts, labels, descriptions={}, vectors=None,
                           description_vectors=None, embedder_name="", n_jobs=1, extra=extra)
    model = clf.TrainedModel(pipeline=fitted.pipeline, version="t", kind=clf.KIND_OURS)
    assert model.predict(["彩虹桥"]) == ["交通"]
    assert fitted.oof_proba is not None and fitted.oof_proba.shape == (20, 2)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    described = {"交通": vectors[:1], "环境": vectors[1:2]}
    dense = clf._fit_ours(texts, labels, descriptions={}, vectors=vectors,
                          description_vectors=described, embedder_name="fake", n_jobs=1,
                          extra=(extra[0], extra[1], vectors[:2]))
    assert dense.dense is not None and dense.dense.knn is not None
    assert len(dense.dense.knn.vectors) == 22
    assert dense.oof_proba is not None and dense.oof_proba.shape == (20, 2)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_joint_member_scores_like_the_svm_on_the_joined_features(n_classes):
    """The joint member keeps one SVM's weights split between the n-gram features and the
    embedding: its scores are the SVM's decision on [features | weight × embedding]."""
    import scipy.sparse as sp
    from sklearn.svm import LinearSVC

    from onewindow.tickets.ensemble import JointMember

    rng = np.random.default_rng(3)
    features = sp.random(60, 40, density=0.2, format="csr", random_state=3, dtype=np.float32)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    y = np.arange(60) % n_classes
    weight = 0.5
    joined = sp.hstack([features, sp.csr_matrix(vectors * weight)], format="csr")
    svc = LinearSVC(C=1.0).fit(joined, y)
    member = JointMember.split(svc.coef_, svc.intercept_, features.shape[1], weight=weight)
    scores = member.scores(features, vectors)
    assert scores.shape == (60, n_classes)
    expected = svc.decision_function(joined)
    if n_classes == 2:
        expected = np.column_stack([-expected, expected])
    assert np.allclose(scores, expected, atol=1e-4)
    assert (scores.argmax(axis=1) == svc.predict(joined)).all()


def test_auto_threshold_with_a_margin_asks_more_than_the_point_estimate():
    from onewindow.tickets.ensemble import auto_threshold, wilson_lower

    assert wilson_lower(19, 20, 0.0) == pytest.approx(0.95)
    assert wilson_lower(19, 20, 1.0) < 0.95 < wilson_lower(190, 195, 1.0)
    assert wilson_lower(0, 0, 1.0) == 0.0
    # 100 suggestions: confidence 0.99 (all 60 right), 0.9 (35 of 40 right, the last 5 wrong)
    proba = np.array([[0.99, 0.01]] * 60 + [[0.9, 0.1]] * 40)
    targets = np.array([0] * 95 + [1] * 5)
    point = auto_threshold(proba, targets)
    assert point["threshold"] == 0.3 and point["auto_accuracy"] == 0.95
    strict = auto_threshold(proba, targets, margin_z=1.0)
    assert strict["threshold"] == 0.91 and strict["auto_share"] == 0.6
    assert strict["auto_accuracy"] == 1.0


def test_training_needs_two_labels():
    with raises_code(clf.ClassifierInputError, "classifier_too_few_labels"):
        clf.train(clf.LabelledData(texts=["a", "b"], labels=["x", "x"]))


def test_version_is_timestamp_and_data_hash(data, model):
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{12}", model.version)
    assert model.version.endswith(data.digest()[:12])
    assert model.meta["data_sha256"] == data.digest()
    other = clf.LabelledData(texts=data.texts[1:], labels=data.labels[1:])
    assert other.digest() != data.digest()


# --- artefacts and the per-process cache ------------------------------------------------------
def test_save_load_and_current_pointer(model, models_root):
    path = clf.model_save(model)
    assert path == models_root / model.version / "model.joblib"
    assert (models_root / "CURRENT").read_text().strip() == model.version
    meta = json.loads((path.parent / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"] == model.version and meta["kind"] == "ours" and len(meta["sha256"]) == 64
    loaded = clf.model_load()
    assert loaded.version == model.version
    assert loaded.predict(list(UNSEEN.values())) == model.predict(list(UNSEEN.values()))
    assert clf.classify(UNSEEN["教育文体"]).label == "教育文体"


def test_tampered_artefact_is_refused(model, models_root):
    path = clf.model_save(model)
    path.write_bytes(path.read_bytes() + b"x")
    with raises_code(clf.ClassifierUnavailable, "classifier_unavailable"):
        clf.model_load()


def test_no_model_means_unavailable():
    with raises_code(clf.ClassifierUnavailable, "classifier_unavailable") as info:
        clf.classify("小区停水")
    assert info.value.status == 503


def test_current_model_is_loaded_once_and_follows_the_pointer(model, models_root, monkeypatch):
    clf.model_save(model)
    loads: list[object] = []
    real_load = clf.model_load

    def counting_load(*args, **kwargs):
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(clf, "model_load", counting_load)
    first = clf.current_model()
    for _ in range(5):
        assert clf.current_model() is first
    assert len(loads) == 1
    newer = clf.TrainedModel(pipeline=model.pipeline, version=model.version + "-b", kind="ours")
    clf.model_save(newer)
    assert clf.current_model() is first  # not re-checked within RELOAD_CHECK_SECONDS
    monkeypatch.setattr(clf, "RELOAD_CHECK_SECONDS", 0.0)
    assert clf.current_model().version == newer.version
    assert len(loads) == 2


def test_save_to_a_file_path(model, tmp_path, models_root):
    path = clf.model_save(model, out=tmp_path / "elsewhere" / "m.joblib")
    assert path.is_file() and path.with_suffix(".meta.json").is_file()
    assert clf.model_load(path).version == model.version
    assert not (models_root / "CURRENT").exists()


# --- CSV parsing ------------------------------------------------------------------------------
def test_csv_with_bom_spaces_in_header_and_empty_rows(tmp_path):
    rows = [("停车难", "小区停车位太少", " 交通运输\xa0"), ("", "。", "交通运输"),
            ("噪音", "夜里施工噪音", ""), ("", "学校门口拥堵", "交通运输"), ("", "", "")]
    path = write_csv(tmp_path / "a.csv", rows, header=("\ufeff 留言主题 ", "留言详情", "一级分类 "))
    data = clf.read_labelled_csv(path, text_columns="留言主题,留言详情", label_column="一级分类")
    assert data.texts == ["停车难\n小区停车位太少", "学校门口拥堵"]
    assert data.labels == ["交通运输", "交通运输"]
    assert data.skipped == {"empty_text": 1, "empty_label": 1}
    assert data.rows_read == 4  # the fully blank line is not a row


def test_csv_gbk_tab_separated_and_short_rows(tmp_path):
    path = tmp_path / "b.tsv"
    path.write_bytes("问题\t部门\n垃圾没人清运\t环卫\n只有问题\n".encode("gb18030"))
    data = clf.read_labelled_csv(path, text_columns=["问题"], label_column="部门")
    assert data.texts == ["垃圾没人清运"] and data.labels == ["环卫"]
    assert data.skipped_empty_label == 1


def test_csv_quoted_fields_with_commas_and_newlines(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('question,department\n"停水了,\n怎么办",水务\n', encoding="utf-8")
    data = clf.read_labelled_csv(path, text_columns="question", label_column="department")
    assert data.texts == ["停水了,\n怎么办"]


def test_csv_missing_columns_and_files_give_clear_errors(tmp_path):
    path = write_csv(tmp_path / "d.csv", synthetic_rows(per_class=2))
    with raises_code(clf.ClassifierInputError, "classifier_csv_columns_missing", field="分类") as info:
        clf.read_labelled_csv(path, text_columns="标题,留言详情", label_column="分类")
    message = info.value.message
    assert "缺少列" in message and "missing" in message and "标题" in message and "分类" in message
    assert "留言主题" in message  # the available columns are listed
    assert set(info.value.fields) == {"标题", "分类"}
    with raises_code(clf.ClassifierInputError, "classifier_csv_not_found"):
        clf.read_labelled_csv(tmp_path / "nope.csv", text_columns="a", label_column="b")
    (tmp_path / "empty.csv").write_bytes(b"\xef\xbb\xbf  \n")
    with raises_code(clf.ClassifierInputError, "classifier_csv_empty"):
        clf.read_labelled_csv(tmp_path / "empty.csv", text_columns="a", label_column="b")


# --- the management command ---------------------------------------------------------------------
def run(*args: str) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("tickets_classifier", *args, stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1
    return json.loads(lines[0])


def test_command_train_evaluate_crossval(tmp_path, models_root):
    train_csv = write_csv(tmp_path / "train.csv", synthetic_rows(seed=1))
    test_rows = [("", text, label) for label, text in UNSEEN.items()] + [("", "", "交通运输")]
    test_csv = write_csv(tmp_path / "test.csv", test_rows)
    common = ["--text", "留言主题,留言详情", "--label", "一级分类"]

    trained = run("train", "--csv", str(train_csv), *common)
    assert trained["model_kind"] == "ours" and trained["n"] == 96
    assert (models_root / "CURRENT").read_text().strip() == trained["model_version"]

    result = run("evaluate", "--csv", str(test_csv), *common)
    for key in ("accuracy", "macro_f1", "n", "per_class", "predictions_per_second",
                "model_version"):
        assert key in result
    assert result["model_version"] == trained["model_version"]
    assert result["n"] == 4 and result["skipped"] == {"empty_text": 1, "empty_label": 0}
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0
    assert set(result["per_class"]) == set(UNSEEN)
    assert result["per_class"]["交通运输"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0,
                                               "support": 1}
    assert result["predictions_per_second"] > 0
    assert result["fast_stage"]["accuracy"] == 1.0 and result["confusions"] == []

    cv = run("crossval", "--csv", str(train_csv), *common, "--folds", "3")
    assert cv["folds"] == 3 and cv["stratified"] is True and cv["n"] == 96
    assert cv["accuracy"] > 0.8 and cv["model_kind"] == "ours"
    assert {"accuracy", "macro_f1"} <= set(cv["baseline"])
    assert cv["improvement"]["accuracy"] == pytest.approx(
        cv["accuracy"] - cv["baseline"]["accuracy"], abs=1e-3)
    # per-fold figures, the fast (sparse) stage alone, and templated rows grouped as near-copies
    assert [f["n"] for f in cv["fold_figures"]] and sum(f["n"] for f in cv["fold_figures"]) == 96
    assert 0 < cv["fast_stage"]["accuracy"] <= 1 and "auto_dispatch" in cv["fast_stage"]
    assert cv["near_duplicate_groups"]["rows_in_groups"] > 0
    assert isinstance(cv["confusions"], list)
    # each fold model's own thresholds (chosen on its training rows) applied to its test rows
    own = cv["auto_dispatch_own_threshold"]
    assert set(own) == {"full", "fast"} and cv["random_state"] == 0
    for figures in own.values():
        assert 0 <= figures["auto_share"] <= 1
        assert figures["auto_accuracy"] is None or 0 <= figures["auto_accuracy"] <= 1

    base = run("crossval", "--csv", str(train_csv), *common, "--folds", "3", "--baseline")
    assert base["model_kind"] == "baseline" and "baseline" not in base


def test_command_baseline_to_file_and_evaluate_with_model(tmp_path, models_root):
    train_csv = write_csv(tmp_path / "train.csv", synthetic_rows(seed=2))
    out = tmp_path / "m" / "baseline.joblib"
    common = ["--text", "留言主题,留言详情", "--label", "一级分类"]
    trained = run("train", "--csv", str(train_csv), *common, "--baseline", "--out", str(out))
    assert trained["model_kind"] == "baseline" and trained["model_version"].endswith("-baseline")
    assert not (models_root / "CURRENT").exists()
    result = run("evaluate", "--csv", str(train_csv), *common, "--model", str(out))
    assert result["model_kind"] == "baseline" and result["n"] == 96


def test_command_errors_are_command_errors(tmp_path):
    path = write_csv(tmp_path / "train.csv", synthetic_rows(per_class=3))
    with pytest.raises(CommandError, match=r"缺少列.*missing"):
        call_command("tickets_classifier", "train", "--csv", str(path), "--text", "标题",
                     "--label", "一级分类")
    with pytest.raises(CommandError, match="tickets_classifier train"):
        call_command("tickets_classifier", "evaluate", "--csv", str(path), "--text", "留言详情",
                     "--label", "一级分类")


# --- optional: the shared real data -------------------------------------------------------------
TAIDI = Path(django_settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_labelled_train.csv"


@pytest.mark.skipif(not TAIDI.is_file(), reason="shared data folder absent")
def test_real_messages_beat_the_baseline():
    data = clf.read_labelled_csv(TAIDI, text_columns="留言主题,留言详情", label_column="一级分类")
    assert len(data.labels) > 300 and len(set(data.labels)) == 7
    rnd = np.random.default_rng(0)
    order = rnd.permutation(len(data.labels))
    cut = int(len(order) * 0.75)

    def subset(idx):
        return clf.LabelledData(texts=[data.texts[i] for i in idx],
                                labels=[data.labels[i] for i in idx])

    train, test = subset(order[:cut]), subset(order[cut:])
    ours = clf.evaluate(clf.train(train), test)
    base = clf.evaluate(clf.train(train, baseline=True), test)
    assert ours["accuracy"] > 0.6
    assert ours["macro_f1"] > base["macro_f1"]


def test_near_duplicates_share_a_group_and_never_straddle_folds():
    texts = ["小区门口的垃圾三天没人清运了，请尽快处理", "小区门口的垃圾三天没人清运了，请尽快处理！！",
             "小区门口的垃圾三天没人清运了。请尽快处理", "公交站台的顶棚被风吹坏了", "学校门口早上堵车严重",
             "楼上装修噪音太大"]
    groups = clf.near_duplicate_groups(texts)
    assert groups[0] == groups[1] == groups[2]
    assert len({groups[0], groups[3], groups[4], groups[5]}) == 4
    assert list(clf.near_duplicate_groups(["只有一条"])) == [0]

    rows = synthetic_rows(seed=3)
    data = clf.LabelledData(texts=[clf.join_text(r[:2]) for r in rows], labels=[r[2] for r in rows])
    groups = clf.near_duplicate_groups(data.texts)
    splitter = clf._splitter(Counter(data.labels), 3, 0, grouped=True)
    for train, test in splitter.split(np.zeros(len(groups)), data.labels, groups):
        assert not set(groups[train]) & set(groups[test])
