"""Templated benign texts *about* sex: hard negatives for the ``nsfw`` classifier.

The labelled material the classifier learns from (``detectors/trainsets.py``) has plenty of
explicit text and requests for it, but almost no benign text that names sex: sex education,
sexual health, relationships, sexual orientation, parents' and survivors' questions, the
history of art and of laws. The lexical rules of ``detectors/nsfw.py`` let those pass through
framing words; a classifier that never saw them learns "a sexual word" as the positive class
and, consulted on such a text, fires.

This module writes such texts from short templates (no source text is copied), in the
registers an assistant meets: a user's question, an advice answer, a sentence of discussion.
The output is deterministic (every combination, in order), so training stays reproducible.
Nothing here is explicit: templates with benign scaffolding, as the issue asks.
"""

from __future__ import annotations

from itertools import product

TOPICS = (
    "safe sex",
    "consent",
    "contraception",
    "birth control pills",
    "condoms",
    "STI testing",
    "the HPV vaccine",
    "puberty",
    "periods",
    "erectile dysfunction",
    "a low sex drive",
    "painful sex",
    "sexual orientation",
    "coming out as gay",
    "being bisexual",
    "gender identity",
    "masturbation",
    "sex after menopause",
    "vaginal dryness",
    "premature ejaculation",
    "sex after having a baby",
    "sex during pregnancy",
    "healthy relationships",
    "the age of consent",
    "sexual harassment at work",
    "reporting a sexual assault",
    "online grooming",
    "sexting and teenagers",
    "pornography and teenagers",
    "losing your virginity",
    "asexuality",
    "a testicular self-exam",
    "a breast self-exam",
    "emergency contraception",
    "HIV prevention",
    "sexual dysfunction",
)
"""Subjects of sex education, sexual health and safety."""

_QUESTIONS = (
    "What should I know about {t}?",
    "Can you explain {t} in simple terms?",
    "How do I talk to my teenager about {t}?",
    "Is it normal to worry about {t}?",
    "Where can I find reliable information about {t}?",
    "My partner and I disagree about {t}. How do we talk about it?",
    "What does the research say about {t}?",
    "I'm a school nurse preparing a lesson on {t}. What should it cover?",
)
_ANSWERS = (
    "Questions about {t} are common, and a doctor or a sexual health clinic can give advice "
    "that fits your situation.",
    "When it comes to {t}, honest communication with your partner and respect for each "
    "other's boundaries matter most.",
    "Many people feel unsure about {t}. It can help to read trusted health sources and to "
    "talk with someone you trust.",
    "Schools usually cover {t} in sex education classes, with age-appropriate material.",
    "If {t} is causing you stress, a counsellor or a therapist can help you work through it.",
)
_DISCUSSION = (
    "Surveys suggest that attitudes to {s} have changed a great deal over the last fifty years.",
    "Historians link the debate about {s} to wider changes in law, religion and culture.",
    "Critics argue that the way the media covers {s} shapes public opinion more than research "
    "does.",
    "The documentary looks at {s} through interviews with activists, doctors and lawyers.",
    "I think people should be able to talk about {s} without shame or stigma.",
    "Statistically, reports about {s} rose after the law changed.",
)
SUBJECTS = (
    "sex work",
    "same-sex marriage",
    "sexual violence",
    "rape culture",
    "the sexual revolution",
    "sex education in schools",
    "LGBT rights",
    "nudity in classical sculpture",
    "the nude in Renaissance painting",
    "censorship of erotic literature",
    "pornography laws",
    "sexual harassment",
    "teenage pregnancy",
    "the age of consent",
    "dating apps",
)
"""Subjects of discussion, history and policy."""


RISKS = (
    "a stranger sending sexual messages",
    "someone asking for nude photos",
    "an adult offering gifts and asking for secrecy",
    "sextortion threats",
    "explicit images shared without consent",
    "a classmate sharing a naked picture",
    "pornography found on a shared computer",
    "an online friend who wants to meet in person",
    "sexual comments in a game chat",
    "a coach who texts late at night",
)
"""Risks to children and teenagers that parents ask about."""
_PARENTS = (
    "My child told me about {r}. What should I do?",
    "How do I protect my kids from {r}?",
    "What are the warning signs of {r}?",
    "If your child mentions {r}, stay calm, save the evidence, block the account and report "
    "it to the platform or the police.",
    "Talk to your teenager about {r} before it happens, and make sure they know they will not "
    "be punished for telling you.",
)
_OPINIONS = (
    "Honestly, the way people talk about {s} online is exhausting.",
    "My view is that {s} says more about society than about the people involved.",
    "Every thread about {s} turns into the same argument about men and women.",
    "You can disagree about {s} without insulting anyone.",
)


def texts() -> list[str]:
    """Every templated benign text, in a fixed order."""
    out = [q.format(t=t) for t, q in product(TOPICS, _QUESTIONS)]
    out += [a.format(t=t) for t, a in product(TOPICS, _ANSWERS)]
    out += [d.format(s=s) for s, d in product(SUBJECTS, _DISCUSSION)]
    out += [p.format(r=r) for r, p in product(RISKS, _PARENTS)]
    out += [o.format(s=s) for s, o in product(SUBJECTS, _OPINIONS)]
    return out
