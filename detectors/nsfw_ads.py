"""Sex-contact advertising: personal ads, escort and "massage" spam, hook-up solicitation.

Sex-contact ads and the spam pages built from them are sexual content in the moderation sense
(solicitation of sex), but they are often written without a single explicit word: "ladies
seeking sex tonight", "looking for casual sex or a discreet affair", "erotic massage",
"sex dating". Each pattern below is one *kind* of solicitation cue; a text showing ``ADS_MIN``
different kinds scores ``AD_SCORE`` under ``sexual`` (``adult_mode`` allows it). A single cue
("is it normal to want casual sex?") is a question about one's own life, not an ad, and scores
nothing here.
"""

from __future__ import annotations

import re

AD_SCORE = 0.8
"""``sexual`` score of a text with ``ADS_MIN`` kinds of solicitation cue."""
ADS_MIN = 2
"""Different kinds of cue that make an ad."""

_I = re.IGNORECASE
_CUES = (
    # someone looking for sex
    re.compile(
        r"\b(?:looking for|seeking|searching for|wants?|wanting)\s+(?:a\s+|some\s+)?"
        r"(?:casual sex|sex|one night stands?|sex partners?|fuck buddy|hook\s?ups?|nsa\b|fwb\b|"
        r"friends? with benefits|discreet (?:fun|encounters?|relationships?|affairs?)|"
        r"no strings)",
        _I,
    ),
    # who is seeking whom, in the ads' own shorthand
    re.compile(
        r"\b(?:ladies|women|woman|girls?|men|man|guys?|couples?|singles|wives|wife|milfs?|"
        r"moms?|housewives)\s+(?:seeking|looking for|wants?)\s+(?:sex|fun|cock|dick|hook\s?ups?|"
        r"casual|men|man|women|woman|couples?|bbc|threesome)\b",
        _I,
    ),
    # now and nearby
    re.compile(
        r"\b(?:sex|hook\s?ups?|fuck|horny \w+|meet) (?:tonight|today|now|near you|nearby)\b"
        r"|\b(?:local|nearby) (?:singles|sluts|milfs|girls|women|hookups?|sex)\b",
        _I,
    ),
    # the trade's own words
    re.compile(
        r"\b(?:sex (?:dating|contacts?|ads?|personals|meetings?|chat(?: rooms?)?|cams?)|"
        r"adult (?:dating|personals|chat)|casual encounters?|discreet (?:encounters?|affairs?|"
        r"relationships?)|swingers?|escorts?|call girls?)\b",
        _I,
    ),
    # massage parlours that advertise sex
    re.compile(
        r"\b(?:erotic|sensual|nuru|tantric|happy ending|body to body|b2b)\s+massages?\b", _I
    ),
)


def ad_score(text: str) -> float:
    """``AD_SCORE`` when ``text`` (normalised) shows ``ADS_MIN`` kinds of sex-ad cue, else 0."""
    kinds = 0
    for cue in _CUES:
        if cue.search(text):
            kinds += 1
            if kinds >= ADS_MIN:
                return AD_SCORE
    return 0.0
