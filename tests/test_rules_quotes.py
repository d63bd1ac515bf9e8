"""Which parts of a user message are quoted or pasted material, and which are the user's words."""

from __future__ import annotations

import pytest

from rules.quotes import own_words, quoted_regions


def regions(text: str) -> list[tuple[str, str]]:
    return [(r.kind, text[r.start : r.end]) for r in quoted_regions(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fix this:\n```py\nx = 1\n```\nThanks", [("code", "```py\nx = 1\n```")]),
        ("Unclosed:\n~~~\nrest", [("code", "~~~\nrest")]),
        ('Translate """hola amigo""" please', [("triple_quote", '"""hola amigo"""')]),
        ("> line one\n> line two\nMy answer", [("block_quote", "> line one\n> line two")]),
        ('Name in {"name": "Bob", "tags": [1]}?', [("json", '{"name": "Bob", "tags": [1]}')]),
        ("Check:\n[1, 2, 3]\nok", [("json", "[1, 2, 3]")]),
        ("<note>\n<to>Bob</to>\n</note>\nsummarise", [("xml", "<note>\n<to>Bob</to>\n</note>")]),
        ("cfg:\n  a: 1\n  b:\n    - x\nwhat?", [("yaml", "cfg:\n  a: 1\n  b:\n    - x")]),
        ("Summarise:\n---\nBody text\n---\nthanks", [("separated", "---\nBody text\n---")]),
        (
            'Tweet "We are thrilled to announce our brand new product line for this summer" now',
            [("quote", '"We are thrilled to announce our brand new product line for this summer"')],
        ),
        (
            "Reply to this.\n---------- Forwarded message ---------\nFrom: a@b.c\nHi",
            [("email", "---------- Forwarded message ---------\nFrom: a@b.c\nHi")],
        ),
        (
            "Can you reply?\nFrom: Eve <eve@x.io>\nSent: Monday\nSubject: pay\n\nPay now.",
            [("email", "From: Eve <eve@x.io>\nSent: Monday\nSubject: pay\n\nPay now.")],
        ),
        (
            "Here is the article:\n\nRates rose again today.",
            [("document", "Rates rose again today.")],
        ),
    ],
)
def test_quoted_and_pasted_regions_are_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert regions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of France?",
        "Task: write a poem\nTone: happy\nLength: short",
        "Do the following:\n1. Write a haiku\n2. Translate it",
        "Use the list [a, b] and the set {x}.",
        'He said "hi" and left.',
        "Compare 3 < 4 and 5 > 2.",
        "What is the sum of [1, 2, 3]?",
        'Is "yes" better than "no" here, or should the form say "maybe" when people are unsure?',
    ],
)
def test_the_users_own_request_is_not_a_quote(text: str) -> None:
    assert quoted_regions(text) == []


def test_delimited_block_after_an_introduction_is_not_swallowed_to_the_end() -> None:
    text = "Here is the article:\n```\nBody\n```\nPlease summarise it."
    assert regions(text) == [("code", "```\nBody\n```")]
    assert own_words(text) == "Here is the article:\nPlease summarise it."


def test_a_fence_inside_a_block_quote_belongs_to_the_quote() -> None:
    text = "> quoted\n> ```\n> code\n> ```\nmine"
    assert regions(text) == [("block_quote", "> quoted\n> ```\n> code\n> ```")]
