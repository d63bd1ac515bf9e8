"""``make bench``: prompt tokens the default policy adds to a request.

Every request pays for the platform policy (and, where something was marked, the marker notice)
in prompt tokens, so this counts them for a plain chat and for a chat with a tool result, with
the tenant's default rules applied in process. Tokens are counted with ``o200k_base`` (the GPT-4o
family's encoding, read from the copy litellm ships: nothing is downloaded), as message contents
plus OpenAI's documented overhead of 3 tokens per message.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from pathlib import Path
from typing import Any

from proxy.context import RequestContext
from proxy.runtime import Tenant, build_pipeline
from proxy.testing import make_config
from tests.conftest import tool_turns, user

PER_MESSAGE = 3
"""Tokens OpenAI's chat format adds around each message (role and separators)."""

CONVERSATIONS: dict[str, list[dict[str, Any]]] = {
    "plain chat": [
        {"role": "system", "content": "You are a helpful assistant."},
        *user("What is the capital of France?"),
    ],
    "chat with a tool result": [
        {"role": "system", "content": "You are a billing assistant."},
        *tool_turns("What is the total of invoice 8812?", "Invoice 8812: 3 items, total 120 EUR."),
    ],
}


def _encoding() -> Any:
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        raise RuntimeError("litellm is not installed")
    bundled = Path(spec.origin).parent / "litellm_core_utils" / "tokenizers"
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(bundled))
    import tiktoken

    return tiktoken.get_encoding("o200k_base")


def prompt_tokens(messages: list[dict[str, Any]], encoding: Any) -> int:
    """Prompt tokens of ``messages``: contents plus the per-message overhead."""
    total = 0
    for message in messages:
        content = message.get("content") or ""
        total += PER_MESSAGE + len(encoding.encode(content if isinstance(content, str) else ""))
    return total


def main() -> None:
    config = make_config(None)
    tenant_config = config.tenants["acme"]
    tenant = Tenant("acme", tenant_config, build_pipeline(tenant_config))
    encoding = _encoding()
    print("\n== prompt tokens added by the default policy (o200k_base) ==")
    for name, messages in CONVERSATIONS.items():
        body = {"model": "m", "messages": messages}
        context = RequestContext("req_bench", tenant)
        rewritten = asyncio.run(tenant.pipeline.rewrite(body, context, len(str(body))))
        before = prompt_tokens(messages, encoding)
        after = prompt_tokens(rewritten["messages"], encoding)
        print(f"{name:<24} {before:4d} -> {after:4d} tokens: +{after - before}")


if __name__ == "__main__":
    main()
