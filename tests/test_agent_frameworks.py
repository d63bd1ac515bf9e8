"""Agent frameworks that default to the Responses API work through specguard unchanged:
openai-agents (its default Responses model, with a tool) and langchain-openai with
``use_responses_api=True``, against a scripted upstream."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from proxy.config import Config
from proxy.testing import FakeUpstream, ProxyServer, Reply, completion, make_config

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")  # no export to api.openai.com

Serve = Callable[[Config], ProxyServer]
REFUSAL = "Sorry, I can't help with that: the answer contained a government identification number."


def tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    answer = completion(None)  # type: ignore[arg-type]
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }
    answer["choices"][0]["message"]["tool_calls"] = [call]
    answer["choices"][0]["finish_reason"] = "tool_calls"
    return answer


def run(agent: Any, client: Any, question: str) -> Any:
    """The agent's run, with its client closed on the same event loop."""
    from agents import Runner

    async def main() -> Any:
        async with client:
            return await Runner.run(agent, question)

    return asyncio.run(main())


def test_openai_agents_runs_a_tool_loop_through_the_responses_api(
    serve: Serve, upstream: FakeUpstream
) -> None:
    from agents import Agent, OpenAIResponsesModel, function_tool, set_tracing_disabled
    from openai import AsyncOpenAI

    set_tracing_disabled(True)

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Sunny and 21C in {city}."

    server = serve(make_config(upstream.base_url))
    client = AsyncOpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
    model = OpenAIResponsesModel(model="fake-model", openai_client=client)
    agent = Agent(
        name="forecaster", instructions="Answer briefly.", tools=[get_weather], model=model
    )
    upstream.queue(
        Reply(json=tool_call("get_weather", {"city": "Paris"})),
        Reply(json=completion("It is sunny in Paris.")),
    )
    result = run(agent, client, "What's the weather in Paris?")
    assert result.final_output == "It is sunny in Paris."
    first, second = upstream.received
    assert first.path == second.path == "/v1/chat/completions"
    tool = next(m for m in second.body["messages"] if m["role"] == "tool")
    assert "Sunny and 21C in Paris." in tool["content"] and tool["content"].startswith(
        "<untrusted-"
    )


def test_openai_agents_shows_the_refusal_of_a_screened_answer(
    serve: Serve, upstream: FakeUpstream
) -> None:
    from agents import Agent, OpenAIResponsesModel, set_tracing_disabled
    from openai import AsyncOpenAI

    set_tracing_disabled(True)
    server = serve(make_config(upstream.base_url))
    client = AsyncOpenAI(base_url=server.base_url, api_key="sk-acme", max_retries=0)
    agent = Agent(name="a", model=OpenAIResponsesModel(model="fake-model", openai_client=client))
    upstream.queue(Reply(json=completion("Jane Roe's SSN is 536-22-8726.")))
    result = run(agent, client, "What is Jane Roe's SSN?")
    assert result.final_output == REFUSAL


@pytest.mark.parametrize(
    "answer,expected", [("Bonjour!", "Bonjour!"), ("SSN: 536-22-8726", REFUSAL)]
)
def test_langchain_with_the_responses_api_reads_answers_and_refusals(
    serve: Serve, upstream: FakeUpstream, answer: str, expected: str
) -> None:
    from langchain_openai import ChatOpenAI

    server = serve(make_config(upstream.base_url))
    chat = ChatOpenAI(
        model="fake-model",
        base_url=server.base_url,
        api_key="sk-acme",  # type: ignore[arg-type]
        use_responses_api=True,
        max_retries=0,
    )
    upstream.queue(Reply(json=completion(answer)))
    message = chat.invoke("Say hello in French.")
    assert message.text == expected
    assert upstream.last.body["messages"][-1] == {"role": "user", "content": "Say hello in French."}
