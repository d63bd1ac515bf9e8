"""The Responses API (``POST /v1/responses``), served through the chat pipeline.

A Responses request is translated into a Chat Completions request, so every request rule and
output detector applies unchanged (the rules see ``instructions`` as developer text,
``function_call_output`` items as tool results, file and image inputs as attachments), and the
screened chat answer is translated back: JSON here, streams in ``proxy.responses_stream``. Any
OpenAI-compatible upstream serves it, including those (vLLM, Ollama, litellm providers) that
have no Responses API of their own.

What cannot be screened is refused with a 400 naming the field instead of being relayed:
``previous_response_id``, ``conversation`` and ``item_reference`` items point at state stored
upstream that specguard never sees, and hosted tools (web search, file search, code
interpreter, computer use, MCP) run upstream, out of reach of the tool guard.

A refusal is a completed response, as a model's own refusal is: the sentence is an
``output_text`` part for plain text (so ``output_text`` shows it) and a ``refusal`` part for
structured output, and ``incomplete_details.reason = "content_filter"`` (plus the ``specguard``
object and the ``x-specguard-decision`` header) tells programs it was specguard's. It is not
``status: "incomplete"``: the SDKs' stream helpers and agent frameworks only finish on
``response.completed``, and would raise instead of showing the explanation. A cut for length
is ``incomplete`` (``max_output_tokens``), as upstream.
"""

from __future__ import annotations

from typing import Any

from proxy.errors import InvalidRequest

_PASSED = ("model", "stream", "temperature", "top_p", "parallel_tool_calls", "user", "seed")
"""Request fields with the same meaning in both APIs."""
_STATEFUL = ("previous_response_id", "conversation")
_FINISH_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The Chat Completions request that does what the Responses request ``body`` asks."""
    for field in _STATEFUL:
        if body.get(field):
            raise InvalidRequest(
                f"'{field}' refers to a conversation stored upstream, which specguard cannot "
                "screen; send the whole conversation in 'input' instead.",
                param=field,
            )
    if not isinstance(body.get("model"), str):
        raise InvalidRequest("'model' is required and must be a string.", param="model")
    chat: dict[str, Any] = {key: body[key] for key in _PASSED if key in body}
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    elif instructions is not None and not isinstance(instructions, str):
        raise InvalidRequest("'instructions' must be a string.", param="instructions")
    messages += _messages(body.get("input"))
    chat["messages"] = messages
    if body.get("tools"):
        chat["tools"] = [_tool(tool, i) for i, tool in enumerate(_list(body["tools"], "tools"))]
    if "tool_choice" in body:
        chat["tool_choice"] = _tool_choice(body["tool_choice"])
    if body.get("max_output_tokens") is not None:
        chat["max_completion_tokens"] = body["max_output_tokens"]
    response_format = _response_format(body.get("text"))
    if response_format is not None:
        chat["response_format"] = response_format
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort"):
        chat["reasoning_effort"] = reasoning["effort"]
    if chat.get("stream"):
        chat["stream_options"] = {"include_usage": True}
    return chat


def _list(value: Any, param: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidRequest(f"'{param}' must be an array.", param=param)
    return value


def _messages(items: Any) -> list[dict[str, Any]]:
    """Chat messages for the ``input`` of a Responses request."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages: list[dict[str, Any]] = []
    for index, item in enumerate(_list(items, "input")):
        param = f"input[{index}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"'{param}' must be an object.", param=param)
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, param))
        elif kind == "function_call":
            call = {
                "id": item.get("call_id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
            }
            previous = messages[-1] if messages else None
            if previous and previous["role"] == "assistant" and not previous.get("content"):
                previous.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": item.get("call_id"),
                    "content": output if isinstance(output, str) else _parts(output, param),
                }
            )
        elif kind == "reasoning":
            continue  # the model's own earlier reasoning: nothing for the chat upstream
        elif kind == "item_reference":
            raise InvalidRequest(
                "'item_reference' items point at content stored upstream, which specguard "
                "cannot screen; send the item itself.",
                param=param,
            )
        else:
            raise InvalidRequest(f"Input items of type '{kind}' are not supported.", param=param)
    return messages


def _message(item: dict[str, Any], param: str) -> dict[str, Any]:
    role = item.get("role")
    if role not in ("user", "assistant", "system", "developer"):
        raise InvalidRequest(f"'{param}.role' is not a valid role.", param=f"{param}.role")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    parts = _parts(content, f"{param}.content")
    if role in ("assistant", "system", "developer"):
        # Chat takes text only for these roles; their parts are output_text or input_text.
        return {"role": role, "content": "".join(p.get("text", "") for p in parts)}
    return {"role": role, "content": parts}


def _parts(content: Any, param: str) -> list[dict[str, Any]]:
    """Chat content parts for Responses content parts."""
    parts: list[dict[str, Any]] = []
    for index, part in enumerate(_list(content, param)):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "refusal":
            parts.append({"type": "text", "text": part.get("refusal", "")})
        elif kind == "input_image":
            image = {"url": part.get("image_url") or part.get("file_id") or ""}
            if part.get("detail"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file":
            file = {k: part[k] for k in ("file_data", "file_id", "filename") if k in part}
            parts.append({"type": "file", "file": file})
        else:
            raise InvalidRequest(
                f"Content parts of type '{kind}' are not supported.", param=f"{param}[{index}]"
            )
    return parts


def _tool(tool: Any, index: int) -> dict[str, Any]:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise InvalidRequest(
            f"Hosted tools ('{kind}') run upstream, out of reach of specguard's tool guard; "
            "only function tools are supported.",
            param=f"tools[{index}]",
        )
    function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool}
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    return choice


def _response_format(text: Any) -> dict[str, Any] | None:
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict) or fmt.get("type") in (None, "text"):
        return None
    if fmt.get("type") == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return {"type": "json_schema", "json_schema": schema}
    return {"type": fmt["type"]}


# --- answers -------------------------------------------------------------------------------------


def from_chat(completion: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The Responses object for a (screened) chat completion answering ``request``."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    finish = choice.get("finish_reason")
    structured = _response_format(request.get("text")) is not None
    ident = str(completion.get("id", "")).removeprefix("chatcmpl-") or "specguard"
    output = output_items(message, ident, structured and finish == "content_filter")
    response = envelope(completion, request, ident, _status(finish), output)
    response["usage"] = usage(completion.get("usage"))
    if "specguard" in choice:
        response["specguard"] = choice["specguard"]
    return response


def output_items(message: dict[str, Any], ident: str, as_refusal: bool) -> list[dict[str, Any]]:
    """Output items for a chat message: reasoning, then the message, then function calls."""
    items: list[dict[str, Any]] = []
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        items.append(reasoning_item(ident, reasoning))
    content = message.get("content")
    refusal = message.get("refusal")
    parts: list[dict[str, Any]] = []
    if isinstance(content, str) and content and not (as_refusal and refusal):
        parts.append(text_part(content))
    if isinstance(refusal, str) and refusal and (as_refusal or not content):
        parts.append({"type": "refusal", "refusal": refusal})
    if parts:
        items.append(message_item(ident, parts))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        items.append(
            function_item(call.get("id", ""), function.get("name", ""), function.get("arguments"))
        )
    return items


def text_part(text: str) -> dict[str, Any]:
    """An ``output_text`` content part."""
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def message_item(
    ident: str, parts: list[dict[str, Any]], status: str = "completed"
) -> dict[str, Any]:
    """An assistant ``message`` output item."""
    return {
        "type": "message",
        "id": f"msg_{ident}",
        "status": status,
        "role": "assistant",
        "content": parts,
    }


def function_item(
    call_id: str, name: str, arguments: Any, status: str = "completed"
) -> dict[str, Any]:
    """A ``function_call`` output item."""
    return {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else "",
        "status": status,
    }


def reasoning_item(ident: str, summary: str) -> dict[str, Any]:
    """A ``reasoning`` output item carrying the (screened) reasoning text as its summary."""
    return {
        "type": "reasoning",
        "id": f"rs_{ident}",
        "summary": [{"type": "summary_text", "text": summary}],
    }


def _status(finish: Any) -> str:
    return "incomplete" if finish == "length" else "completed"


def envelope(
    completion: dict[str, Any],
    request: dict[str, Any],
    ident: str,
    status: str,
    output: list[dict[str, Any]],
    finish: Any = None,
) -> dict[str, Any]:
    """The ``response`` object around ``output``, echoing the request's settings."""
    choice = (completion.get("choices") or [{}])[0]
    reason = _FINISH_INCOMPLETE.get(finish or choice.get("finish_reason"))
    return {
        "id": f"resp_{ident}",
        "object": "response",
        "created_at": completion.get("created", 0),
        "status": status,
        "error": None,
        "incomplete_details": {"reason": reason} if reason else None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "model": completion.get("model") or request.get("model"),
        "output": output,
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": None,
        "reasoning": request.get("reasoning"),
        "store": False,
        "temperature": request.get("temperature"),
        "text": request.get("text") or {"format": {"type": "text"}},
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": request.get("tools") or [],
        "top_p": request.get("top_p"),
        "truncation": "disabled",
        "usage": None,
        "user": request.get("user"),
        "metadata": request.get("metadata") or {},
    }


def usage(chat_usage: Any) -> dict[str, Any] | None:
    """Responses ``usage`` from chat ``usage``."""
    if not isinstance(chat_usage, dict):
        return None
    prompt = _count(chat_usage, "prompt_tokens")
    completion = _count(chat_usage, "completion_tokens")
    return {
        "input_tokens": prompt,
        "input_tokens_details": {
            "cached_tokens": _count(chat_usage.get("prompt_tokens_details"), "cached_tokens")
        },
        "output_tokens": completion,
        "output_tokens_details": {
            "reasoning_tokens": _count(
                chat_usage.get("completion_tokens_details"), "reasoning_tokens"
            )
        },
        "total_tokens": _count(chat_usage, "total_tokens") or prompt + completion,
    }


def _count(usage: Any, key: str) -> int:
    """The token count ``usage[key]``; 0 when it is missing or not an integer (a usage field
    is copied into the answer, so it may carry nothing but a number)."""
    value = usage.get(key) if isinstance(usage, dict) else None
    return value if type(value) is int else 0
