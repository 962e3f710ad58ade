"""The real openai client against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from caseapp.ai.client import AIConfig, AIUnavailable, ai_config, structured
from tests.fake_openai import FakeOpenAI, Scripted, fake_openai_server


class Answer(BaseModel):
    sentences: list[str]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with fake_openai_server() as server:
        yield server


def _config(fake: FakeOpenAI, max_retries: int = 0) -> AIConfig:
    return AIConfig(model="test-model", base_url=fake.url, timeout_s=5, max_retries=max_retries)


def test_structured_answer_is_parsed_and_nothing_is_stored(fake: FakeOpenAI) -> None:
    fake.default = Scripted(json.dumps({"sentences": ["One.", "Two."]}))
    answer = structured(_config(fake), "You summarise.", "Notes here", Answer)
    assert answer.sentences == ["One.", "Two."]
    (sent,) = fake.requests
    assert sent["store"] is False and sent["model"] == "test-model"
    assert sent["response_format"]["type"] == "json_schema"
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


def test_rate_limit_is_retried_then_answered(fake: FakeOpenAI) -> None:
    fake.script = [Scripted(status=429), Scripted(json.dumps({"sentences": ["Done."]}))]
    answer = structured(_config(fake, max_retries=2), "s", "u", Answer)
    assert answer.sentences == ["Done."] and len(fake.requests) == 2


@pytest.mark.parametrize(("step", "message"), [
    (Scripted(status=500), "error 500"),
    (Scripted(status=429), "busy"),
    (Scripted(status=401), "refused Caseline's key"),
    (Scripted(content="this is not json"), "could not read"),
    (Scripted(delay_s=2.0), "took too long"),
])
def test_failures_become_one_clear_message(fake: FakeOpenAI, step: Scripted,
                                           message: str) -> None:
    fake.default = step
    config = AIConfig(model="m", base_url=fake.url, timeout_s=0.5, max_retries=0)
    with pytest.raises(AIUnavailable, match=message):
        structured(config, "s", "u", Answer)


def test_unreachable_endpoint_is_a_clear_message() -> None:
    config = AIConfig(model="m", base_url="http://127.0.0.1:9/v1", timeout_s=1, max_retries=0)
    with pytest.raises(AIUnavailable, match="could not reach"):
        structured(config, "s", "u", Answer)


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CASEAPP_AI_MODEL", "CASEAPP_AI_BASE_URL", "CASEAPP_AI_API_KEY",
                 "CASEAPP_AI_AZURE_ENDPOINT", "CASEAPP_AI_AZURE_DEPLOYMENT"):
        monkeypatch.delenv(name, raising=False)
    assert ai_config() is None  # the offline default
    monkeypatch.setenv("CASEAPP_AI_MODEL", "llama3.1")
    monkeypatch.setenv("CASEAPP_AI_BASE_URL", "http://localhost:11434/v1")
    local = ai_config()
    assert local is not None and not local.leaves_the_machine and local.pseudonymise
    monkeypatch.setenv("CASEAPP_AI_PSEUDONYMISE", "0")
    assert not ai_config().pseudonymise  # type: ignore[union-attr]  # admin's choice, local
    monkeypatch.setenv("CASEAPP_AI_BASE_URL", "https://api.example.com/v1")
    outside = ai_config()
    assert outside is not None and outside.leaves_the_machine
    assert outside.pseudonymise  # the setting cannot turn it off for an outside endpoint
