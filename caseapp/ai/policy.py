"""The organisation's AI choices, applied in one place by every AI service.

An admin can turn AI off altogether, and, for an endpoint on this machine only, let real names
go to it instead of placeholders. A deployment can also allow that with CASEAPP_AI_PSEUDONYMISE=0.
An endpoint elsewhere always gets placeholders (``AIConfig.pseudonymise``).
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlparse

from sqlmodel import Session

from caseapp.ai.client import AIConfig, ai_config
from caseapp.errors import PermissionDenied
from caseapp.models import Organisation

AI_OFF = "AI features are turned off for this organisation. An admin can turn them on in Settings."


def _org(db: Session) -> Organisation | None:
    return db.get(Organisation, 1)


def require_ai_on(db: Session) -> None:
    org = _org(db)
    if org is not None and not org.ai_enabled:
        raise PermissionDenied(AI_OFF)


def model_config(db: Session) -> AIConfig | None:
    """The endpoint to use, with the organisation's pseudonymisation choice applied; None means
    the offline default."""
    config = ai_config()
    if config is None:
        return None
    org = _org(db)
    real_names = bool(org and org.ai_real_names) or not config.pseudonymise_setting
    return replace(config, pseudonymise_setting=not real_names)


def sent_to(config: AIConfig) -> dict[str, object]:
    """What the audit trail records about text that left for an endpoint."""
    url = config.azure_endpoint or config.base_url or "https://api.openai.com"
    return {"endpoint": urlparse(url).hostname, "model": config.model,
            "pseudonymised": config.pseudonymise}
