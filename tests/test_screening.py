"""Output screening: refusals, redactions and flags in OpenAI's shape; fail-closed detectors."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from openai import OpenAI

from proxy import logs
from proxy.testing import (
    FakeUpstream,
    ProxyServer,
    Reply,
    completion,
    make_config,
    only,
)
from proxy.testing_faults import register_faulty_detector
from tests.conftest import user

SECRET = "Project Nightjar"
REFUSAL = "Sorry, I can't help with that: the answer contained a topic this service does not cover."


def serve_acme(upstream: FakeUpstream, serve: Any, table: dict[str, Any]) -> ProxyServer:
    """specguard in front of the fake upstream, its tenant ``acme`` configured by ``table``."""
    return serve(make_config(upstream.base_url, extra={"tenants": {"acme": only(table)}}))


def screened(upstream: FakeUpstream, serve: Any, **detector: Any) -> ProxyServer:
    table = {"terms": [SECRET], "category": "codename", **detector}
    return serve_acme(upstream, serve, {"detectors": {"deny_terms": table}})


def sdk(server: ProxyServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)


def test_violation_is_refused_in_openai_shape(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve)
    upstream.queue(Reply(json=completion(f"The plan is called {SECRET}.")))
    raw = sdk(server).chat.completions.with_raw_response.create(
        model="fake-model", messages=user("plan?")
    )
    answer = raw.parse()
    choice = answer.choices[0]
    assert choice.finish_reason == "content_filter"
    assert choice.message.content == REFUSAL
    assert choice.message.refusal is None, "plain chat shows the sentence once, in content"
    assert raw.headers["x-specguard-decision"] == "refuse; rule=deny_terms.codename"
    assert choice.model_extra is not None
    assert choice.model_extra["specguard"] == {
        "action": "refuse",
        "detector": "deny_terms",
        "category": "codename",
        "rule": "deny_terms.codename",
        "rules": ["deny_terms.codename"],
    }
    assert SECRET not in raw.http_response.text


def test_programmatic_refusal_has_null_content(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve)
    upstream.queue(Reply(json=completion(f'{{"name": "{SECRET}"}}')))
    answer = sdk(server).chat.completions.create(
        model="fake-model", messages=user("json"), response_format={"type": "json_object"}
    )
    assert answer.choices[0].message.content is None
    assert answer.choices[0].message.refusal == REFUSAL


def test_refusal_template_is_the_tenants(upstream: FakeUpstream, serve: Any) -> None:
    server = serve_acme(
        upstream,
        serve,
        {
            "refusal": {"message": "That is outside what this assistant can share."},
            "detectors": {"deny_terms": {"terms": [SECRET]}},
        },
    )
    upstream.queue(Reply(json=completion(SECRET)))
    answer = sdk(server).chat.completions.create(model="fake-model", messages=user("x"))
    assert answer.choices[0].message.content == "That is outside what this assistant can share."


def test_harmless_answer_is_relayed_untouched(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve)
    upstream.queue(Reply(json=completion("Nightjars are nocturnal birds.", x_extra=1)))
    raw = sdk(server).chat.completions.with_raw_response.create(
        model="fake-model", messages=user("birds")
    )
    assert raw.parse().choices[0].message.content == "Nightjars are nocturnal birds."
    assert "x-specguard-decision" not in raw.headers


def test_redaction_keeps_the_rest_and_declares_the_removal(
    upstream: FakeUpstream, serve: Any
) -> None:
    server = screened(upstream, serve, action="redact")
    upstream.queue(Reply(json=completion(f"Status: {SECRET} ships in May. Budget is fine.")))
    raw = sdk(server).chat.completions.with_raw_response.create(
        model="fake-model", messages=user("status")
    )
    content = raw.parse().choices[0].message.content or ""
    assert content.startswith("Status: [redacted: codename] ships in May. Budget is fine.")
    assert "1 item(s) removed from this answer under the content policy: a topic this" in content
    assert SECRET not in content
    assert raw.headers["x-specguard-decision"] == "redact; rule=deny_terms.codename"


def test_flag_leaves_the_answer_and_sets_the_header(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve, action="flag")
    upstream.queue(Reply(json=completion(f"It is {SECRET}.")))
    raw = sdk(server).chat.completions.with_raw_response.create(
        model="fake-model", messages=user("x")
    )
    assert raw.parse().choices[0].message.content == f"It is {SECRET}."
    assert raw.headers["x-specguard-decision"] == "flag; rule=deny_terms.codename"


def test_every_choice_is_screened(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve)
    upstream.queue(
        Reply(
            json=completion(
                "x",
                choices=[
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "fine"},
                        "finish_reason": "stop",
                    },
                    {
                        "index": 1,
                        "message": {"role": "assistant", "content": SECRET},
                        "finish_reason": "stop",
                    },
                ],
            )
        )
    )
    answer = sdk(server).chat.completions.create(model="fake-model", messages=user("x"), n=2)
    assert [c.finish_reason for c in answer.choices] == ["content_filter", "content_filter"]


def test_tool_call_arguments_are_screened(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve, action="redact")
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "post", "arguments": f'{{"text": "{SECRET}"}}'},
    }
    upstream.queue(
        Reply(
            json=completion(
                None,
                choices=[
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                        "finish_reason": "tool_calls",
                    }
                ],
            )
        )
    )
    answer = sdk(server).chat.completions.create(model="fake-model", messages=user("x"))
    # A span inside JSON arguments cannot be cut cleanly: redaction escalates to refusal.
    assert answer.choices[0].finish_reason == "content_filter"
    assert answer.choices[0].message.tool_calls is None


@pytest.mark.parametrize("leaks", [True, False], ids=["leaking", "harmless"])
def test_legacy_function_call_arguments_are_screened(
    upstream: FakeUpstream, serve: Any, leaks: bool
) -> None:
    server = screened(upstream, serve)
    value = SECRET if leaks else "the usual plan"
    function_call = {"name": "post", "arguments": f'{{"text": "{value}"}}'}
    message = {"role": "assistant", "content": None, "function_call": function_call}
    upstream.queue(
        Reply(
            json=completion(
                None, choices=[{"index": 0, "message": message, "finish_reason": "function_call"}]
            )
        )
    )
    answer = sdk(server).chat.completions.create(model="fake-model", messages=user("x"))
    if leaks:
        assert answer.choices[0].finish_reason == "content_filter"
        assert answer.choices[0].message.function_call is None
    else:
        assert answer.choices[0].finish_reason == "function_call"
        assert answer.choices[0].message.function_call is not None
        assert answer.choices[0].message.function_call.arguments == function_call["arguments"]


def test_base64_disguised_violation_is_refused(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve)
    encoded = base64.b64encode(f"The secret plan is {SECRET}, tell nobody.".encode()).decode()
    upstream.queue(Reply(json=completion(f"Here you go: {encoded}")))
    answer = sdk(server).chat.completions.create(model="fake-model", messages=user("encode it"))
    assert answer.choices[0].finish_reason == "content_filter"


def test_zero_width_disguise_is_refused(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve)
    upstream.queue(Reply(json=completion("It is Project Night\u200bjar.")))
    answer = sdk(server).chat.completions.create(model="fake-model", messages=user("x"))
    assert answer.choices[0].finish_reason == "content_filter"


@pytest.fixture
def faulty() -> None:
    register_faulty_detector()


@pytest.mark.parametrize("mode", ["raise", "sleep"])
def test_failing_detector_refuses_by_default(
    upstream: FakeUpstream, serve: Any, faulty: None, mode: str
) -> None:
    from proxy.testing import metric_value

    misbehaviour = {"mode": mode, "deadline_ms": 100, "sleep_ms": 500}
    server = serve_acme(upstream, serve, {"detectors": {"faulty": misbehaviour}})
    kind = "error" if mode == "raise" else "timeout"
    sample = f'specguard_detector_errors_total{{detector="faulty",kind="{kind}",outcome="refused"}}'
    before = metric_value(server.url, sample)
    raw = sdk(server).chat.completions.with_raw_response.create(
        model="fake-model", messages=user("x")
    )
    assert raw.parse().choices[0].finish_reason == "content_filter"
    assert raw.headers["x-specguard-decision"] == f"refuse; rule=faulty.{kind}"
    assert metric_value(server.url, sample) == before + 1


def test_tenant_may_opt_out_of_fail_closed(
    upstream: FakeUpstream, serve: Any, faulty: None
) -> None:
    misbehaviour = {"mode": "raise", "on_error": "allow"}
    server = serve_acme(upstream, serve, {"detectors": {"faulty": misbehaviour}})
    upstream.queue(Reply(json=completion("All good.")))
    raw = sdk(server).chat.completions.with_raw_response.create(
        model="fake-model", messages=user("x")
    )
    assert raw.parse().choices[0].message.content == "All good."
    assert raw.headers["x-specguard-decision"] == "flag; rule=faulty.error"


def test_request_body_cannot_switch_a_detector_off(upstream: FakeUpstream, serve: Any) -> None:
    server = screened(upstream, serve)
    upstream.queue(Reply(json=completion(SECRET)))
    answer = sdk(server).chat.completions.create(
        model="fake-model",
        messages=user("x"),
        extra_body={
            "specguard": {"detectors": {"deny_terms": {"action": "off"}}},
            "detectors": {},
            "guardrails": "off",
        },
        extra_headers={"x-specguard-detectors": "off"},
    )
    assert answer.choices[0].finish_reason == "content_filter"


def test_input_screening_refuses_without_calling_upstream(
    upstream: FakeUpstream, serve: Any
) -> None:
    server = serve_acme(
        upstream,
        serve,
        {"input_screening": ["deny_terms"], "detectors": {"deny_terms": {"terms": [SECRET]}}},
    )
    client = sdk(server)
    answer = client.chat.completions.create(
        model="fake-model", messages=user(f"Tell me about {SECRET}")
    )
    assert answer.choices[0].finish_reason == "content_filter"
    stream = client.chat.completions.create(
        model="fake-model", messages=user(f"{SECRET}?"), stream=True
    )
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "content_filter"
    assert upstream.received == []


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(logs.JSONFormatter().format(record))

    handler = Collect()
    logs.LOGGER.addHandler(handler)
    logs.LOGGER.setLevel(logging.INFO)
    yield lines
    logs.LOGGER.removeHandler(handler)


def test_no_prompt_or_matched_text_in_logs(
    upstream: FakeUpstream, serve: Any, log_lines: list[str], faulty: None
) -> None:
    detectors = {"deny_terms": {"terms": [SECRET]}, "faulty": {"mode": "raise"}}
    server = serve_acme(upstream, serve, {"detectors": detectors})
    upstream.queue(Reply(json=completion(f"The codename is {SECRET}.")))
    sdk(server).chat.completions.create(
        model="fake-model", messages=user("What is the codename, dear?")
    )
    assert any('"event":"request"' in line for line in log_lines)
    joined = "\n".join(log_lines)
    assert SECRET not in joined and "codename, dear" not in joined and "sk-acme" not in joined
