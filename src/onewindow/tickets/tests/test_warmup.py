"""A warmed-up worker answers the first Open311 POST without loading the classifier."""

from __future__ import annotations

import pytest

from onewindow.core.warmup import warmup
from onewindow.tickets import classifier as clf
from onewindow.tickets import services
from onewindow.tickets.tests.test_classifier import synthetic_rows

pytestmark = pytest.mark.django_db


def test_the_first_open311_post_does_not_pay_the_classifier_load(client, hotline, monkeypatch):
    monkeypatch.undo()  # the real classifier, not the hotline fixture's stand-in
    rows = synthetic_rows()
    clf.model_save(clf.train(clf.LabelledData(texts=[clf.join_text(r[:2]) for r in rows],
                                              labels=[r[2] for r in rows]), n_jobs=1))
    clf.cache_clear()
    try:
        timings = warmup()
        assert "tickets.classifier" in timings and clf._Cache.model is not None

        def no_loading(*args, **kwargs):
            raise AssertionError("the model was loaded while serving a request")

        monkeypatch.setattr(clf, "model_load", no_loading)
        _, key = services.open311_client_create(actor=hotline.supervisor.user, name="街坊311 App")
        response = client.post("/open311/v2/requests.json", {
            "api_key": key, "service_code": "0101002", "lat": "25.01", "long": "102.71",
            "description": "小区停水一整天了，还没有来水。", "phone": "13812345678"})
        assert response.status_code == 201, response.content
    finally:
        clf.cache_clear()
