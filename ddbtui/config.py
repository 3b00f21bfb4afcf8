"""Where ddbtui talks to: a `Connection` (endpoint, region, profile, engine).

Safe default: with no --endpoint-url, --profile, --aws or AWS endpoint variables the
target is a local engine that ddbtui starts itself on 127.0.0.1, so nothing reaches AWS
unless the user asked for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Mapping
from urllib.parse import urlparse

DEFAULT_REGION = "us-east-1"
# DynamoDB Local and moto accept any key; fixed dummy values keep real ones out of play.
LOCAL_ACCESS_KEY = "ddbtuilocal"
LOCAL_SECRET_KEY = "ddbtuilocalsecret"

@dataclass(frozen=True)
class Connection:
    endpoint_url: str | None = None
    region: str = DEFAULT_REGION
    profile: str | None = None
    engine: str | None = None  # "dynamodb-local" / "moto" when ddbtui runs the engine
    local_credentials: bool = False  # use the dummy keys (local engines)

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None and is_loopback(self.endpoint_url)

    @property
    def is_aws(self) -> bool:
        """True when requests reach real AWS (no endpoint, or an amazonaws.com one)."""
        if self.endpoint_url is None:
            return True
        host = urlparse(self.endpoint_url).hostname or ""
        return host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn")

    @property
    def host(self) -> str:
        if self.endpoint_url:
            u = urlparse(self.endpoint_url)
            return u.netloc or self.endpoint_url
        return f"dynamodb.{self.region}.amazonaws.com"

    def label(self) -> str:
        """Short description for headers and reports. Never credentials."""
        if self.engine:
            return f"{self.engine} @ {self.host}"
        if self.is_aws:
            prof = f" profile {self.profile}" if self.profile else ""
            return f"AWS {self.region}{prof}"
        return self.endpoint_url or "?"

    def with_endpoint(self, endpoint_url: str, engine: str | None = None) -> "Connection":
        return replace(self, endpoint_url=endpoint_url, engine=engine,
                       local_credentials=is_loopback(endpoint_url) and self.profile is None)

    def to_dict(self) -> dict:
        return {"endpoint_url": self.endpoint_url, "region": self.region,
                "profile": self.profile, "engine": self.engine,
                "local_credentials": self.local_credentials}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Connection":
        return cls(**{k: d.get(k) for k in ("endpoint_url", "region", "profile", "engine",
                                            "local_credentials") if k in d})


def is_loopback(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


@dataclass(frozen=True)
class TargetChoice:
    """What the command line and environment asked for."""

    connection: Connection
    needs_local_engine: bool


def resolve_target(*, endpoint_url: str | None = None, region: str | None = None,
                   profile: str | None = None, aws: bool = False,
                   env: Mapping[str, str] | None = None) -> TargetChoice:
    env = os.environ if env is None else env
    region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    endpoint = (endpoint_url or env.get("AWS_ENDPOINT_URL_DYNAMODB")
                or env.get("AWS_ENDPOINT_URL") or None)
    if endpoint:
        _check_endpoint(endpoint)
    chose_remote = bool(endpoint) or bool(profile) or aws
    if not chose_remote:
        return TargetChoice(Connection(region=region or DEFAULT_REGION,
                                       local_credentials=True), True)
    # AWS_PROFILE applies once the user chose AWS, or a non-local endpoint
    if not profile and not (endpoint and is_loopback(endpoint)):
        profile = env.get("AWS_PROFILE") or None
    local_creds = bool(endpoint) and is_loopback(endpoint) and not profile
    if region is None and (endpoint is None or not is_loopback(endpoint)):
        region = _profile_region(profile)
    return TargetChoice(Connection(endpoint_url=endpoint, region=region or DEFAULT_REGION,
                                   profile=profile, local_credentials=local_creds), False)


def _check_endpoint(url: str) -> None:
    from ddbtui.dynamo.errors import ValidationError

    u = urlparse(url)
    if u.scheme not in ("http", "https") or not u.hostname:
        raise ValidationError(f"--endpoint-url {url!r} is not an http(s) URL like http://127.0.0.1:8000",
                              field="endpoint_url")


def _profile_region(profile: str | None) -> str | None:
    """The region configured for a profile in ~/.aws/config, if any (no network)."""
    try:
        import botocore.session

        s = botocore.session.Session(profile=profile)
        return s.get_config_variable("region")
    except Exception:
        return None
