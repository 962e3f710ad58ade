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
    # Choose the HTTP status from the request (e.g. fail only the request about one case).
    status_for: Callable[[dict[str, Any]], int] | None = None


@dataclass
class FakeOpenAI:
    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    default: Scripted = field(default_factory=Scripted)
    in_flight: int = 0  # requests being answered right now
    max_in_flight: int = 0  # the most ever answered at once: what a concurrency bound must cap

    def sent_text(self) -> str:
        """Everything the client sent, as one string, for privacy assertions."""
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)


def _app(fake: FakeOpenAI) -> Starlette:
    async def completions(request: Request) -> JSONResponse:
        body = await request.json()
        fake.requests.append(body)
        step = fake.script.pop(0) if fake.script else fake.default
        fake.in_flight += 1  # one event loop answers every request, so no lock is needed
        fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            if step.delay_s:
                await asyncio.sleep(step.delay_s)
        finally:
            fake.in_flight -= 1
        status = step.status_for(body) if step.status_for else step.status
        if status != 200:
            return JSONResponse({"error": {"message": "scripted failure", "type": "test"}},
                                status_code=status, headers={"retry-after-ms": "10"})
        return JSONResponse({
            "id": f"chatcmpl-{len(fake.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "refusal": None,
                "content": step.respond(body) if step.respond else step.content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    async def stats(_request: Request) -> JSONResponse:
        return JSONResponse({"requests": len(fake.requests), "max_in_flight": fake.max_in_flight})

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"]),
                             Route("/stats", stats)])


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


class _Counted(list):  # type: ignore[type-arg]
    """Counts appended requests without keeping them."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def append(self, _item: object) -> None:
        self.count += 1

    def __len__(self) -> int:
        return self.count


def cite_every_interaction(body: dict[str, Any]) -> str:
    """A model-like answer: one sentence citing every "[id]" line of the prompt."""
    import re

    ids = [int(i) for i in re.findall(r"^\[(\d+)\]", body["messages"][-1]["content"], re.M)]
    return json.dumps({"sentences": [{"text": f"Summary of {len(ids)} notes.",
                                      "interaction_ids": ids}]})


if __name__ == "__main__":  # a stand-alone fake for benchmarks: python -m tests.fake_openai
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per answer")
    args = parser.parse_args()
    fake = FakeOpenAI(default=Scripted(respond=cite_every_interaction, delay_s=args.delay))
    fake.requests = _Counted()  # keep counts, not a thousand request bodies
    uvicorn.run(_app(fake), host="127.0.0.1", port=args.port, log_level="warning")
