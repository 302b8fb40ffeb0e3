"""The transition services by action, for the pages and the API that dispatch on an action name."""

from __future__ import annotations

from collections.abc import Callable

from ..constants import Action
from ..models import Case
from .intake import case_submit
from .review import (
    case_accept,
    case_close,
    case_deliver,
    case_not_accept,
    case_prereview,
    case_request_supplement,
    case_resubmit,
    case_special_end,
    case_special_start,
    case_step_complete,
    case_withdraw,
)

TRANSITION_SERVICES: dict[str, Callable[..., Case]] = {
    Action.SUBMIT: case_submit, Action.PREREVIEW: case_prereview, Action.ACCEPT: case_accept,
    Action.NOT_ACCEPT: case_not_accept, Action.REQUEST_SUPPLEMENT: case_request_supplement,
    Action.RESUBMIT: case_resubmit, Action.COMPLETE_STEP: case_step_complete,
    Action.START_SPECIAL: case_special_start, Action.END_SPECIAL: case_special_end,
    Action.DELIVER: case_deliver, Action.CLOSE: case_close, Action.WITHDRAW: case_withdraw,
}
