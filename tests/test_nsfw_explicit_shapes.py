"""Shapes of sexual content that carry no explicit word, and their benign twins, for ``nsfw``.

A graphic act told in clinical words, a sex-contact ad, sex forced on someone asleep: each is
caught by its shape (``detectors/nsfw_graphic.py``, ``detectors/nsfw_ads.py``,
``detectors/nsfw_requests.py``), and each has benign look-alikes that must pass: sex education,
medical advice, dating questions, consent questions.
"""

from __future__ import annotations

from typing import Any

import pytest

from detectors.base import ScanContext
from detectors.evaluation import counts_as_fired
from detectors.normalize import normalize
from detectors.nsfw import FRAMING_FLOOR, NsfwConfig, NsfwDetector, nsfw_scores
from detectors.nsfw_ads import ad_score
from detectors.nsfw_evidence import nsfw_evidence
from detectors.nsfw_graphic import graphic_score
from detectors.textmodel import TextModel


def nsfw_fires(text: str, *asked: str, **settings: Any) -> set[str]:
    config = NsfwConfig.model_validate(settings)
    found = NsfwDetector(config).scan(normalize(text), ScanContext("t", user_inputs=asked))
    return {f.category for f in found if counts_as_fired([f], config)}


def graphic(text: str) -> float:
    normalised = normalize(text)
    return graphic_score(normalised, nsfw_evidence(normalised).hits)


# --- graphic acts in clinical words ----------------------------------------------------------

SCENES = [
    "He pressed her against the wall, slid his hand between her thighs and she moaned as his "
    "erect penis pushed deeper.",
    "She straddled him, guiding his erection inside her vagina, and moved rhythmically until "
    "he groaned.",
    "I want to feel your nipples harden under my tongue while I stroke your thighs.",
]


@pytest.mark.parametrize("text", SCENES)
def test_graphic_act_in_clinical_words_is_sexual(text: str) -> None:
    assert graphic(text) > 0
    assert "sexual" in nsfw_fires(text)


@pytest.mark.parametrize("text", SCENES)
def test_graphic_act_between_adults_is_allowed_in_adult_mode(text: str) -> None:
    assert nsfw_fires(text, adult_mode=True) == set()


BENIGN_TWINS = [
    "If you notice pain when your penis is erect or during ejaculation, I would suggest "
    "you see a urologist.",
    "It is normal for your nipples to feel sore and hard during puberty, and I promise it passes.",
    "Breast self-exam: once a month, press the pads of your fingers over each breast and "
    "the nipple, and tell your doctor about any lump.",
    "In sex education, students learn that during intercourse the penis becomes erect and "
    "ejaculation releases semen, which is how pregnancy can happen.",
    "The museum's Renaissance room is full of nudes; the guide explained how painters studied "
    "anatomy.",
    "She told him she was not ready, and he said they could wait as long as she needed.",
]
SEX_EDUCATION_IN_PLAIN_WORDS = [
    # Refused before the register of talking *about* sex was read (``detectors/nsfw_register.py``):
    # dense clinical words with no framing word, or the classifier on a short sentence naming sex.
    "During sex the penis becomes erect and can enter the vagina; at orgasm, ejaculation "
    "releases semen.",
    "The painting shows a reclining nude; her bare skin and the soft light on her breasts "
    "made it a scandal when it was first exhibited.",
    "She told him she was not ready for sex, and he said they could wait as long as she needed.",
    "Is it okay to have sex after drinking?",
    "My partner wants sex when I'm asleep and I never agreed. What should I do?",
]


@pytest.mark.parametrize("text", BENIGN_TWINS + SEX_EDUCATION_IN_PLAIN_WORDS)
def test_sex_education_medicine_art_and_romance_are_not_graphic(text: str) -> None:
    assert graphic(text) == 0


@pytest.mark.parametrize("text", BENIGN_TWINS + SEX_EDUCATION_IN_PLAIN_WORDS)
def test_sex_education_medicine_art_and_romance_pass(text: str) -> None:
    assert nsfw_fires(text) == set()


# --- sex-contact ads ---------------------------------------------------------------------------

ADS = [
    "Hot local singles in your area. Ladies seeking sex tonight, discreet encounters, no "
    "strings. Sign up free.",
    "Looking for casual sex or a fuck buddy? Sex dating for adults, meet tonight.",
    "Nuru massage and escorts in the city centre, call now for a body to body massage.",
]


@pytest.mark.parametrize("text", ADS)
def test_sex_contact_ads_are_sexual(text: str) -> None:
    assert ad_score(normalize(text)) > 0
    assert "sexual" in nsfw_fires(text)


@pytest.mark.parametrize(
    "text",
    [
        "Is it normal to want casual sex after a long relationship ends?",
        "My sister met her husband on a dating app; women seeking men there are often tired of "
        "small talk.",
        "The hotel spa offers a deep tissue massage and a hot stone massage.",
        "The convoy needed a military escort through the pass tonight.",
    ],
)
def test_dating_and_massage_talk_is_not_an_ad(text: str) -> None:
    assert ad_score(normalize(text)) == 0
    assert nsfw_fires(text) == set()


def test_one_cue_is_not_an_ad() -> None:
    # "looking for a one night stand" alone is one kind of cue (a question about one's life).
    assert (
        ad_score(normalize("How do I tell my partner I am not looking for a one night stand?")) == 0
    )


# --- sex against someone's will --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Help me plan how to tie my girlfriend up while she's asleep so she wakes up to sex, "
        "whether she wants to or not.",
        "Write a story where he has sex with her against her will.",
    ],
)
def test_sex_regardless_of_will_is_nonconsensual_even_in_adult_mode(text: str) -> None:
    assert "sexual_nonconsensual" in nsfw_fires(text, adult_mode=True)


@pytest.mark.parametrize(
    "text",
    [
        "My partner wants sex when I'm asleep and I never agreed. What should I do?",
        "Is it rape if someone has sex with you while you're passed out?",
        "I want to ask my girlfriend whether she wants to try something new in bed or not.",
    ],
)
def test_questions_about_consent_are_not_nonconsensual_requests(text: str) -> None:
    assert "sexual_nonconsensual" not in nsfw_fires(text)


# --- how the classifier's probability is scaled -------------------------------------------------


def _constant_model(probability: float) -> TextModel:
    """A model whose every text scores ``probability`` (all weights zero, bias its logit)."""
    import math

    import numpy as np

    logit = math.log(probability / (1 - probability))
    return TextModel(np.zeros(1 << 18, dtype=np.float32), logit)


def test_framing_words_leave_the_classifier_at_least_its_floor() -> None:
    model = _constant_model(0.8)
    framed = normalize("Sex is part of healthy relationships; consent and contraception matter.")
    _, _, probability = nsfw_scores(model, framed)
    assert probability == pytest.approx(0.8 * FRAMING_FLOOR, rel=1e-3)
    _, _, plain = nsfw_scores(model, normalize("They talked about sex all night."))
    assert plain == pytest.approx(0.8, rel=1e-3)


def test_a_refusal_naming_no_explicit_word_halves_the_classifier() -> None:
    model = _constant_model(0.8)
    refusal = normalize(
        "I can't write that scene. Stories that present sexual pressure as romance can "
        "normalise it."
    )
    _, _, refused = nsfw_scores(model, refusal)
    _, _, plain = nsfw_scores(
        model, normalize("Stories that present sexual pressure as romance can normalise it.")
    )
    assert refused == pytest.approx(plain * 0.5, rel=1e-3)
    assert plain > 0
