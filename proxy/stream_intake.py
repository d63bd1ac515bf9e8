"""Reading a chat completion stream into what screening needs (``proxy.stream_screen``).

Each event is queued whole (``Pending``) and its texts appended to their ``Channel`` (one per
choice and text field: ``content``, ``refusal``, ``reasoning_content``, ...; ``proxy.texts``
walks the fields); tool-call deltas are collected per choice and held until it finishes. The
common chunk (text in ``delta.content`` and nothing else that carries text) takes a fast path:
this runs for every event of every screened stream.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from detectors.policy import Decision
from proxy.errors import UpstreamMalformed
from proxy.refusal import redact_span
from proxy.sse import event_payload
from proxy.texts import (
    ANSWER,
    REASONING,
    choice_texts,
    is_call,
    is_exact,
    scalars,
    structural,
    top_texts,
)

if TYPE_CHECKING:
    from proxy.stream_live import LiveSchedule
    from proxy.stream_schedule import Schedule

_TEXT_KEYS = ("content", "refusal")
_PLAIN_TOP = frozenset(
    {"id", "object", "created", "model", "choices", "system_fingerprint", "service_tier"}
)
"""Chunk fields that carry no text to screen (when they hold ids: ``proxy.texts.structural``)."""
_STR_OR_NONE = (str, type(None))
_PLAIN_CHOICE = frozenset({"index", "delta", "finish_reason", "logprobs"})
_PLAIN_DELTA = frozenset({"role", "content", "refusal"})
"""A choice with only these fields (``logprobs`` null) and a delta with only these: the plain
chunk, whose text is ``content`` and ``refusal`` alone."""


@dataclass(slots=True, eq=False)
class Channel:
    """The text of one choice's channel (``content``, ``refusal``, ...) as it streams in."""

    where: str
    index: int
    """The choice's index."""
    exact: bool = True
    """Whether a span in it can be cut out (``proxy.texts.is_exact``)."""
    joined: str = ""
    pieces: list[str] = field(default_factory=list)
    """Deltas not yet in ``joined``: appending to a long string copies it, joining once per
    scan does not."""
    length: int = 0
    scanned: dict[str, int] = field(default_factory=dict)
    """How far each detector (by name) has screened ``text``."""
    cleared: dict[str, int] = field(default_factory=dict)
    """How far each detector lets ``text`` be released (its schedule's ``settle``)."""
    opened: dict[str, int] = field(default_factory=dict)
    """Where each detector's open tail starts (live mode: its next scan starts there)."""
    limit: float = 0
    """The least of ``cleared`` over every detector: ``safe_to`` may grow to it."""
    first_piece: int = 0
    """Length of the first delta: released by the first scans, once a hold-back follows it."""
    next_due: float = 0.0
    """Length of ``text`` at which the next scan is due (``Schedule.next_due``)."""
    safe_to: int = 0
    """Characters before this offset may be released."""
    released: int = 0
    """Characters before this offset have been released (``safe_to`` or less: an event goes
    only when all its text may)."""
    finished: bool = False
    redactions: list[Decision] = field(default_factory=list)
    deferred: set[str] = field(default_factory=set)
    """Detectors (by name) with a finding left for a later scan (live mode: ``_undecided``):
    the scan of the finished text runs them again."""

    def add(self, piece: str) -> None:
        """Append a delta's text."""
        self.pieces.append(piece)
        self.length += len(piece)

    @property
    def text(self) -> str:
        """All the text so far."""
        if self.pieces:
            self.joined += "".join(self.pieces)
            self.pieces.clear()
        return self.joined

    def render(self, start: int, end: int) -> str:
        """The released form of ``text[start:end]``: redacted spans become placeholders."""
        return redact_span(self.text[start:end], start, self.redactions)


@dataclass(slots=True)
class Pending:
    """A held event and the text spans it carries."""

    raw: bytes
    payload: dict[str, Any] | None = None
    spans: list[tuple[Channel, int, int, Any, Any]] | tuple[()] = ()
    """Text this event adds to each channel, and where in ``payload`` it sits (``holder[key]``);
    a list only when it has any."""
    holds_tool_calls: frozenset[int] | set[int] = frozenset()
    """Choice indexes whose tool-call deltas this event carries (a set only when it has any)."""
    reasoning: bool = False
    """It carries reasoning the tenant drops."""


class StreamIntake:
    """The events of one stream, queued, and the texts they carry, per channel."""

    def __init__(self, schedule: Schedule | LiveSchedule, skip: frozenset[str], drop: bool):
        self.schedule = schedule
        self.skip = skip
        """Fields not screened (``reasoning = "pass"``)."""
        self.drop = drop
        """Reasoning is screened, then removed from what is released (``reasoning = "drop"``)."""
        self.queue: deque[Pending] = deque()
        self.channels: dict[tuple[int, str], Channel] = {}
        self.tool_args: dict[int, dict[str, str]] = {}
        """Per choice, the arguments of each call so far (``tool_calls.N``, ``function_call``)."""
        self.open_tool_calls: set[int] = set()
        self.head: dict[str, Any] = {}
        self.plain_top: list[Any] | None = None
        """The top-level values (``choices`` aside) of the last plain chunk (``_plain_top``)."""
        self.choices_seen: set[int] = set()

    def channel(self, index: int, key: str) -> Channel:
        """Choice ``index``'s channel ``key``; index -1 is outside the choices."""
        found = self.channels.get((index, key))
        if found is None:
            where, exact = (f"choices.{index}.{key}", is_exact(key)) if index >= 0 else (key, False)
            found = self.channels[(index, key)] = Channel(where, index, exact)
        return found

    # -- intake ------------------------------------------------------------------------------

    def take(self, raw: bytes) -> tuple[list[Channel], list[int]]:
        """Queue an event; return the channels it grew and the choices it finished.

        Runs for every event of every screened stream, so it is kept lean."""
        pending = Pending(raw)
        self.queue.append(pending)
        grown: list[Channel] = []
        finished: list[int] = []
        payload = event_payload(raw)
        if payload is None:
            if raw[:1] != b":" and not raw.startswith(b"data: [DONE]"):
                raise UpstreamMalformed("The upstream sent an event that is not a JSON object.")
            return grown, finished
        pending.payload = payload
        if not self.head:
            self.head = scalars(payload, ("id", "object", "created", "model"))
        choices = payload.get("choices")
        if choices is None:
            choices = ()
        elif type(choices) is not list:
            raise UpstreamMalformed("The upstream sent a chunk whose 'choices' is not a list.")
        if not self._plain_top(payload, choices):
            for leaf in top_texts(payload):
                # Outside the choices: held back like a choice's text, finished by [DONE].
                self._grow(pending, -1, leaf.channel, leaf.text, leaf.holder, leaf.key, grown)
        for choice in choices:
            index = choice.get("index", 0) if type(choice) is dict else None
            if type(index) is not int or index < 0:
                raise UpstreamMalformed("The upstream sent a chunk with a malformed choice.")
            self.choices_seen.add(index)
            delta = choice.get("delta")
            if (
                type(delta) is dict
                and _PLAIN_CHOICE.issuperset(choice)
                and _PLAIN_DELTA.issuperset(delta)
                and choice.get("logprobs") is None
                and type(delta.get("content", "")) in _STR_OR_NONE
                and type(delta.get("refusal", "")) in _STR_OR_NONE
                and (
                    choice.get("finish_reason") is None
                    or structural("finish_reason", choice["finish_reason"])
                )
                and ("role" not in delta or structural("role", delta["role"]))
            ):
                # Nearly every chunk: text in ``delta.content`` (or ``refusal``) as strings and
                # nothing else that carries text, so the walk of ``proxy.texts`` would find just
                # these.
                for key in _TEXT_KEYS:
                    piece = delta.get(key)
                    if piece:
                        self._grow(pending, index, key, piece, delta, key, grown)
            else:
                self._take_any(pending, index, choice, grown)
            if choice.get("finish_reason"):
                finished.append(index)
        return grown, finished

    def _plain_top(self, payload: dict[str, Any], choices: Any) -> bool:
        """Whether the chunk carries no text outside its choices: only ``_PLAIN_TOP`` fields,
        holding ids (``proxy.texts.structural``). A stream repeats the same ones in every chunk,
        ``choices`` last: when they equal the last plain chunk's, nothing more is checked."""
        values = [*payload.values()]
        last = bool(values) and values.pop() is choices  # ``values``: all but ``choices`` then
        if last and values == self.plain_top:
            return _PLAIN_TOP.issuperset(payload)
        if not _PLAIN_TOP.issuperset(payload) or not all(
            structural(key, value) for key, value in payload.items() if key != "choices"
        ):
            return False
        if last:
            self.plain_top = values
        return True

    def _grow(
        self,
        pending: Pending,
        index: int,
        name: str,
        piece: str,
        holder: Any,
        key: Any,
        grown: list[Channel],
    ) -> None:
        """Add ``piece`` (at ``holder[key]`` in the event) to choice ``index``'s channel."""
        channel = self.channels.get((index, name)) or self.channel(index, name)
        start = channel.length
        end = start + len(piece)
        if not start:
            channel.first_piece = end
            channel.next_due = self.schedule.next_due(end, {}, {})
        channel.pieces.append(piece)  # ``Channel.add``, inline: this runs for every delta
        channel.length = end
        span = (channel, start, end, holder, key)
        if pending.spans:
            pending.spans.append(span)
        else:
            pending.spans = [span]
        grown.append(channel)

    def _take_any(
        self, pending: Pending, index: int, choice: dict[str, Any], grown: list[Channel]
    ) -> None:
        """Take every text of a choice of any shape (``proxy.texts``)."""
        calls = False
        for leaf in choice_texts(choice, self.skip):
            if is_call(leaf.channel):
                held = self.tool_args.setdefault(index, {})
                held[leaf.channel] = held.get(leaf.channel, "") + leaf.text
                calls = True
            else:
                self._grow(pending, index, leaf.channel, leaf.text, leaf.holder, leaf.key, grown)
        for key in ANSWER:
            answer = choice.get(key)
            if isinstance(answer, dict):
                calls = calls or bool(answer.get("tool_calls") or answer.get("function_call"))
                if self.drop and not REASONING.isdisjoint(answer):
                    pending.reasoning = True
        if calls:
            pending.holds_tool_calls = {*pending.holds_tool_calls, index}
            self.open_tool_calls.add(index)
