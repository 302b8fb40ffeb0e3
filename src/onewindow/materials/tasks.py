"""Periodic job: draw cases with commitments (告知承诺) for post-check (事后核查)."""

from onewindow.core.timer import periodic

from .services import postcheck_draw


@periodic("materials.postcheck_draw", every=3600)
def postcheck_draw_job() -> None:
    postcheck_draw()
