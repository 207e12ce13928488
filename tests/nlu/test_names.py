"""A name given in a sentence is taken alone; a plain name is kept as written."""

from __future__ import annotations

import pytest

from sevadwar.nlu.names import address_in, name_in


@pytest.mark.parametrize(
    ("said", "name"),
    [
        ("मेरा नाम सुनीता देवी है", "सुनीता देवी"),
        ("पापा का नाम राम प्रसाद", "राम प्रसाद"),
        ("मेरे पिताजी का नाम श्री राम प्रसाद जी है", "श्री राम प्रसाद"),
        ("माँ - कमला देवी", "कमला देवी"),
        ("papa: Ram Prasad", "Ram Prasad"),
        ("Father - Ram Prasad", "Ram Prasad"),
        ("my name is Sunita Devi", "Sunita Devi"),
        ("Name: Ramesh", "Ramesh"),
        ("mera naam Ramesh Kumar h", "Ramesh Kumar"),
        ("I am Ramesh Kumar", "Ramesh Kumar"),
        ("मैं सुनीता देवी हूँ", "सुनीता देवी"),
        ("main Ramesh hoon", "Ramesh"),
        ("राम प्रसाद जी", "राम प्रसाद"),
    ],
)
def test_the_name_is_taken_out_of_the_sentence(said: str, name: str) -> None:
    assert name_in(said) == name


@pytest.mark.parametrize(
    "name",
    [
        "Sunita Devi",
        "माता प्रसाद",  # a relation word that is a name: no dash, no colon
        "Main Singh",  # "main" is "I" only in "main … hoon"
        "Mohd. Salim Khan",
        "नाम",  # nothing after the marker: left for the check to refuse or keep
        " Ramesh  Kumar ",
    ],
)
def test_a_plain_name_is_kept_as_written(name: str) -> None:
    assert name_in(name) == " ".join(name.split())  # spaces tidied, nothing else


@pytest.mark.parametrize(
    ("said", "address"),
    [
        ("मेरा पता है: मकान नंबर 45, गली 3, संगम विहार", "मकान नंबर 45, गली 3, संगम विहार"),
        ("my address is H. No. 12, Gali 3, Burari", "H. No. 12, Gali 3, Burari"),
        ("Address: 12, Sant Nagar", "12, Sant Nagar"),
        ("घर का पता मकान 45 संगम विहार", "मकान 45 संगम विहार"),
        ("H. No. 12, Pata Colony, Delhi", "H. No. 12, Pata Colony, Delhi"),  # "pata" later on
    ],
)
def test_the_address_is_taken_out_of_the_sentence(said: str, address: str) -> None:
    assert address_in(said) == address
