"""A name or an address as people give it in a chat: "मेरा नाम सुनीता देवी है" → "सुनीता देवी".

Asked "what is the father's name?", people answer "पापा का नाम राम प्रसाद", "my name is Sunita
Devi", "माँ - कमला देवी" or "राम प्रसाद जी". What goes on a certificate is the name alone. The
words around it come from the lexicon (``names``); the name keeps its own spelling.
"""

from __future__ import annotations

from sevadwar.nlu.lexicon import lexicon
from sevadwar.nlu.normalise import folded_text

_SEPARATORS = frozenset("-–—:=")
_FRAME_WORDS = 6  # a marker further in than this is part of something else


def name_in(text: str) -> str:
    """The name in ``text``, or ``text`` itself (trimmed) when no framing is found."""
    lex = lexicon()
    words = text.split()
    folded = [folded_text(w) for w in words]
    start = _after_marker(folded, lex.name_markers, lex.name_links)
    if start is None:
        start = _after_self(folded, lex.name_self)
    if start is None and folded and folded[-1] in lex.name_first_person:
        start = _after_self(folded, lex.name_self_hindi)
    if start is None:
        start = _after_relation(words, folded, lex.name_relations)
    end = len(words)
    while end - (start or 0) > 1 and folded[end - 1] in lex.name_tail:
        end -= 1
    name = " ".join(words[start or 0 : end]).strip(" -–—:=,.।")
    return name or text.strip()


def address_in(text: str) -> str:
    """ "मेरा पता है: मकान नं. 45, संगम विहार" → "मकान नं. 45, संगम विहार" (a marker among the
    first three words: "… Pata Colony" later on is part of the address)."""
    lex = lexicon()
    words = text.split()
    folded = [folded_text(w) for w in words]
    start = _after_marker(folded, lex.address_markers, lex.address_links, 3)
    address = " ".join(words[start or 0 :]).strip(" -–—:=,")
    return address or text.strip()


def _after_marker(
    folded: list[str], markers: frozenset[str], links: frozenset[str], within: int = _FRAME_WORDS
) -> int | None:
    for i, word in enumerate(folded[:within]):
        if word in markers:
            start = i + 1
            while start < len(folded) and (folded[start] in links or not folded[start]):
                start += 1
            return start if start < len(folded) else None
    return None


def _after_self(folded: list[str], openings: frozenset[str]) -> int | None:
    for size in (2, 1):
        if len(folded) > size and " ".join(folded[:size]) in openings:
            return size
    return None


def _after_relation(words: list[str], folded: list[str], relations: frozenset[str]) -> int | None:
    """ "माँ - कमला देवी", "papa: Ram Prasad" (a relation alone, "माता प्रसाद", is a name)."""
    for i in range(min(3, len(words) - 1)):
        if not all(f in relations or not f for f in folded[: i + 1]):
            return None
        said = words[i]
        if said in _SEPARATORS or said[-1] in _SEPARATORS:
            return i + 1
    return None
