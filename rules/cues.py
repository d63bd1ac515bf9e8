"""What untrusted text around a value is doing: the lexical cues ``rules.origin`` grades by.

- ``DIRECTIVE`` / ``PASSIVE_DIRECTIVE``: an imperative or a passive request governs the value
  ("pay to ...", "... should be shared with ...", "X is to be added");
- ``ADDRESSED``: the text speaks to an AI or to whoever processes it ("note to the assistant",
  "@assistant", "AI readers ...", "whoever handles this ticket", "Hinweis fuer den KI-Assistenten");
- ``OVERRIDE``: it swaps a payee or recipient ("the account has changed", "I switched banks",
  "my personal address works better");
- ``TELLS``: what makes a plain imperative an injected one (addressed to the AI, "instead",
  "from now on", "don't tell the user", standing orders such as "whenever this is moved");
- ``TEMPLATE_FIELD``: a URL waiting to be filled in (``?ssn={ssn}``, ``?readings=`` at its end);
- ``class_directive``: an imperative or passive request for one side-effect class.

Cues are kept to the few languages whose requests ``rules.asks`` knows, with English first.
"""

from __future__ import annotations

import re
from functools import lru_cache

VERBS = (
    r"send|forward|transfer|pay|wire|remit|deposit|move|e-?mail|mail|cc|bcc|reply|respond|write"
    r"|message|text|contact|notify|invite|add|share|grant|give|post|publish|upload|submit|visit"
    r"|open|go|navigate|browse|fetch|load|download|click|call|delete|remove|erase|route"
    r"|redirect|change|update|set|use|include|append|book|schedule|buy|purchase|order|run"
    r"|execute|install|read|cat|copy|report|direct|switch|put|enter|paste|leak|exfiltrate|dm"
    r"|tip|donate|attach|sign|approve|log\s+in|sign\s+in|close|archive|trash|disable|render"
    r"|loop"
)
LEAD = (
    r"(?:(?:^|[.!?:;,(\"\u2013\u2014*\u2022>]\s*)(?:\d{1,2}[.)]\s*|[a-z][.)]\s+)?|-\s+|\b(?:please|pls|plz|kindly|now|also|then|and"
    r"|immediately|just|first|next|finally|instead|always|simply|asap|must)\s+|\byou\s+(?:must"
    r"|should|need\s+to|have\s+to|are\s+(?:required|instructed|asked|expected|supposed)\s+to"
    r"|will|shall|can|may)\s+|\b(?:make|be)\s+sure\s+(?:to\s+|you\s+)?|\bremember\s+to\s+"
    r"|\bdon'?t\s+forget\s+to\s+|\bit\s+is\s+(?:important|required|necessary|mandatory)\s+to\s+"
    r"|\b(?:asks?|asked|wants?|tells?|instructs?|requests?|needs?|requires?|would\s+like|expects?)"
    r"\s+(?:[\w-]+\s+){0,3}?to\s+|\b(?:complete|finali[sz]e|finish|proceed\s+(?:to|with))\s+"
    r"(?:the\s+|a\s+|this\s+)?)"
)
"""Where an imperative starts: a sentence or clause start, "please", "you must", "make sure
to", "remember to", "X asks the agents to" ..."""
DIRECTIVE = re.compile(rf"{LEAD}(?:{VERBS})\b(?!\s*[:\-])", re.I)
PASSIVE = (
    r"(?:\b(?:should|must|needs?\s+to|has\s+to|have\s+to|is\s+to|are\s+to|shall|ought\s+to)\s+"
    r"|\b(?:asks?|asked|requests?|requested|requires?|required|demands?|insists?|recommends?)"
    r"\s+that\s+[^.!?\n]{0,80}?\s"
    # "the client asked to be added", "she'd like to be cc'd": a reported request
    r"|\b(?:asks?|asked|wants?|wanted|would\s+like|'d\s+like|requests?|requested|expects?"
    r"|wish(?:es|ed)?|hopes?|hoped)\s+to\s+)"
    r"(?:now\s+|also\s+|then\s+)?be\s+(?:\w+ly\s+)?"
)
"""A request in the passive voice: "this doc should be shared with ...", "the host asks that
the list be e-mailed to ..."."""
PLEASE = re.compile(
    r"\b(?:please|kindly|pls|plz|(?:could|can|would|will)\s+you(?:\s+(?:please|also|kindly))?)"
    r"\s+(?!(?:note|see|find|refer|be\s+aware|let\s+us\s+know"
    r"|do\s+not|don'?t|ignore|disregard)\b)[a-z]",
    re.I,
)
"""An imperative whatever its verb ("please Cash App my assistant $50", "kindly Zelle ...")."""
PASSIVE_DIRECTIVE = re.compile(
    rf"{PASSIVE}(?:sent|forwarded|e-?mailed|mailed|shared|paid|transferred|wired|remitted"
    r"|deleted|removed|erased|cancell?ed|closed|trashed|wiped|posted|published|uploaded"
    r"|submitted|invited|added|granted|given|moved|copied|purchased|ordered|bought|booked"
    r"|scheduled|routed|redirected|directed|visited|opened|fetched|run|executed|installed)\b",
    re.I,
)
_AI = r"(?:ai|a\.i\.|assistant|agent|model|bot|llm|chatbot|chatgpt|gpt(?:-?\d\w*)?|claude|copilot)"
_AGENT_NOUNS = (
    r"agents?|assistants?|models?|bots?|tools?|systems?|readers?|payers?|helpers?|crawlers?"
    r"|processors?|handlers?|summari[sz]ers?|browsers?|clients?|services?|workers?"
)
"""Who an "AI ..." / "automated ..." phrase addresses ("AI readers", "automated payers")."""
_AI_ELSEWHERE = r"ki|ia|asistente|assistente|assistent(?:en)?|agente"
"""The assistant in Spanish, German, French, Italian and Portuguese."""
ADDRESSED = re.compile(
    rf"\b(?:dear|hey|hi|hello|attention|note to|message to|notice to|instructions? (?:for|to)"
    rf"|(?:message|note|notice|reminder|request|instructions?) for|to you,?|you,?)\s+"
    rf"(?:the\s+|all\s+|any\s+|an?\s+)?(?:ai\s+|automated\s+|autonomous\s+)?(?:[a-z]+\s+)?"
    rf"{_AI}s?\b"
    r"|\b(?:ai|assistant|agent|llm|chatbot|chatgpt|gpt(?:-?\d\w*)?|claude|copilot)s?\s*[,:/]"
    rf"|\b(?:ai|llm|automated|autonomous|virtual)\s+(?:[a-z]+\s+)?(?:{_AGENT_NOUNS})\b"
    r"|@(?:ai|assistant|agent|bot|copilot|claude|gpt|chatgpt|llm)\b"
    r"|\b(?:the|your|an?)\s+(?:ai\s+)?(?:assistant|agent|bot)\s+(?:then\s+|also\s+|now\s+)?"
    r"(?:exports?|sends?|forwards?|shares?|pays?|transfers?|deletes?|removes?|posts?|uploads?"
    r"|invites?|adds?|grants?|orders?|buys?|books?|runs?|will|shall|is\s+(?:to|expected"
    r"|required|supposed)|can|could|may|should|must|needs?\s+to)\b"
    r"|\bwhoever\s+(?:handles|reads|processes|opens|summari[sz]es|picks\s+up|works\s+on"
    r"|sees|receives|gets|is\s+(?:handling|reading|processing))\b"
    rf"|\b(?:ki|ia)[- ](?:{_AI_ELSEWHERE})\w*"
    r"|\b(?:para|pour|per|f(?:ü|ue?)r|an\s+(?:den|die)|à|ao)\s+(?:el|la|le|l'|il|lo|o|a|den"
    r"|die)?\s*(?:ki[- ]?|ia\s+)?(?:asistente|assistente|assistent(?:en)?|assistant|agente|ki"
    r"|ia)\b"
    r"|\b(?:ai|agents?|assistants?|bots?|llms?|language models?)\s+(?:should|must|need to"
    r"|have to|are (?:required|expected|asked|instructed) to|reading this|processing this)\b"
    r"|\bif you(?:\s+are|'re|\u2019re)\s+an?\s+(?:ai|llm|language model|assistant|agent|bot)"
    r"|\b(?:by|for)\s+(?:the|an?|any|every|all|each)\s+(?:ai\s+)?(?:assistant|agent|bot|model|ai"
    r"|llm)s?\b|\b(?:any|every|all|each)\s+(?:ai\s+)?(?:assistant|agent|bot|model|ai|llm)s?\s+"
    r"(?:that|who|which|reading|processing|opening|handling|summari[sz]ing)\b"
    r"|</?information>|<\|[a-z_]+\|>|\[/?inst\]",
    re.I,
)
_REDIRECT = (
    r"switched\s+(?:to\s+)?(?:a\s+new\s+|my\s+|our\s+)?(?:banks?|accounts?|e-?mail|address"
    r"|number|provider)|moved\s+(?:banks|accounts|to\s+a\s+new\s+bank)"
    r"|(?:my|our|his|her|their)\s+(?:new|personal|private|other|alternate|alternative|updated"
    r"|different|backup|secondary)\s+(?:bank|account|iban|e-?mail|address|inbox|number|wallet"
    r"|details)|works\s+better|(?:pay|send|wire|transfer)\s+(?:it\s+|them\s+|this\s+)?(?:to\s+)?me"
    r"\s+(?:at|to|via)|(?:hat|haben)\s+sich\s+ge(?:ä|ae)ndert|neue\s+(?:bankverbindung|iban"
    r"|kontonummer|adresse)|(?:ha|han)\s+cambiado|nuev[ao]\s+(?:cuenta|iban|n[uú]mero|correo)"
    r"|(?:a|ont)\s+chang[ée]|nouve(?:au|lles?)\s+(?:rib|iban|compte|coordonn[ée]es)"
    r"|(?:è|sono)\s+cambiat[oi]|nuovo\s+(?:iban|conto)|mudou|nova\s+conta|novo\s+iban"
)
"""A payee or recipient swapped by the text (English first, then de, es, fr, it, pt)."""
OVERRIDE = re.compile(
    rf"\b(?:{_REDIRECT}|instead|has (?:been )?changed|have (?:been )?changed|changed to|no longer"
    r"|(?:new|updated|correct|current) (?:bank|account|iban|payee|recipient|remittance|payment"
    r"|billing|wire) ?(?:details|information|info|number|account|address)?"
    r"|(?:details|account|iban|address) (?:were|was|has been|have been) (?:updated|changed))\b",
    re.I,
)
TELLS = re.compile(
    r"\b(?:ai|assistant|the agent|the model|bot|llm)\b|\b(?:ignore|disregard|override|instead"
    r"|from now on|going forward|henceforth|has (?:been )?changed|have changed|changed to"
    r"|no longer|new (?:bank|account|iban|payee|address|recipient|details|number|e-?mail)"
    r"|updated (?:bank|payment|account|billing|banking) (?:details|information|info)"
    r"|before (?:you|doing|answering|replying|summari[sz]ing|anything)"
    r"|important (?:message|instructions?|notice|update)|important!|attention"
    r"|(?:do not|don't|never|without) (?:tell|inform|notify|mention|ask|asking|telling"
    r"|notifying|informing|alert|confirm|confirming|checking)|secretly|silently|quietly"
    r"|all (?:of )?(?:the |my |their |your )?(?:emails|messages|files|contacts|events"
    r"|documents|data|passwords)|entire (?:inbox|history|conversation|mailbox)"
    r"|(?:the )?user'?s (?:ssn|password|passwords|address|data|email|e-mail|phone|card"
    r"|credentials|api key|token|account|details|personal)|your (?:system prompt|instructions)"
    r"|on behalf of|as (?:well|soon as you)|in addition|additionally"
    r"|whenever|every\s+time|each\s+time|any\s+time|whoever"
    rf"|{_REDIRECT}|ki|ia|asistente|assistente|assistent(?:en)?|stattdessen|en\s+lugar\s+de|au\s+lieu\s+de|invece)\b"
    r"|</?information>|<\|[a-z_]+\|>|\[/?inst\]",
    re.I,
)
TEMPLATE_FIELD = re.compile(r"[?&/=][\w-]*(?:\{|<|\[|\$\{?[a-z_]|%7b|%3c)", re.I)


CLASS_VERBS: dict[str, str] = {
    "send": r"send|forward|e-?mail|mail|reply|respond|write\s+to|message|text|contact|notify"
    r"|cc|bcc|dm|direct\s+message",
    "pay": r"pay|transfer|wire|remit|deposit|refund|donate|send\s+(?:\$|\u20ac|\u00a3|\d|money"
    r"|funds|the\s+(?:payment|money|amount|rent))|move\s+(?:the\s+)?(?:money|funds)",
    "delete": r"delete|remove|erase|purge|trash|wipe|clear|cancel|drop|destroy|close"
    r"|disable|deactivate|revoke",
    "post": r"post|publish|tweet|comment|upload|submit|leave\s+a\s+review",
    "share": r"share|grant|give\s+\S+\s+(?:access|permission)|add\s+\S+\s+as\s+(?:an?\s+)?"
    r"(?:collaborator|editor|owner|admin)|make\s+\S+\s+(?:\S+\s+)?public",
    "invite": r"invite|schedule|book|add\s+\S+\s+to\s+(?:the\s+|this\s+)?(?:meeting|event|invite"
    r"|calendar)|create\s+(?:an?\s+)?(?:event|meeting)",
    "purchase": r"buy|purchase|order|upgrade|renew|check\s?out"
    r"|add\s+\S+\s+to\s+(?:the\s+|your\s+)?cart"
    r"|subscribe",
    "modify": r"change|update|edit|modify|overwrite|rename|move|set|write|append|insert|replace"
    r"|commit|push|add",
    "execute": r"run|execute|install|curl|wget|bash|eval|deploy",
}


CLASS_PARTICIPLES: dict[str, str] = {
    "send": r"sent|forwarded|e-?mailed|mailed|messaged|texted|cc'?e?d",
    "pay": r"paid|transferred|wired|remitted|deposited|refunded|donated",
    "delete": r"deleted|removed|erased|purged|trashed|wiped|cancell?ed|dropped|closed|disabled"
    r"|revoked",
    "post": r"posted|published|tweeted|uploaded|submitted",
    "share": r"shared|granted",
    "invite": r"invited|scheduled|booked|added",
    "purchase": r"purchased|bought|ordered",
    "modify": r"changed|updated|edited|modified|overwritten|renamed|moved|replaced|committed"
    r"|pushed",
    "execute": r"run|executed|installed|deployed",
}


@lru_cache(maxsize=32)
def class_directive(effect: str) -> re.Pattern[str] | None:
    """An imperative or passive request for an action of class ``effect`` (None: no verbs)."""
    verbs = CLASS_VERBS.get(effect)
    if verbs is None:
        return None
    participles = CLASS_PARTICIPLES[effect]
    return re.compile(rf"{LEAD}(?:{verbs})\b(?!\s*[:\-])|{PASSIVE}(?:{participles})\b", re.I | re.M)
