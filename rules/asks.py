"""What the user's own words ask the assistant to do.

``asked_for`` tells whether the user's words ask for an action of a side-effect class ("reply to
Maria" asks for ``send``; "summarise my inbox" does not), or hand the content's instructions over
to the assistant ("do the tasks on my todo list"). ``understood`` tells whether the words are in
a language whose request vocabulary is known here (English, Spanish, German, French, Italian,
Portuguese): only then can "the user did not ask for this" be concluded from their absence.

The vocabulary is the requests' (verbs and the nouns of what is asked for), never the content's:
it decides whether a side effect is inside the scope of what the user asked, so a gap in it
makes the guard ask for confirmation of a step the user did ask for. Stems are loose on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Per class: (English verbs, anywhere; English words that are also nouns, only in verb
# position: "email Tom" asks to send, "summarise my emails" does not; the verbs of the other
# languages, es / de / fr / it / pt, spelled to the word where a stem is an English word too).
_ASKS: dict[str, tuple[str, str, str]] = {
    "send": (
        r"send|repl(?:y|ies)|respond|forward|write (?:to|back)|tell (?!me\b|us\b)"
        r"|let (?!me\b)\w+ know|notify|ping|follow up|introduc|cc\b|loop (?:in|\w+ in)"
        r"|unsubscrib",  # unsubscribing is often a mail to the list's address
        r"e-?mail|mail|message|text|dm|answer|ask|contact",
        r"env[ií]a|reenv[ií]a|manda\b|mandar|m[aá]ndale|contesta\b|contestar|responde\b"
        r"|escr[ií]be|avisa|notifica\b|notificar|schick|sende\b|senden\b|antworte|weiterleit"
        r"|leite \w+ weiter|schreib|benachrichtig|informier|envoie|envoyer|transf[eè]re"
        r"|r[eé]ponds|r[eé]pondre|[eé]cri[st]|pr[eé]viens|informe\b|informez|invia|inoltra"
        r"|rispondi|scrivi|avvisa|encaminh|escrev|respond[ae]",
    ),
    "pay": (
        r"pay|paid|transfer|wire|refund|reimburs|settle|remit|donat|owe[sd]?\b"
        r"|send (?:\$|\d|money|funds)|(?:send|give|transfer|wire)\s+(?:\w+\s+){0,3}"
        r"(?:[$\u20ac\u00a3]\s?\d|\d+(?:[.,]\d+)?\s?(?:euros?|eur|dollars?|usd|bucks|pounds?"
        r"|gbp|chf|francs?)\b)",
        r"tip|split",
        r"pag(?:a|ar|are|ue|o|ou|ado|amento|ate)\b|abona|transfiere|reembols|bezahl|zahle"
        r"|[uü]e?berweis|begleich|erstatt|paie|payer|r[eè]gle|vire\b|virez|virement|rembours"
        r"|bonifico|rimbors|salda",
    ),
    "delete": (
        r"delet|remov|eras|clean ?up|clear|trash|purg|get rid|cancel|unsubscrib|declin|wipe"
        r"|prune|close|disabl|deactivat|revok",
        r"drop",
        r"borra|elimin|suprim|quita\b|quitar|vac[ií]a|limpia|l[oö]e?sch|entfern|storn"
        r"|k[uü]e?ndig|aufr[aä]e?um|bereinig|supprim|efface|annul|retire|vide\b|nettoie"
        r"|d[eé]sinscri|cancella|rimuov|svuota|pulisci|apag|exclu[ai]|esvazi",
    ),
    "post": (
        r"post (?:a|an|it|this|that|my|our|these|them)\b|publish|tweet|upload|announce"
        r"|submit|respond|repl(?:y|ies)|sign (?:me )?up|subscrib|fill (?:in|out)|apply"
        r"|(?:paste|put|leave|drop)\b[^.!?\n]{0,60}\b(?:in|into|on|under)\b"
        r"|add (?:a |an |my |this |the |our )?(?:comment|note|reply|review)",
        r"post|comment|review|share|file|claim|request|report|register|enrol|enroll",
        r"publica\b|publicar|publique\b|comenta\b|comentar|comente\b|ver[oö]e?ffentlich"
        r"|kommentier|hochlad|publie|commente\b|commentez|pubblica\b|commenta\b",
    ),
    "share": (
        r"shar|grant|give \w+ (?:access|permission)|invit|add \w+ (?:to|as)|collaborat|promot"
        r"|make \w+ (?:an? )?(?:admin|owner|editor|moderator|member)|make \w+ (?:\w+ )?public",
        r"access",
        r"compart[ei]|teile|freigeb|partag|condividi|partilh",
    ),
    "invite": (
        r"invit|reschedul|set up|arrang|rsvp|accept|declin|add\b|move|organi[sz]"
        r"|(?:put|set|add|create|schedule|book|block)\b[^.!?\n]{0,40}\b(?:meeting|call"
        r"|event|appointment|slot|session|sync|1:1|one-on-one)",
        r"book|create|meet|schedule|plan",
        r"agendar|agende\b|agenda (?:una?|el|la)\b|reserva\b|reservar|convoca|reprogram"
        r"|einlad|lade \w+ ein|verschieb|termin (?:vereinbaren|buchen|machen)|planifi"
        r"|programar|programa (?:una?|el|la)\b|r[eé]serv|d[eé]place|prenot|spost|convid|remarc",
    ),
    "purchase": (
        r"buy|purchas|checkout|check out|get me|reorder|subscribe|add \w+ to (?:my )?cart",
        r"order|book",
        r"compra|kauf|bestell|ach[eè]te|acheter|commande\b|commandez|ordina\b|ordinare"
        r"|encomend",
    ),
    "modify": (
        r"fix|chang|updat|edit|writ|creat|add|renam|mov|refactor|implement|appl|set|make"
        r"|commit|push|merge|save|patch|correct|improv|convert|format|replac|insert|append|draft",
        r"",
        r"",
    ),
    "execute": (
        r"run|execut|test|build|install|deploy|lint|compil|start|launch|check|debug|fix|set ?up"
        r"|follow|reproduc|clone",
        r"",
        r"",
    ),
}
_VERB_POSITION = (
    r"(?:^|[.!?;:,]\s*|\b(?:please|and|then|to|you|also|just|pls|go ahead and|let's|lets"
    r"|can|could|would|will)\s+)"
)
_DELEGATES = re.compile(
    r"\b(?:(?:do|follow|complete|carry out|execute|handle|action|work through|take care of)"
    r"\s+(?:all\s+|each\s+|every\s+)?(?:the\s+|my\s+|its\s+|their\s+)?(?:tasks?|instructions?|"
    r"steps|to-?dos?|todo list|action items?|requests?|what (?:it|they|the \w+) (?:says?|asks?))"
    r"|do what (?:it|they|the \w+|\w+) (?:says?|asks?)|as (?:it|the \w+) (?:says|instructs)"
    r"|(?:handle|deal with|take care of|sort out|process|action)\s+(?:it|this|that|them|these"
    r"|those|the\s+\w+|my\s+\w+|\w+'s\s+\w+))\b",
    re.I,
)
# Function words distinctive of the languages above (not of Dutch, the Nordic languages ...).
_FUNCTION_WORDS_BY_LANGUAGE = {
    "en": "the and my me to of is this that what please for with from it you your our can how "
    "all i it's what's",
    "es": "el los las del que por para mis una con dime qué cuántos cuántas hay mi y",
    "de": "der die das und ist mein meine meinen bitte mit für fuer ich mir dem nicht ein eine",
    "fr": "le les des du et est mon ma mes pour avec je moi vous sur dans",
    "it": "il gli di è mio mia miei che sono della nel",
    "pt": "os do da é meu minha com uma não em",
}
_FUNCTION_WORDS = frozenset(
    word for words in _FUNCTION_WORDS_BY_LANGUAGE.values() for word in words.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?", re.I)


@lru_cache(maxsize=64)
def _asks(effect: str) -> re.Pattern[str]:
    verbs, nouns, elsewhere = _ASKS[effect]
    either = rf"\b(?:{verbs}{'|' + elsewhere if elsewhere else ''})"
    if nouns:
        either += rf"|{_VERB_POSITION}(?:{nouns})\b"
    return re.compile(either, re.I | re.M)


def asked_for(effect: str, user_words: Iterable[str]) -> bool:
    """Whether the user's own words ask for an action of class ``effect`` (or hand the
    content's instructions to the assistant)."""
    if effect not in _ASKS:
        return True
    pattern = _asks(effect)
    return any(pattern.search(text) or _DELEGATES.search(text) for text in user_words)


_TOLD_DONE = {
    "send": r"sent|forwarded|e-?mailed|replied to",
    "pay": r"paid|transferred|wired|remitted|donated",
    "delete": r"deleted|removed|erased|purged|wiped",
    "post": r"posted|published|tweeted|uploaded",
    "share": r"shared|granted",
    "invite": r"invited",
    "purchase": r"bought|purchased|checked out|added to (?:\w+ )?(?:cart|basket)",
}
"""Per class, an action told as done or to be done ("is added and checked out now", "must be
paid today"): how content speaks of an action without asking for it in the imperative."""
_TOLD = {e: re.compile(rf"\b(?:{words})\b", re.I) for e, words in _TOLD_DONE.items()}


def speaks_of(effect: str, texts: Iterable[str]) -> bool:
    """Whether ``texts`` speak of an action of class ``effect``: in the words a request for it
    would use, or telling it as done or to be done."""
    told = _TOLD.get(effect)
    return asked_for(effect, texts) or (
        told is not None and any(told.search(text) for text in texts)
    )


def understood(user_words: Iterable[str]) -> bool:
    """Whether the user's words are in a language this module knows the requests of (so that
    an action it finds no request for was not asked for)."""
    for text in user_words:
        if any(w.lower() in _FUNCTION_WORDS for w in _WORD.findall(text)):
            return True
        if _ENGLISH_VERBS.search(text):
            return True
    return False


_ENGLISH_VERBS = re.compile(
    r"\b(?:" + "|".join(_ASKS[e][0] for e in ("send", "pay", "delete", "purchase")) + ")",
    re.I,
)
"""A terse English request without function words ("Pay Acme invoice") is still English;
another language's stem that looks like a known one (Dutch "bestellen") proves nothing."""
