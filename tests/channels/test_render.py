"""Rendering Outbound messages as Cloud API bodies within Meta's limits (reference §4, §5.3)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sevadwar.channels.base import (
    Button,
    Buttons,
    Channel,
    Citizen,
    CtaUrl,
    DocumentMessage,
    ImageMessage,
    ListMenu,
    Outbound,
    Row,
    Section,
    TemplateMessage,
    Text,
)
from sevadwar.channels.whatsapp.render import (
    MORE_ROW_PREFIX,
    Recipient,
    mark_read,
    more_row_id,
    paginate_rows,
    parse_more_row_id,
    render,
)
from sevadwar.channels.whatsapp.textfit import clip, split_tail, split_text, units
from sevadwar.fakes.graph_validate import validate_send

PHONE = Recipient(wa_id="919876543210", user_id="IN.13491208655302741918")
BSUID_ONLY = Recipient(wa_id=None, user_id="IN.13491208655302741918")


def one(message: Outbound, recipient: Recipient = PHONE) -> dict[str, Any]:
    bodies = render(message, recipient)
    assert len(bodies) == 1, bodies
    validate_send(bodies[0])  # the fake Graph API accepts it, as Meta would
    return bodies[0]


def all_valid(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for body in bodies:
        validate_send(body)
    return bodies


def rows(count: int, prefix: str = "r") -> tuple[Row, ...]:
    return tuple(Row(id=f"{prefix}{i}", title=f"Row {i}") for i in range(count))


# --------------------------------------------------------------------------- addressing


def test_text_addressed_by_phone_number_when_known() -> None:
    assert one(Text("Namaste")) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919876543210",
        "type": "text",
        "text": {"body": "Namaste", "preview_url": False},
    }


def test_username_user_addressed_by_bsuid() -> None:
    body = one(Text("Namaste"), BSUID_ONLY)
    assert body["recipient"] == "IN.13491208655302741918"
    assert "to" not in body


def test_recipient_from_citizen() -> None:
    citizen = Citizen(key="IN.1", channel=Channel.WHATSAPP, user_id="IN.1", wa_id="91999")
    assert Recipient.from_citizen(citizen) == Recipient(wa_id="91999", user_id="IN.1")


def test_no_recipient_raises() -> None:
    with pytest.raises(ValueError, match="recipient"):
        render(Text("hi"), Recipient(None, None))


def test_reply_to_quotes_the_inbound_message_on_the_first_body_only() -> None:
    bodies = render(Text("a" * 5000), PHONE, reply_to="wamid.IN1")
    assert bodies[0]["context"] == {"message_id": "wamid.IN1"}
    assert "context" not in bodies[1]


# --------------------------------------------------------------------------- text


def test_empty_text_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        render(Text("  \n "), PHONE)


def test_long_text_splits_at_paragraphs() -> None:
    paragraphs = [f"Paragraph {i}. " + "शब्द " * 300 for i in range(6)]
    body = "\n\n".join(p.strip() for p in paragraphs)
    bodies = all_valid(render(Text(body), PHONE))
    assert len(bodies) > 1
    chunks = [b["text"]["body"] for b in bodies]
    assert all(units(c) <= 4096 for c in chunks)
    assert all(c.startswith("Paragraph") for c in chunks)  # every cut was a paragraph break
    assert "".join(body.split()) == "".join("".join(chunks).split())


def test_emoji_count_twice_against_the_limit() -> None:
    body = "🙏" * 3000  # 3000 characters but 6000 UTF-16 units
    chunks = [b["text"]["body"] for b in all_valid(render(Text(body), PHONE))]
    assert len(chunks) == 2
    assert all(units(c) <= 4096 for c in chunks)
    assert "".join(chunks) == body


def test_sentence_boundary_preferred_over_a_space() -> None:
    text = "Your application is received. " + "word " * 6
    assert split_text(text, 40) == [
        "Your application is received.",
        "word word word word word word",
    ]


def test_danda_ends_a_hindi_sentence() -> None:
    text = "आपका आवेदन मिल गया है। अब दस्तावेज़ भेजें"
    assert split_text(text, 30) == ["आपका आवेदन मिल गया है।", "अब दस्तावेज़ भेजें"]


def test_hard_cut_never_splits_a_conjunct() -> None:
    chunks = split_text("क्षत्रिय" * 10, 7)
    assert "".join(chunks) == "क्षत्रिय" * 10
    for chunk in chunks:
        assert unicodedata.category(chunk[0]) not in ("Mn", "Mc")
        assert not chunk.endswith("\u094d")


WORDS = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnop") + list("अआकखगघचछ") + ["ि", "्", "🙏", "😀"]),
    min_size=1,
    max_size=12,
)
SEPARATORS = st.sampled_from([" ", "  ", "\n", "\n\n", ". ", "। ", "! ", "\t", " \n \n "])


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(WORDS, min_size=0, max_size=80))
    parts = []
    for word in words:
        parts.append(word)
        parts.append(draw(SEPARATORS))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(text=texts(), limit=st.integers(min_value=2, max_value=120))
def test_split_text_property(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < units(chunk) <= limit for chunk in chunks)
    assert all(chunk == chunk.strip() for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.text("abcdefgh", min_size=1, max_size=10), max_size=60))
def test_split_text_never_breaks_a_word_that_fits(words: list[str]) -> None:
    text = " ".join(words)
    chunks = split_text(text, 25)
    assert [w for chunk in chunks for w in chunk.split()] == text.split()


@settings(max_examples=30, deadline=None)
@given(text=st.text(min_size=4097, max_size=9000))
def test_render_text_property_at_metas_limit(text: str) -> None:
    if not text.strip():
        return
    chunks = [b["text"]["body"] for b in render(Text(text), PHONE)]
    assert all(units(chunk) <= 4096 for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


@settings(max_examples=200, deadline=None)
@given(text=texts(), limit=st.integers(min_value=2, max_value=60))
def test_split_tail_property(text: str, limit: int) -> None:
    head, tail = split_tail(text, limit)
    assert units(tail) <= limit
    assert "".join((head + tail).split()) == "".join(text.split())
    if text.strip():
        assert tail


def test_clip_adds_an_ellipsis_at_a_word_boundary() -> None:
    assert clip("Income certificate for residents", 20) == "Income certificate…"
    assert clip("Short", 20) == "Short"
    assert clip("  spaced\n out  ", 20) == "spaced out"
    assert units(clip("निवास प्रमाण पत्र के लिए आवेदन", 20)) <= 20


# --------------------------------------------------------------------------- buttons


def test_buttons_shape() -> None:
    message = Buttons(
        body="Do you agree?",
        buttons=(Button("consent:yes", "हाँ"), Button("consent:no", "नहीं")),
        header="Consent",
        footer="Delhi Government",
    )
    body = one(message)
    assert body["type"] == "interactive"
    assert body["interactive"] == {
        "type": "button",
        "header": {"type": "text", "text": "Consent"},
        "body": {"text": "Do you agree?"},
        "footer": {"text": "Delhi Government"},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": "consent:yes", "title": "हाँ"}},
                {"type": "reply", "reply": {"id": "consent:no", "title": "नहीं"}},
            ]
        },
    }


def test_long_titles_header_and_footer_are_clipped() -> None:
    message = Buttons(
        body="Choose",
        buttons=(
            Button("a", "Income certificate application"),
            Button("b", "Income certificate application renewal"),
        ),
        header="H" * 80,
        footer="F" * 80,
    )
    interactive = one(message)["interactive"]
    titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    assert all(units(t) <= 20 for t in titles)
    assert len(set(titles)) == 2  # clipped to the same text, then made unique
    assert units(interactive["header"]["text"]) <= 60
    assert units(interactive["footer"]["text"]) <= 60


def test_long_interactive_body_goes_out_as_text_first() -> None:
    body = "Read this first. " * 100 + "\n\nNow choose:"
    bodies = all_valid(render(Buttons(body=body, buttons=(Button("ok", "OK"),)), PHONE))
    assert [b["type"] for b in bodies] == ["text", "interactive"]
    assert bodies[1]["interactive"]["body"]["text"].endswith("Now choose:")
    joined = bodies[0]["text"]["body"] + bodies[1]["interactive"]["body"]["text"]
    assert "".join(joined.split()) == "".join(body.split())


@pytest.mark.parametrize(
    ("buttons", "match"),
    [
        ((), "at least one"),
        ((Button("x" * 257, "A"),), "longer than 256"),
        ((Button("same", "A"), Button("same", "B")), "unique"),
        ((Button("", "A"),), "empty"),
        ((Button("a", "  "),), "empty"),
    ],
)
def test_button_errors(buttons: tuple[Button, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        render(Buttons(body="Choose", buttons=buttons), PHONE)


def test_empty_interactive_body_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        render(Buttons(body=" ", buttons=(Button("a", "A"),)), PHONE)


def test_more_than_three_buttons_become_a_list() -> None:
    buttons = tuple(Button(f"svc:{i}", f"Service number {i} with a long name") for i in range(5))
    bodies = render(Buttons(body="Pick one", buttons=buttons), PHONE, list_button="सेवाएँ")
    interactive = one(Buttons(body="Pick one", buttons=buttons))["interactive"]
    assert interactive["type"] == "list"
    assert bodies[0]["interactive"]["action"]["button"] == "सेवाएँ"
    (section,) = interactive["action"]["sections"]
    assert "title" not in section
    assert [r["id"] for r in section["rows"]] == [f"svc:{i}" for i in range(5)]
    assert all(units(r["title"]) <= 24 for r in section["rows"])


def test_more_than_ten_buttons_raise() -> None:
    buttons = tuple(Button(f"b{i}", f"B{i}") for i in range(11))
    with pytest.raises(ValueError, match="paginate_rows"):
        render(Buttons(body="Pick", buttons=buttons), PHONE)


# --------------------------------------------------------------------------- lists


def test_list_shape_and_clipping() -> None:
    message = ListMenu(
        body="Which service?",
        button="Choose a service please",
        sections=(
            Section(
                "Revenue Department certificates",
                (Row("svc:income", "Income Certificate", "Proof of annual family income " * 4),),
            ),
            Section("MCD", (Row("svc:birth", "Birth Certificate"),)),
        ),
        header="Services",
    )
    interactive = one(message)["interactive"]
    assert interactive["type"] == "list"
    action = interactive["action"]
    assert units(action["button"]) <= 20
    assert action["button"].endswith("…")
    first, second = action["sections"]
    assert units(first["title"]) <= 24
    assert units(first["rows"][0]["description"]) <= 72
    assert second == {"title": "MCD", "rows": [{"id": "svc:birth", "title": "Birth Certificate"}]}


def test_empty_sections_are_dropped() -> None:
    message = ListMenu(
        body="Pick", button="Open", sections=(Section("Empty", ()), Section("", rows(2)))
    )
    (section,) = one(message)["interactive"]["action"]["sections"]
    assert [r["id"] for r in section["rows"]] == ["r0", "r1"]


@pytest.mark.parametrize(
    ("sections", "match"),
    [
        ((Section("All", rows(11)),), "at most 10 rows"),
        ((Section("A", rows(6, "a")), Section("B", rows(5, "b"))), "at most 10 rows"),
        ((Section("", rows(2, "a")), Section("B", rows(2, "b"))), "section needs a title"),
        ((Section("A", (Row("x" * 201, "Long id"),)),), "longer than 200"),
        ((Section("A", (Row("dup", "One"), Row("dup", "Two"))),), "unique"),
        ((Section("A", ()),), "at least one row"),
        ((Section("A", (Row("a", " "),)),), "empty title"),
    ],
)
def test_list_errors(sections: tuple[Section, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        render(ListMenu(body="Pick", button="Open", sections=sections), PHONE)


def test_list_without_label_raises() -> None:
    with pytest.raises(ValueError, match="label"):
        render(ListMenu(body="Pick", button=" ", sections=(Section("A", rows(1)),)), PHONE)


# --------------------------------------------------------------------------- pagination


def test_up_to_ten_rows_is_one_page() -> None:
    assert paginate_rows(rows(10), 0) == (rows(10), False)
    assert paginate_rows(rows(3), 0) == (rows(3), False)


def test_long_lists_page_nine_rows_and_a_more_row() -> None:
    all_rows = rows(25)
    page0, more0 = paginate_rows(all_rows, 0, more_title="और देखें")
    assert more0
    assert page0[:9] == all_rows[:9]
    assert page0[9] == Row(id="__more__:1", title="और देखें")
    page1, more1 = paginate_rows(all_rows, 1, more_title="More")
    assert more1
    assert page1[:9] == all_rows[9:18]
    assert page1[9].id == more_row_id(2)
    page2, more2 = paginate_rows(all_rows, 2, more_title="More")
    assert (page2, more2) == (all_rows[18:], False)
    # every page renders
    for page in (page0, page1, page2):
        one(ListMenu(body="Pick", button="Open", sections=(Section("S", page),)))


def test_pagination_without_more_title_leaves_the_row_to_the_engine() -> None:
    page, more = paginate_rows(rows(11), 0)
    assert more
    assert len(page) == 9


@given(count=st.integers(min_value=0, max_value=60))
def test_pages_cover_every_row_once(count: int) -> None:
    all_rows = rows(count)
    seen: list[Row] = []
    page, more = 0, True
    while more:
        page_rows, more = paginate_rows(all_rows, page, more_title="More")
        assert len(page_rows) <= 10
        seen.extend(r for r in page_rows if not r.id.startswith(MORE_ROW_PREFIX))
        page += 1
    assert tuple(seen) == all_rows


def test_page_past_the_end_and_negative_page() -> None:
    assert paginate_rows(rows(5), 3) == ((), False)
    with pytest.raises(ValueError, match="page"):
        paginate_rows(rows(5), -1)


def test_more_row_ids_round_trip() -> None:
    assert parse_more_row_id(more_row_id(4)) == 4
    assert parse_more_row_id("svc:income") is None
    assert parse_more_row_id("__more__:x") is None
    assert parse_more_row_id(None) is None


# --------------------------------------------------------------------------- other kinds


def test_cta_url() -> None:
    message = CtaUrl(
        body="Pay the fee of ₹10",
        label="Pay now with UPI or card",
        url="https://sevadwar.example/pay/abc",
        footer="Secure payment",
    )
    interactive = one(message)["interactive"]
    assert interactive["type"] == "cta_url"
    parameters = interactive["action"]["parameters"]
    assert parameters["url"] == "https://sevadwar.example/pay/abc"
    assert units(parameters["display_text"]) <= 20
    assert interactive["action"]["name"] == "cta_url"


def test_cta_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        render(CtaUrl(body="x", label="Open", url="javascript:alert(1)"), PHONE)


def test_document_by_media_id_and_by_link() -> None:
    by_id = one(DocumentMessage(filename="certificate.pdf", media_id="4490709327384033"))
    assert by_id["type"] == "document"
    assert by_id["document"] == {"id": "4490709327384033", "filename": "certificate.pdf"}
    by_link = one(
        DocumentMessage(
            filename="certificate.pdf", link="https://sevadwar.example/c/1.pdf", caption="Yours"
        )
    )
    assert by_link["document"] == {
        "link": "https://sevadwar.example/c/1.pdf",
        "caption": "Yours",
        "filename": "certificate.pdf",
    }


def test_image_by_link() -> None:
    body = one(ImageMessage(link="https://sevadwar.example/qr.png", caption="QR"))
    assert body["image"] == {"link": "https://sevadwar.example/qr.png", "caption": "QR"}


@pytest.mark.parametrize(
    "message",
    [
        DocumentMessage(filename="a.pdf"),
        DocumentMessage(filename="a.pdf", link="https://x.example/a", media_id="1"),
        ImageMessage(),
        ImageMessage(link="ftp://x.example/a.png"),
    ],
)
def test_media_needs_exactly_one_http_source(message: Outbound) -> None:
    with pytest.raises(ValueError, match=r"exactly one|http"):
        render(message, PHONE)


def test_long_caption_goes_out_as_text_first() -> None:
    caption = "Details. " * 200
    bodies = all_valid(render(ImageMessage(media_id="1", caption=caption), PHONE))
    assert [b["type"] for b in bodies] == ["text", "image"]
    assert "caption" not in bodies[1]["image"]


def test_template_with_body_parameters() -> None:
    body = one(
        TemplateMessage(
            name="certificate_ready",
            language="hi",
            body_params=("Priya", "DL-REV-2026-000123\nline two", "a     b"),
        )
    )
    assert body["template"] == {
        "name": "certificate_ready",
        "language": {"code": "hi"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Priya"},
                    {"type": "text", "text": "DL-REV-2026-000123 line two"},
                    {"type": "text", "text": "a   b"},
                ],
            }
        ],
    }


def test_template_without_parameters_has_no_components() -> None:
    body = one(TemplateMessage(name="hello", language="en"))
    assert body["template"] == {"name": "hello", "language": {"code": "en"}}


def test_template_with_empty_parameter_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        render(TemplateMessage(name="t", language="en", body_params=("\n",)), PHONE)


def test_mark_read_and_typing() -> None:
    assert mark_read("wamid.IN1") == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.IN1",
    }
    assert mark_read("wamid.IN1", typing=True)["typing_indicator"] == {"type": "text"}
    with pytest.raises(ValueError, match="message_id"):
        mark_read("")
