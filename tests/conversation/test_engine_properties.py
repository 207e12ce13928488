"""Property tests: whatever a citizen sends, in any order, the engine answers within WhatsApp's
limits, leaves a state that stores and loads back, and keeps no personal data before consent."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import (
    AADHAAR,
    SAMPLE,
    Chat,
    check_whatsapp_limits,
    reference,
    reply_ids,
    sample_catalogue,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sevadwar.channels.base import (
    Location,
    Media,
    MessageKind,
)
from sevadwar.conversation.effects import (
    EraseData,
    OpenTicket,
    RecordConsent,
    Reply,
    SubmitApplication,
)
from sevadwar.conversation.prompts import default_prompts
from sevadwar.conversation.state import DRAFT_STEPS, State, Step

# ---------------------------------------------------------------------------- valid states


def check_state(state: State) -> None:
    stored = json.loads(json.dumps(state.dump()))  # what the database keeps
    assert State.load(stored) == state
    assert state.notice is None  # a note is said once, then dropped
    cat = sample_catalogue()
    if state.step is Step.NEW:
        assert state == State(step=Step.NEW, updated_at=state.updated_at)
        return
    assert state.language in default_prompts().languages
    if state.step in DRAFT_STEPS:
        assert state.service in cat, state
        service = cat[state.service or ""]
        if state.step is Step.QUESTION:
            assert state.current in {f.id for f in service.fields}, state
        if state.step is Step.DOCUMENT:
            assert state.current in {d.id for d in service.documents}, state
    if state.step is Step.CLARIFY:
        assert state.candidates
        assert all(c in cat for c in state.candidates)
    if state.step is Step.SERVICES:
        assert state.department in {d.department.id for d in cat.departments()}
    if state.step is Step.CONSENT:
        assert not state.consented
    if state.answers or state.documents:
        assert state.consented, state


@dataclass
class Privacy:
    """What the citizen has agreed to so far in this run."""

    consented: bool

    def check(self, chat: Chat) -> None:
        for effect in chat.effects:
            if isinstance(effect, RecordConsent):
                self.consented = True
            if isinstance(effect, EraseData):
                self.consented = False
            if not self.consented:
                assert not isinstance(effect, SubmitApplication), effect
                assert not (
                    isinstance(effect, OpenTicket) and (effect.kind == "grievance" or effect.text)
                ), effect
        if not self.consented:
            state = chat.state
            assert not state.consented
            assert (state.answers, state.documents) == ({}, {}), state
            assert not (state.pending or {}).get("text"), state.pending


# ------------------------------------------------------------------------------- messages

WORDS = [
    # commands, both languages
    *["menu", "मेनू", "help", "मदद", "back", "पीछे", "cancel", "रद्द", "language", "भाषा"],
    *["status", "स्थिति", "officer", "अधिकारी", "skip", "छोड़ें", "hindi", "english", "I agree"],
    # answers
    *["haan", "हाँ", "nahi", "नहीं", "y", "n", "1", "2", "3", "9", "10", "१", "०"],
    *["Ramesh Kumar", "रमेश कुमार", "12/03/1990", "१२ मार्च २०२४", "12-3-24", "110092", "400001"],
    *[AADHAAR, "2341 2341 2347", "9876543210", "ramesh@example.com", "1.2 lakh"],
    "House 12, Gali 3, Laxmi Nagar",
    # requests
    *["hi", "namaste", "income certificate chahiye", "caste certificate", "pension"],
    *["birth certificate", "income certificate ki fees kitni hai", "documents for ration card"],
    *["delete my data", "shikayat karni hai"],
    "I want to complain about the SDM office, nobody answers my calls for weeks",
    reference("7KQMX4R"),
    reference("7KQMX4R").lower().replace("-", ""),
]

# Ids a stale or forged tap may carry: the engine must not trust them.
FORGED_IDS = [
    *["deptpage:abc", "svcpage:-3", "svcpage:99", "editpage:x", "dept:nowhere", "svc:nothing"],
    *["apply:nothing", "edit:nothing", "opt:nothing", "lang:fr", "consent:maybe", "review:explode"],
    *["erase:yes", "menu:", ":", "", "skip", "yes", "no", f"apply:{SAMPLE}", "apply:income"],
    *["svc:income", "dept:revenue", "menu:grievance", "svcpage:²", "deptpage:१", "editpage:99999"],
]

DEVANAGARI = st.characters(min_codepoint=0x0900, max_codepoint=0x097F)
EMOJI = st.sampled_from("🙏👍😀❌✅📎🇮🇳\u200d")
free_text = st.text(
    alphabet=st.one_of(DEVANAGARI, EMOJI, st.characters(codec="utf-8")),
    max_size=80,
)
long_text = st.builds(
    lambda part, n: (part + " ") * n,
    st.sampled_from(["क्या", "abc", "DL-7", "1", "🙏"]),
    st.integers(200, 1500),
)

Action = tuple[Any, ...]
actions: st.SearchStrategy[Action] = st.one_of(
    st.tuples(st.just("tap"), st.integers(0, 20)),
    st.tuples(st.just("tap"), st.integers(0, 20)),
    st.tuples(st.just("text"), st.sampled_from(WORDS)),
    st.tuples(st.just("text"), st.sampled_from(WORDS)),
    st.tuples(st.just("text"), free_text),
    st.tuples(st.just("text"), long_text),
    st.tuples(st.just("forged"), st.sampled_from(FORGED_IDS)),
    st.tuples(
        st.just("media"),
        st.sampled_from(
            [
                MessageKind.IMAGE,
                MessageKind.DOCUMENT,
                MessageKind.AUDIO,
                MessageKind.VIDEO,
                MessageKind.STICKER,
            ]
        ),
        st.sampled_from(
            [
                "image/jpeg",
                "application/pdf",
                "image/png",
                "audio/ogg",
                "video/mp4",
                "",
                "text/html",
            ]
        ),
        st.sampled_from(["", "my document"]),
    ),
    st.tuples(st.just("location")),
    st.tuples(
        st.just("other"),
        st.sampled_from([MessageKind.REACTION, MessageKind.CONTACTS, MessageKind.UNSUPPORTED]),
    ),
    st.tuples(st.just("wait"), st.integers(0, 24 * 45)),
)


def act(chat: Chat, action: Action) -> None:
    kind = action[0]
    if kind == "tap":
        ids = [rid for message in chat.replies for rid in reply_ids(message)]
        if ids:
            chat.send("tapped", reply_id=ids[action[1] % len(ids)])
        else:
            chat.send(str(action[1]))
    elif kind == "text":
        chat.send(action[1])
    elif kind == "forged":
        chat.send("tapped", reply_id=action[1] or None, kind=MessageKind.LIST_REPLY)
    elif kind == "media":
        media = Media(media_id="media-1", mime_type=action[2])
        chat.send(action[3], kind=action[1], media=media)
    elif kind == "location":
        chat.send("", kind=MessageKind.LOCATION, location=Location(28.61, 77.2, "Connaught Place"))
    elif kind == "other":
        chat.send(
            "👍" if action[1] is MessageKind.REACTION else "", kind=action[1], reaction_to="wamid.1"
        )
    else:
        chat.later(hours=action[1])


# ------------------------------------------------------------------------- starting points


def _fresh() -> Chat:
    return Chat(catalogue=sample_catalogue())


def _declined() -> Chat:
    return _fresh().onboard("hi", consent=False)


def _menu() -> Chat:
    return _fresh().onboard("en")


def _form() -> Chat:
    return _fresh().onboard("hi").apply(SAMPLE).answer_until("members")


def _documents() -> Chat:
    return _fresh().onboard("en").apply(SAMPLE).answer_until(None)


def _review() -> Chat:
    return Chat().to_review("hi")


STARTS: dict[str, Callable[[], Chat]] = {
    "fresh": _fresh,
    "declined": _declined,
    "menu": _menu,
    "form": _form,
    "documents": _documents,
    "review": _review,
}
_snapshots: dict[str, Chat] = {}


def start(name: str) -> Chat:
    """A copy of a chat at a starting point (built once: replaying onboarding is slow)."""
    if name not in _snapshots:
        _snapshots[name] = STARTS[name]()
    snap = _snapshots[name]
    return Chat(
        now=snap.now, state=snap.state, replies=list(snap.replies), catalogue=snap.catalogue
    )


# ---------------------------------------------------------------------------------- the tests


def run_sequence(start_name: str, sequence: list[Action]) -> None:
    chat = start(start_name)
    privacy = Privacy(consented=chat.state.consented)
    for action in sequence:
        act(chat, action)
        check_state(chat.state)
        privacy.check(chat)
        for effect in chat.effects:
            if isinstance(effect, Reply):
                check_whatsapp_limits(effect.message)
        if action[0] in ("tap", "forged", "media", "location") or (
            action[0] == "text" and action[1].strip()
        ):
            assert chat.effects, (action, chat.state)  # never silent


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(STARTS)), st.lists(actions, min_size=3, max_size=25))
def test_any_messages_keep_the_engine_sound(start_name: str, sequence: list[Action]) -> None:
    run_sequence(start_name, sequence)


# From a first "namaste", taps on what is shown and words from the list: the way through the
# onboarding into the forms, where personal data would be asked.
onboarding_actions = st.one_of(
    st.tuples(st.just("tap"), st.integers(0, 20)),
    st.tuples(st.just("tap"), st.integers(0, 20)),
    st.tuples(st.just("text"), st.sampled_from(WORDS)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(onboarding_actions, min_size=5, max_size=30))
def test_no_personal_data_before_consent_from_a_first_hello(sequence: list[Action]) -> None:
    run_sequence("fresh", [("text", "namaste"), *sequence])


def test_every_citizen_message_gets_an_answer_except_reactions() -> None:
    chat = start("menu")
    chat.send("👍", kind=MessageKind.REACTION, reaction_to="wamid.1")
    assert chat.effects == []
    for kind in (
        MessageKind.CONTACTS,
        MessageKind.UNSUPPORTED,
        MessageKind.VIDEO,
        MessageKind.STICKER,
    ):
        chat.send("", kind=kind)
        assert chat.replies, kind
