"""The one client for AI endpoints, built on the ``openai`` library.

OpenAI, Azure OpenAI and any OpenAI-compatible server (Ollama, vLLM, llama.cpp) work through
configuration alone. Answers are structured (pydantic models), nothing is stored by the provider
(``store=False``), calls time out and retry with back-off on rate limits, and every failure
becomes one clear message so the page keeps working.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlparse

import openai
from pydantic import BaseModel, ValidationError

from caseapp.errors import CaselineError

T = TypeVar("T", bound=BaseModel)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class AIUnavailable(CaselineError):
    """The AI endpoint could not answer; the message says so in plain words."""


@dataclass(frozen=True)
class AIConfig:
    model: str
    base_url: str | None = None
    api_key: str | None = None
    azure_endpoint: str | None = None
    azure_deployment: str | None = None
    azure_api_version: str | None = None
    timeout_s: float = 60.0
    max_retries: int = 3
    # Pseudonymise before sending. Only an admin's choice for an endpoint on this machine can
    # turn it off; for anything else it stays on whatever the setting says.
    pseudonymise_setting: bool = True

    @property
    def leaves_the_machine(self) -> bool:
        """True unless the endpoint is on this machine (then pseudonymising may be turned off)."""
        host = urlparse(self.azure_endpoint or self.base_url or "https://api.openai.com").hostname
        return host not in _LOCAL_HOSTS

    @property
    def pseudonymise(self) -> bool:
        return self.pseudonymise_setting or self.leaves_the_machine


def ai_config() -> AIConfig | None:
    """From the environment; None means the offline default."""
    env = os.environ.get
    model = env("CASEAPP_AI_MODEL") or env("CASEAPP_AI_AZURE_DEPLOYMENT")
    if not model or not (env("CASEAPP_AI_BASE_URL") or env("CASEAPP_AI_API_KEY")
                         or env("CASEAPP_AI_AZURE_ENDPOINT")):
        return None
    return AIConfig(
        model=model, base_url=env("CASEAPP_AI_BASE_URL") or None,
        api_key=env("CASEAPP_AI_API_KEY") or None,
        azure_endpoint=env("CASEAPP_AI_AZURE_ENDPOINT") or None,
        azure_deployment=env("CASEAPP_AI_AZURE_DEPLOYMENT") or None,
        azure_api_version=env("CASEAPP_AI_AZURE_API_VERSION") or "2024-10-21",
        timeout_s=float(env("CASEAPP_AI_TIMEOUT_SECONDS") or 60),
        max_retries=int(env("CASEAPP_AI_MAX_RETRIES") or 3),
        pseudonymise_setting=env("CASEAPP_AI_PSEUDONYMISE", "1").strip() != "0",
    )


@lru_cache(maxsize=8)  # one client per configuration: building one loads the CA bundle
def _client(config: AIConfig) -> openai.OpenAI:  # (~60 ms), and it reuses connections
    if config.azure_endpoint:
        return openai.AzureOpenAI(
            azure_endpoint=config.azure_endpoint, azure_deployment=config.azure_deployment,
            api_version=config.azure_api_version, api_key=config.api_key,
            timeout=config.timeout_s, max_retries=config.max_retries)
    # Self-hosted servers often need no key; the library insists on one, so give a stand-in.
    return openai.OpenAI(base_url=config.base_url, api_key=config.api_key or "not-needed",
                         timeout=config.timeout_s, max_retries=config.max_retries)


def structured(config: AIConfig, system: str, user: str, schema: type[T]) -> T:
    """Ask for an answer shaped like ``schema``. Raises AIUnavailable with a clear message."""
    try:
        completion = _client(config).chat.completions.parse(
            model=config.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            response_format=schema,
            store=False,
            temperature=0,
        )
    except openai.APITimeoutError as exc:
        raise AIUnavailable("The AI service took too long to answer. Try again in a minute; "
                            "nothing was changed.") from exc
    except openai.RateLimitError as exc:
        raise AIUnavailable("The AI service is busy (rate limited). Try again shortly; nothing "
                            "was changed.") from exc
    except openai.AuthenticationError as exc:
        raise AIUnavailable("The AI service refused Caseline's key. An admin needs to check "
                            "the AI settings.") from exc
    except openai.APIConnectionError as exc:
        raise AIUnavailable("Caseline could not reach the AI service. Check the connection "
                            "or the AI settings; nothing was changed.") from exc
    except openai.APIStatusError as exc:
        raise AIUnavailable(f"The AI service failed (error {exc.status_code}). Try again "
                            "later; nothing was changed.") from exc
    except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as exc:
        raise AIUnavailable("The AI service could not finish its answer.") from exc
    except ValidationError as exc:
        raise AIUnavailable("The AI service answered in a form Caseline could not read.") from exc
    message = completion.choices[0].message
    if message.parsed is None:
        raise AIUnavailable("The AI service answered in a form Caseline could not read.")
    return message.parsed
