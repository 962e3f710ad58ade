"""A fake OpenAI-compatible server on 127.0.0.1 for tests: real HTTP, scripted answers, and a
record of every request, so tests can assert on exactly what left the machine."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Scripted:
    content: str = "{}"  # the assistant message (JSON text for structured outputs)
    status: int = 200
    delay_s: float = 0.0
    # Compute the answer from the request, as a model would (e.g. to reuse a placeholder).
    respond: Callable[[dict[str, Any]], str] | None = None


@dataclass
class FakeOpenAI:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    default: Scripted = field(default_factory=Scripted)

    def sent_text(self) -> str:
        """Everything the client sent, as one string, for privacy assertions."""
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)


def _app(fake: FakeOpenAI) -> Starlette:
    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        fake.requests.append(body)
        step = fake.script.pop(0) if fake.script else fake.default
        if step.delay_s:
            await asyncio.sleep(step.delay_s)
        if step.status != 200:
            return JSONResponse({"error": {"message": "scripted failure", "type": "test"}},
                                status_code=step.status, headers={"retry-after-ms": "10"})
        return JSONResponse({
            "id": f"chatcmpl-{len(fake.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "refusal": None,
                "content": step.respond(body) if step.respond else step.content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@contextmanager
def fake_openai_server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(fake), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    fake.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
