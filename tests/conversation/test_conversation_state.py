"""The stored conversation state: JSON round trip, versions, safe resumption of the unknown."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sevadwar.conversation.state import DRAFT_STEPS, VERSION, State, Step


def _round_trip(state: State) -> State:
    return State.load(json.loads(json.dumps(state.dump())))


FULL = State(
    step=Step.QUESTION,
    language="hi",
    consented=True,
    service="income",
    answers={
        "applicant_name": "रमेश कुमार",
        "family_members": 4,
        "aadhaar": {"enc": "v1:x", "masked": "XXXX"},
    },
    documents={"photo": {"media_id": "m1", "mime": "image/jpeg"}},
    current="gender",
    editing=True,
    department="revenue",
    page=1,
    candidates=("caste-obc", "caste-sc-st"),
    pending={"intent": "apply", "service": "income", "topic": None},
    updated_at="2026-11-20T06:30:00+00:00",
    notice=None,
)


@pytest.mark.parametrize(
    "state", [State(), FULL, FULL.replace(step=Step.REVIEW, current=None, editing=False)]
)
def test_dump_and_load_give_back_the_same_state(state: State) -> None:
    assert _round_trip(state) == state


def test_dump_is_plain_json_with_the_version() -> None:
    data = FULL.dump()
    assert data["v"] == VERSION
    assert data["step"] == "question"
    assert data["candidates"] == ["caste-obc", "caste-sc-st"]
    json.dumps(data)  # no enums, tuples or dates left that JSON cannot hold


@pytest.mark.parametrize("stored", [None, {}])
def test_nothing_stored_is_a_new_citizen(stored: dict[str, Any] | None) -> None:
    assert State.load(stored) == State()
    assert State.load(stored).step is Step.NEW


def _stored(**changes: Any) -> dict[str, Any]:
    return {**FULL.dump(), **changes}


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(_stored(v=VERSION + 1), id="newer version"),
        pytest.param(_stored(v=0), id="older version"),
        pytest.param({k: v for k, v in FULL.dump().items() if k != "v"}, id="no version"),
        pytest.param(_stored(step="payment_v2"), id="unknown step"),
        pytest.param(_stored(page="second"), id="bad page"),
        pytest.param(_stored(candidates=7), id="bad candidates"),
        pytest.param(_stored(answers="abc"), id="answers not a mapping"),
        pytest.param(_stored(answers=[1, 2]), id="answers a list"),
    ],
)
def test_what_cannot_be_used_resumes_at_the_menu_with_a_note(stored: dict[str, Any]) -> None:
    state = State.load(stored)
    assert state.step is Step.MENU
    assert state.notice == "upgraded"
    # who the citizen is stays: language and consent; the draft does not
    assert (state.language, state.consented) == ("hi", True)
    assert (state.service, state.answers, state.documents, state.current) == (None, {}, {}, None)
    assert state.updated_at == FULL.updated_at


def test_unknown_state_before_a_language_was_chosen_starts_again() -> None:
    state = State.load({"v": VERSION + 1, "step": "consent_v3"})
    assert state == State()


def test_clear_draft_keeps_the_citizen_and_drops_the_application() -> None:
    cleared = FULL.clear_draft()
    assert (cleared.language, cleared.consented, cleared.step) == ("hi", True, Step.QUESTION)
    assert (cleared.service, cleared.answers, cleared.documents, cleared.current) == (
        None,
        {},
        {},
        None,
    )
    assert (cleared.editing, cleared.page, cleared.candidates) == (False, 0, ())


def test_last_seen_is_timezone_aware() -> None:
    assert State().last_seen is None
    assert FULL.last_seen == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    naive = FULL.replace(updated_at="2026-11-20T06:30:00")
    assert naive.last_seen == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def test_draft_steps() -> None:
    assert {Step.QUESTION, Step.DOCUMENT, Step.REVIEW, Step.EDIT} == DRAFT_STEPS


def test_state_is_immutable() -> None:
    with pytest.raises(AttributeError):
        FULL.step = Step.MENU  # type: ignore[misc]
