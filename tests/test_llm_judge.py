"""The optional judge cascade: a moderation model asked only when a cheap detector is unsure."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from openai import OpenAI

from detectors.base import ScanContext
from detectors.findings import Finding
from detectors.llm_judge import JudgeError, LlmJudgeConfig, LlmJudgeDetector, parse_verdict
from detectors.registry import DETECTORS
from proxy.testing import FakeUpstream, ProxyServer, Reply, completion, make_config

JUDGE_KEY = "sk-judge-secret-9876543210"
IN_BAND = "The OPCW verified destruction of 500 kg of sarin in 2014 and another 200 kg in 2015."
"""Treaty facts: ``cbrn`` scores them 0.4 (a named agent, two quantities), inside its band."""
OUT_OF_BAND = "Nightjars are nocturnal birds."


@pytest.fixture
def judge(monkeypatch: pytest.MonkeyPatch, serve: Any) -> Iterator[FakeUpstream]:
    """A fake judge server; set up after ``serve`` so it is torn down before any proxy is."""
    monkeypatch.setenv("JUDGE_KEY", JUDGE_KEY)
    with FakeUpstream() as fake:
        yield fake
        close_cached_clients(fake.base_url)


def close_cached_clients(base_url: str) -> None:
    """Close the HTTP clients litellm cached for ``base_url``.

    litellm keeps one client per judge server; a proxy's shutdown flushes that cache without
    closing synchronous clients, which would leave their sockets to the collector.
    """
    import litellm
    from openai import OpenAI as SyncClient

    cache: Any = litellm.in_memory_llm_clients_cache
    for key, client in list(cache.cache_dict.items()):
        if isinstance(client, SyncClient) and str(client.base_url).startswith(base_url):
            client.close()
            cache.delete_cache(key)


def judge_table(judge: FakeUpstream, **overrides: Any) -> dict[str, Any]:
    return {
        "model": "openai/llama-guard",
        "api_base": judge.base_url,
        "api_key_env": "JUDGE_KEY",
        **overrides,
    }


def detector(judge: FakeUpstream, **overrides: Any) -> LlmJudgeDetector:
    return LlmJudgeDetector(LlmJudgeConfig.model_validate(judge_table(judge, **overrides)))


def scan(judge_detector: LlmJudgeDetector, text: str) -> list[Finding]:
    """Scan on a worker thread, as the screening framework runs ``cpu_heavy`` detectors.

    (litellm's synchronous call sets up an event loop it never closes when called on the main
    thread; on worker threads it uses ``asyncio.run``.)
    """
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(judge_detector.scan, text, ScanContext()).result()


def test_text_outside_every_band_is_not_sent_to_the_judge(judge: FakeUpstream) -> None:
    assert scan(detector(judge), OUT_OF_BAND) == []
    assert judge.received == []


def test_unsafe_answer_becomes_a_finding_in_its_first_category(judge: FakeUpstream) -> None:
    judge.queue(Reply(json=completion("unsafe\nS12,S1")))
    findings = scan(detector(judge), IN_BAND)
    assert findings == [Finding("llm_judge", "s12", 1.0, 0, len(IN_BAND))]
    assert judge.last.path == "/v1/chat/completions"
    assert judge.last.body["model"] == "llama-guard"
    assert judge.last.body["messages"] == [{"role": "user", "content": IN_BAND}]


def test_safe_answer_lets_the_text_pass(judge: FakeUpstream) -> None:
    judge.queue(Reply(json=completion("safe")))
    assert scan(detector(judge), IN_BAND) == []
    assert len(judge.received) == 1


def test_judge_sees_only_the_first_max_chars_after_the_policy(judge: FakeUpstream) -> None:
    judge.queue(Reply(json=completion("safe")))
    scan(detector(judge, max_chars=20, policy="Classify per policy P."), IN_BAND)
    assert judge.last.body["messages"] == [
        {"role": "system", "content": "Classify per policy P."},
        {"role": "user", "content": IN_BAND[:20]},
    ]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=500, json={"error": {"message": "overloaded", "type": "server_error"}}),
        Reply(json=completion("The text looks fine to me.")),
        Reply(json=completion("")),
        Reply(json=completion("safe"), delay_s=0.6),
    ],
    ids=["http-500", "garbage", "empty", "timeout"],
)
def test_failed_or_unreadable_judge_raises(judge: FakeUpstream, reply: Reply) -> None:
    judge.queue(reply)
    with pytest.raises(JudgeError):
        scan(detector(judge, timeout_s=0.2), IN_BAND)


@pytest.mark.parametrize(
    ("answer", "category"),
    [
        ("safe", None),
        ("unsafe", "unsafe"),
        ("\n UNSAFE \n S3 \n", "s3"),
        ("unsafe\nS1 S9", "s1"),
        ("unsafe\n<b>x</b>", "unsafe"),
    ],
)
def test_llama_guard_answers_are_read(answer: str, category: str | None) -> None:
    assert parse_verdict(answer) == category


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ({"model": ""}, "model"),
        ({"model": "openai/g", "gate": {"privacy": (0.2, 0.5)}}, "gate"),
        ({"model": "openai/g", "gate": {"cbrn": (0.5, 0.5)}}, "gate"),
        ({"model": "openai/g", "gate": {}}, "gate"),
        ({"model": "openai/g", "timeout_s": 3}, ""),
    ],
    ids=["empty-model", "unknown-gate", "empty-band", "no-gate", "timeout-past-deadline"],
)
def test_bad_settings_are_rejected_with_their_key_path(table: dict[str, Any], where: str) -> None:
    problems = DETECTORS.validate({"llm_judge": table}, "tenants.acme.detectors")
    assert problems
    assert problems[0][0] == ".".join(filter(None, ["tenants.acme.detectors.llm_judge", where]))


def test_missing_key_variable_is_a_start_up_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUDGE_KEY_UNSET", raising=False)
    config = LlmJudgeConfig(model="openai/g", api_key_env="JUDGE_KEY_UNSET")
    with pytest.raises(RuntimeError, match="JUDGE_KEY_UNSET"):
        LlmJudgeDetector(config)


def judged_proxy(
    upstream: FakeUpstream, judge: FakeUpstream, serve: Any, **overrides: Any
) -> OpenAI:
    detectors = {"llm_judge": judge_table(judge, **overrides)}
    server: ProxyServer = serve(
        make_config(upstream.base_url, extra={"tenants": {"acme": {"detectors": detectors}}})
    )
    return OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)


def test_judged_unsafe_answer_is_refused_and_the_key_stays_private(
    upstream: FakeUpstream, judge: FakeUpstream, serve: Any
) -> None:
    client = judged_proxy(upstream, judge, serve)
    upstream.queue(Reply(json=completion(IN_BAND)))
    judge.queue(Reply(json=completion("unsafe\nS9")))
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": "treaty facts?"}]
    )
    assert raw.parse().choices[0].finish_reason == "content_filter"
    assert raw.headers["x-specguard-decision"] == "refuse; rule=llm_judge.s9"
    assert judge.last.headers["Authorization"] == f"Bearer {JUDGE_KEY}"
    assert JUDGE_KEY not in raw.http_response.text
    assert JUDGE_KEY not in str(raw.headers)


def test_failing_judge_refuses_the_answer(
    upstream: FakeUpstream, judge: FakeUpstream, serve: Any
) -> None:
    client = judged_proxy(upstream, judge, serve)
    upstream.queue(Reply(json=completion(IN_BAND)))
    judge.queue(Reply(status=500, json={"error": {"message": "overloaded"}}))
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": "x"}]
    )
    assert raw.parse().choices[0].finish_reason == "content_filter"
    assert raw.headers["x-specguard-decision"] == "refuse; rule=llm_judge.error"
    assert IN_BAND not in raw.http_response.text


def test_tenant_may_let_a_failing_judge_through_flagged(
    upstream: FakeUpstream, judge: FakeUpstream, serve: Any
) -> None:
    client = judged_proxy(upstream, judge, serve, on_error="allow")
    upstream.queue(Reply(json=completion(IN_BAND)))
    judge.queue(Reply(json=completion("no idea")))
    raw = client.chat.completions.with_raw_response.create(
        model="fake-model", messages=[{"role": "user", "content": "x"}]
    )
    assert raw.parse().choices[0].message.content == IN_BAND
    assert raw.headers["x-specguard-decision"].startswith("flag")


def test_waiting_on_the_judge_does_not_block_other_requests(
    upstream: FakeUpstream, judge: FakeUpstream, serve: Any
) -> None:
    import threading

    import httpx

    client = judged_proxy(upstream, judge, serve)
    upstream.queue(Reply(json=completion(IN_BAND)))
    judge.queue(Reply(json=completion("safe"), delay_s=1.5))
    chat = threading.Thread(
        target=lambda: client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "x"}]
        )
    )
    chat.start()
    while not judge.received:  # the judge now holds its answer for 1.5 s
        chat.join(0.01)
    health = httpx.get(f"{str(client.base_url).removesuffix('/v1/')}/healthz", timeout=5)
    assert health.status_code == 200
    assert chat.is_alive()  # answered while the screened request was still waiting
    chat.join(10)
