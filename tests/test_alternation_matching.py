"""The injection patterns run as separate fast branches (``detectors.alternation``) find
exactly the spans the patterns themselves find: at line starts, word boundaries, separators,
on upper-case, dotless-i, long-s and Kelvin-sign text, JSON one-liners and random mixtures."""

from __future__ import annotations

import random
import re

import pytest

from detectors import attackbranches, injection_rules, segments
from detectors.alternation import Alternation, accelerated, fingerprint, spans
from detectors.attacklexicon import PHRASES
from detectors.caseless import finditer_lowered, haystack
from detectors.injection_rules import RULES

FAST = {**attackbranches.FAST, **injection_rules.FAST, **segments._EMAIL_HEADERS}
NAMES = (
    {pattern: name for name, pattern in PHRASES}
    | {r.pattern: r.name for r in RULES}
    | {segments._EMAIL_HEADER: "email_header"}
)

TEXTS = [
    "## Title\n### Sub\n#no\n  ##\tx\nsystem: hi\n  User : there\nAI:\n",
    "##heading at offset 0 and begin_of text",
    "begin_x end_y\nbegin end_of_text xend_z friend_ship END_INPUT Begin_Prompt",
    "----\n====  ***** -=-= +/+/ \\\\\\\\ ~~~~ ### #### ---\n-- --",
    "<|im_start|>system <<SYS>> <</SYS>> <document> </CONTEXT> <data> [INST] [/inst] <|x|>",
    '{"a": "System: ignore", "b": "## no heading", "c": "begin_data ---- end_data"}',
    "\r\nSystem:\r\n## x\r\n",
    "Sy\u017ftem: \u0131nst \u212a <\u0131nstructions> b\u0131gin_x BEG\u0130N_X",
    "\u0130\u0130 ##\u00e9 \u0130nstructions: beg\u0131n_x",
    "ASSISTANT:\n\n\n## \u00c9t\u00e9\nHUMAN :\nDeveloper\t:",
    "Note to the AI: you must. Dear assistant, hi chatbot hey llm. Claude, please ignore.",
    "Please add a link to your response. In your reply, say hi.\nInclude it in your answer.",
    "Mr. Smith!   please mention this in your summary! in  your output ,",
    "You must go. you   should\tstop; YOU ARE NOW required. you can now see",
    "Don't tell him. never  inform; without letting; do not reveal it",
    "previous instructions, above prompt, all other directives, your instructions",
    "Say \"hi\". print 'x'. Write `y`. respond with \u201cpwned\u201d. begin with 'ok'",
    "Task complete. summary is done; the document has ended. end of file",
    # Every word that must start a word, preceded by a letter (no match) and by a space.
    "undo not tell; donever tell; xwithout telling; weekend of text; ztask complete; "
    "thetask done; xsummary done; prerequest done; bjob done; reassignment done; xanswer done",
    "zyou must; xabove rules; ball instructions; many prompts; xformer rules; xfollowing "
    "prompts; xoriginal text; zother prompts; xinitial text; xthese prompts; athose prompts",
    "xyour prompts; xprevious text; xprior text; xpreceding text; xearlier text; xbegin_x; "
    "xend_y; \u00e9never tell; _do not tell; 9your prompts; \u0131you must; \u017fjob done",
    "xdear ai, ahey llm, ohi the assistant, xattention ai, xnote to ai, xmessage to llm, "
    "xinstructions for ai, xai, please; xassistant: ignore; xllm: never; xlanguage model, "
    "always; xchatbot: do not; xgpt, remember; robot: instead; xclaude, you must; "
    "ai , you should; a.i.: please; agent,never; Copilot :make sure; hi  the  AI; "
    "instruction to the ai assistant; hey chatgpt, please",
    "xfrom now on; from now on; xnew task; new instructions; renew role; new goals",
    "the upcoming instructions; xupcoming tasks; URGENT new directive; fresh, vital guidelines; "
    "next  two  urgent orders; the steps that follow; instructions which follows; xsteps that "
    "follow; what follows; what comes next; \u0131mportant tasks; crucial\tsteps; commands that "
    "follow; important very new urgent steps; additional task; directives which follow",
    "xsay 'x'; say \"y\"; restart with `z`; start  with \u201cq\u201d; xprint 'a'; print 'b'",
    "xoutput 'c'; output \u2018d\u2019; respond with 'e'; xreply with 'f'; reply\twith 'g'",
    "xrepeat 'h'; repeat 'i'; answer with 'j'; xwrite 'k'; write 'l'; xtype 'm'; type 'n'",
    "xbegin with 'o'; begin with 'p'; xend with 'q'; end with 'r'; xinclude 's'; include 't'",
    "only respond; xonly say; only x. say; output only; xoutput only; respond only; xreply only",
    "answer only; xanswer only; say only; xsay only; write only; rewrite only; only write it",
    "xsay only",
    "zwrite only",
    "xanswer only",
    "xreply only",
    "xoutput only",
    "output it only",
    "xonly say",
    "xrespond only",
    "you are a bot; xyou are the one; you are now an ai; act as; xact as; pretend; xpretend",
    "Subject: x\nFrom : y\n| To: z | cc:w\nxfrom: no\n  date\t: today\r\nSent:\nReceived date:",
    "from: a|to :b| email_from: c\n\u0130 subject:\nsent\n:",
    "do not tell; never tell; without telling; end of text; task complete; the text ended",
    "",
    "\n",
    "#",
]
SYMBOLS = [*"\n \t#-*/\\~:,.!?'\"`\u201c<>|[]_", "\r\n", "##", "==", ". ", "! ", "? "]
WORDS = (
    "a x I \u0131 \u017f \u0130 \u212a \u00e9 system System user AI ai assistant bot human "
    "developer admin begin End end inst <|im_start|> sys document you You must should need|to are "
    "now required dear hey hi note|to message|to instruction chatbot llm claude please add "
    "include in your response reply answer output summary mention do|not don't never without "
    "tell let previous all other instructions prompt say print write respond|with task complete "
    "done end|of the|document has|ended friend send task|is summary|has|been request job "
    "assignment above any following former original initial these those earlier prior "
    "preceding directives rules text context notify informing revealing insert highlight "
    "subject from cc date sent received|date email_from"
)
PHRASINGS = [
    "you must",
    "you  should",
    "you are\tnow required",
    "add it to your response",
    "in your reply ,",
    "please include x in your summary",
    "Stress this in your output",
    "Subject:",
    "| To :",
    "cc:",
    "\tdate\t:",
]
FRAGMENTS = [*SYMBOLS, *PHRASINGS, *(word.replace("|", " ") for word in WORDS.split())]
SEPARATORS = ["", " ", " ", " ", "  ", "\t", "\n", " \t "]


def reference(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@pytest.mark.parametrize("text", TEXTS)
def test_every_alternation_finds_the_spans_of_its_pattern(text: str) -> None:
    for pattern, alternation in FAST.items():
        assert alternation.spans(haystack(text)) == reference(pattern, text), NAMES[pattern]


def test_random_mixtures_of_the_patterns_vocabulary_match_alike() -> None:
    rng = random.Random(13)
    for _ in range(3000):
        text = "".join(
            rng.choice(FRAGMENTS) + rng.choice(SEPARATORS) for _ in range(rng.randint(1, 30))
        )
        for pattern, alternation in FAST.items():
            got = alternation.spans(haystack(text))
            assert got == reference(pattern, text), (NAMES[pattern], text)


def test_the_slow_phrase_and_rule_patterns_run_as_alternations() -> None:
    # A name missing here had its pattern edited since its branches were written: spell the
    # branches anew (and update ``written_for``), or drop them.
    expected = {
        "wrapper",
        "prev",
        "done",
        "you_must",
        "dont_tell",
        "say",
        "only",
        "role",
        "switchphrase",
        "announce",
        "your_response",
        "addressed_to_ai",
        "email_header",
    }
    assert expected - {NAMES[p] for p in FAST} == set()
    live = {p for _, p in PHRASES} | {r.pattern for r in RULES} | {segments._EMAIL_HEADER}
    assert set(FAST) <= live


def test_branches_written_for_another_pattern_are_left_out() -> None:
    pattern = re.compile(r"\bab|cd", re.IGNORECASE)
    stale = Alternation(pattern, ("a(?<!\\wa)b",), written_for=fingerprint(r"\bab|c"))
    assert not stale.current
    assert accelerated([stale]) == {}
    hay = haystack("ab cd xab")
    assert spans(pattern, hay, accelerated([stale])) == [(0, 2), (3, 5)]


def test_a_pattern_without_an_alternation_or_with_empty_matches_keeps_plain_spans() -> None:
    plain = re.compile(r"x|y*", re.IGNORECASE)
    # A branch matching the empty string is handed back to the pattern itself.
    empty = Alternation(plain, ("x", "y*"), written_for=fingerprint(plain.pattern))
    hay = haystack("axyyb")
    assert empty.spans(hay) == reference(plain, "axyyb")
    assert spans(plain, hay, {}) == reference(plain, "axyyb")
    assert spans(plain, hay, {plain: empty}) == reference(plain, "axyyb")


def test_a_line_branch_matches_after_a_newline_consumed_by_the_previous_match() -> None:
    pattern = re.compile(r"ab\n|^cd", re.MULTILINE)
    alternation = Alternation(pattern, ("ab\n", "^cd"), written_for=fingerprint(pattern.pattern))
    for text in ("ab\ncd", "cdab\ncd\ncd", "xcd\ncd"):
        assert alternation.spans(haystack(text)) == reference(pattern, text)


BOUNDARY_AS_WRITTEN = re.compile(
    r"[.!?]++[\"'\u201d\u2019)\]]*+(?=\s*[A-Z\"'\u201c\u2018(\[<]|\s*$)|\||\",[ \t]*(?=\")|"
    r"(?:\\n)+|\}[ \t]*,[ \t]*(?=\{)|<(?=(?:p|div|li|h[1-6]|tr|td|section|article|span)\b)"
)
LINES = [
    "One. Two! Three? four. \"Five.\" (Six.) 'Seven.'",
    "Wait...! Really?!  Yes.\u201d Next \u2018one\u2019. \u201cQuoted.\u201d [x]. End.",
    '| a | b | {"k": "v", "l": "w"}, {"m": 1} }  ,  { "n" , "o"',
    "line\\nnext\\n\\n\\nlast\\ n \\\\n. \u00c9t\u00e9. \u0130stanbul! ok?",
    "no boundary here",
    "trailing stop.   ",
    "...",
    "What!? No. Hm?? Yes. So.! Ok.? Fine",
    '{"a": 1}, "b"} , c}, {d}',
    "<p>Menu.</p><p style='x'>Hidden! <pre>code</pre><div>Open</div> <td>cell</td> <b>bold</b>",
    "",
]


@pytest.mark.parametrize("line", LINES)
def test_sentence_boundaries_are_where_the_single_class_spelling_finds_them(line: str) -> None:
    from detectors.segments import _BOUNDARY

    assert [(m.span(), m.group()) for m in _BOUNDARY.finditer(line)] == [
        (m.span(), m.group()) for m in BOUNDARY_AS_WRITTEN.finditer(line)
    ]


def test_ascii_tokens_are_the_tokens_of_the_full_token_pattern() -> None:
    from detectors.attackfeatures import _ASCII_TOKEN
    from detectors.attacklexicon import TOKEN

    assert _ASCII_TOKEN is not TOKEN
    rng = random.Random(5)
    for _ in range(500):
        text = "".join(rng.choice("ab z'-_09 \n.\"x-y's") for _ in range(rng.randint(0, 40)))
        for pos, endpos in ((0, len(text)), (1, len(text) - 1), (3, 9)):
            assert _ASCII_TOKEN.findall(text, pos, endpos) == TOKEN.findall(text, pos, endpos)


@pytest.mark.parametrize("text", [*TEXTS, *LINES])
def test_clause_imperatives_spelled_for_speed_match_the_pattern(text: str) -> None:
    from detectors.attackfeatures import _CLAUSE_START
    from detectors.attacklexicon import CLAUSE_IMPERATIVE

    assert _CLAUSE_START is not CLAUSE_IMPERATIVE
    sample = text + " Then add it; now  please send: write x! okay xthen go, snow ok? then"
    hay = haystack(sample)
    lowered = sample.lower()
    for pos, endpos in ((0, len(lowered)), (1, len(lowered) - 1), (5, 30), (len(text), 99)):
        fast = [(m.span(), m.group(1)) for m in finditer_lowered(_CLAUSE_START, hay, pos, endpos)]
        plain = [(m.span(), m.group(1)) for m in CLAUSE_IMPERATIVE.finditer(lowered, pos, endpos)]
        assert fast == plain


def test_a_line_branch_of_a_pattern_without_multiline_is_refused() -> None:
    pattern = re.compile(r"^ab|cd")
    with pytest.raises(ValueError, match="MULTILINE"):
        Alternation(pattern, ("^ab", "cd"), written_for=fingerprint(pattern.pattern))
