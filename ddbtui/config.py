"""Where ddbtui talks to: one resolved `Connection` (endpoint, region, credentials source).

`resolve_target(...)` is the one place a target is decided; every client (boto3, aioboto3,
the raw aiohttp client, benchmark worker processes, the fault proxy's admin path) is built
from the `Connection` it returns (see `ddbtui.dynamo.clients`), so what the header shows is
what every request reaches.

- Endpoint: `--endpoint-url` wins; otherwise botocore's own configured-endpoint resolution
  (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, the profile's `services` section, the
  profile's `endpoint_url`, honouring `ignore_configured_endpoint_urls`), otherwise the AWS
  regional endpoint botocore computes for the region. After resolution `endpoint_url` is
  always the concrete URL contacted; `endpoint_source` says where it came from.
- Credentials: explicit ones (AWS_ACCESS_KEY_ID in the environment, `--profile`,
  AWS_PROFILE) are used on any endpoint, through botocore's normal chain. Only a loopback
  endpoint with nothing explicit configured (and ddbtui's own local engine) gets the fixed
  dummy key: local engines accept any key, and the implicit chain (default profile, instance
  metadata) is never consulted for them, so nothing leaves the machine.
- Safe default: with no --endpoint-url, --profile, --aws or AWS endpoint variables the target
  is a local engine that ddbtui starts itself on 127.0.0.1.

Never imports boto3; botocore is imported only when a remote target is resolved.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

from ddbtui.userconfig import load

DEFAULT_REGION = "us-east-1"
# DynamoDB Local and moto accept any key; fixed dummy values keep real ones out of play.
LOCAL_ACCESS_KEY = "ddbtuilocal"
LOCAL_SECRET_KEY = "ddbtuilocalsecret"

# where an endpoint came from (Connection.endpoint_source)
SOURCE_FLAG = "flag"
SOURCE_ENV_SERVICE = "AWS_ENDPOINT_URL_DYNAMODB"
SOURCE_ENV_GLOBAL = "AWS_ENDPOINT_URL"
SOURCE_SERVICES = "services"
SOURCE_PROFILE = "profile"
SOURCE_AWS = "aws"
SOURCE_ENGINE = "engine"
SOURCE_PROXY = "proxy"

_AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


class TargetError(ValueError):
    """The target options are unusable; str() is one sentence naming the option."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Connection:
    """The one resolved target. Holds no secrets: credentials are looked up by `profile`
    (botocore's chain) unless `local_credentials` (the fixed dummy key)."""

    endpoint_url: str | None = None  # None only before a local engine has started
    region: str = DEFAULT_REGION
    profile: str | None = None
    engine: str | None = None  # "dynamodb-local" / "moto" when ddbtui runs the engine
    local_credentials: bool = False  # use the dummy keys (local engines)
    endpoint_source: str | None = None  # SOURCE_*: where endpoint_url came from
    upstream: str | None = None  # when endpoint_url is a fault proxy: the endpoint behind it
    services_section: str | None = None  # the profile's services section, when it set the endpoint

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None and is_loopback(self.endpoint_url)

    @property
    def is_aws(self) -> bool:
        """True only when requests reach an AWS endpoint (*.amazonaws.com, *.api.aws)."""
        return self.endpoint_url is not None and is_aws_endpoint(self.endpoint_url)

    @property
    def host(self) -> str:
        if self.endpoint_url:
            u = urlparse(self.endpoint_url)
            return u.netloc or self.endpoint_url
        return "(not started)"

    def label(self) -> str:
        """Short description for headers and reports. Never credentials."""
        if self.endpoint_url is None:
            return self.engine or "local engine (not started)"
        if self.engine:
            return f"{self.engine} @ {self.host}"
        if self.is_aws:
            prof = f" profile {self.profile}" if self.profile else ""
            return f"AWS {self.region}{prof}"
        origin = self._origin()
        return f"{self.endpoint_url}{f' (from {origin})' if origin else ''}"

    def _origin(self) -> str:
        src = self.endpoint_source
        if src in (SOURCE_ENV_SERVICE, SOURCE_ENV_GLOBAL):
            return src
        if src == SOURCE_SERVICES:
            return f"services section {self.services_section} of profile {self.profile or 'default'}"
        if src == SOURCE_PROFILE:
            return f"profile {self.profile or 'default'}"
        return ""

    def describe(self) -> str:
        """The target as a sentence fragment for messages: "the local engine at
        127.0.0.1:8000", "AWS eu-west-1", "the endpoint from profile dev (http://...)"."""
        if self.upstream is not None:
            inner = replace(self, endpoint_url=self.upstream, upstream=None,
                            endpoint_source=None if self.endpoint_source == SOURCE_PROXY
                            else self.endpoint_source)
            return f"the fault proxy at {self.host} in front of {inner.describe()}"
        if self.endpoint_url is None:
            return "the local engine (not started yet)"
        if self.engine:
            name = {"dynamodb-local": "DynamoDB Local", "moto": "moto"}.get(self.engine, self.engine)
            return f"the local engine ({name}) at {self.host}"
        if self.is_aws:
            return f"AWS {self.region} ({self.host})"
        origin = self._origin()
        kind = "local endpoint" if self.is_local else "endpoint"
        if origin:
            return f"the endpoint from {origin} ({self.endpoint_url})"
        return f"the {kind} at {self.host}"

    def with_endpoint(self, endpoint_url: str, engine: str | None = None) -> Connection:
        """This connection aimed at `endpoint_url` (a local engine ddbtui started, or a test's)."""
        return replace(self, endpoint_url=endpoint_url, engine=engine,
                       endpoint_source=SOURCE_ENGINE if engine else SOURCE_FLAG, upstream=None,
                       local_credentials=is_loopback(endpoint_url) and (engine is not None or self.profile is None))

    def via_proxy(self, proxy_url: str) -> Connection:
        """The same target and credentials, reached through a fault proxy at `proxy_url`."""
        return replace(self, endpoint_url=proxy_url, upstream=self.endpoint_url,
                       endpoint_source=SOURCE_PROXY)

    def to_dict(self) -> dict[str, Any]:
        return {"endpoint_url": self.endpoint_url, "region": self.region,
                "profile": self.profile, "engine": self.engine,
                "local_credentials": self.local_credentials,
                "endpoint_source": self.endpoint_source, "upstream": self.upstream,
                "services_section": self.services_section}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Connection:
        names = ("endpoint_url", "region", "profile", "engine", "local_credentials",
                 "endpoint_source", "upstream", "services_section")
        return cls(**{k: d[k] for k in names if k in d})


def is_loopback(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def is_aws_endpoint(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host.endswith(_AWS_SUFFIXES)


@dataclass(frozen=True)
class TargetChoice:
    """What the command line and environment asked for."""

    connection: Connection
    needs_local_engine: bool


def resolve_target(*, endpoint_url: str | None = None, region: str | None = None,
                   profile: str | None = None, aws: bool = False,
                   env: Mapping[str, str] | None = None,
                   file_target: Mapping[str, object] | None = None) -> TargetChoice:
    """The one resolution of the target (see the module docstring).

    Flags, then AWS_* variables, then the config file's [target] (`file_target`; None: read
    it with ddbtui.userconfig), then the safe default: a local engine. `env` defaults to
    os.environ; the profile's config file is read by botocore (with AWS_CONFIG_FILE from
    `env` when given)."""
    env = os.environ if env is None else env
    if file_target is None:
        file_target = load().target
    region = (region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
              or str(file_target.get("region") or "") or None)
    if endpoint_url:
        _check_endpoint(endpoint_url, "--endpoint-url")
    env_endpoint = env.get(SOURCE_ENV_SERVICE) or env.get(SOURCE_ENV_GLOBAL) or None
    chose_remote = bool(endpoint_url) or bool(env_endpoint) or bool(profile) or aws
    if not chose_remote:  # nothing chosen by flags or variables: the config file's target
        endpoint_url = str(file_target.get("endpoint_url") or "") or None
        profile = str(file_target.get("profile") or "") or None
        aws = bool(file_target.get("aws"))
        if endpoint_url:
            _check_endpoint(endpoint_url, "endpoint_url in the config file")
        chose_remote = bool(endpoint_url) or bool(profile) or aws
    if not chose_remote:
        return TargetChoice(Connection(region=region or DEFAULT_REGION, local_credentials=True), True)
    profile = profile or env.get("AWS_PROFILE") or None
    session = _botocore_session(profile, env)
    scoped = _scoped_config(session, profile)
    region = region or scoped.get("region") or DEFAULT_REGION
    services_section = None
    endpoint: str
    if endpoint_url:
        endpoint, source = endpoint_url, SOURCE_FLAG
    else:
        configured, source = _configured_endpoint(session, scoped, env)
        if source == SOURCE_SERVICES:
            services_section = scoped.get("services")
        if configured is None:
            endpoint, source = _aws_endpoint(session, region), SOURCE_AWS
        else:
            endpoint = configured
            _check_endpoint(endpoint, source if source.startswith("AWS_") else
                            f"the endpoint_url of profile {profile or 'default'}")
    explicit_creds = bool(env.get("AWS_ACCESS_KEY_ID")) or profile is not None
    local_creds = is_loopback(endpoint) and not explicit_creds
    return TargetChoice(Connection(endpoint_url=endpoint.rstrip("/"), region=region, profile=profile,
                                   local_credentials=local_creds, endpoint_source=source,
                                   services_section=services_section), False)


def _check_endpoint(url: str, what: str) -> None:
    u = urlparse(url)
    if u.scheme not in ("http", "https") or not u.hostname:
        raise TargetError(f"{what} {url!r} is not an http(s) URL like http://127.0.0.1:8000",
                          field="endpoint_url")


def _botocore_session(profile: str | None, env: Mapping[str, str]) -> Any:
    import botocore.session  # lazy: only for remote targets: keeps `ddbtui` start-up light

    s = botocore.session.Session(profile=profile)
    cfg = env.get("AWS_CONFIG_FILE")
    if cfg and env is not os.environ:
        s.set_config_variable("config_file", cfg)
    return s


def _scoped_config(session: Any, profile: str | None) -> dict[str, Any]:
    from botocore.exceptions import ProfileNotFound  # lazy: botocore costs ~200 ms at start-up

    try:
        return dict(session.get_scoped_config())
    except ProfileNotFound:
        raise TargetError(f"AWS profile {profile!r} is not in your AWS config files "
                          f"({session.get_config_variable('config_file')}).", field="profile") from None


def _configured_endpoint(session: Any, scoped: dict[str, Any],
                         env: Mapping[str, str]) -> tuple[str | None, str]:
    """botocore's configured endpoint for DynamoDB and which source set it."""
    from botocore.configprovider import ConfiguredEndpointProvider  # lazy: botocore costs ~200 ms at start-up
    from botocore.exceptions import InvalidConfigError  # lazy: botocore costs ~200 ms at start-up

    if session.get_config_variable("ignore_configured_endpoint_urls"):
        return None, SOURCE_AWS

    def provide(environ: Mapping[str, str]) -> str | None:
        try:
            p = ConfiguredEndpointProvider(full_config=session.full_config, scoped_config=scoped,
                                           client_name="dynamodb", environ=dict(environ))
            found = p.provide()
            return str(found) if found else None
        except InvalidConfigError as e:
            raise TargetError(str(e), field="profile") from None

    url = provide(env)
    if url is None:
        return None, SOURCE_AWS
    if env.get(SOURCE_ENV_SERVICE) == url:
        return url, SOURCE_ENV_SERVICE
    if env.get(SOURCE_ENV_GLOBAL) == url and provide({}) != url:
        return url, SOURCE_ENV_GLOBAL
    if scoped.get("endpoint_url") == url and "services" not in scoped:
        return url, SOURCE_PROFILE
    return url, SOURCE_SERVICES if "services" in scoped else SOURCE_PROFILE


def _aws_endpoint(session: Any, region: str) -> str:
    """The regional AWS endpoint as botocore computes it (partition-aware). Dummy keys: no
    credential lookup happens here."""
    from botocore.config import Config  # lazy: botocore costs ~200 ms at start-up

    client = session.create_client("dynamodb", region_name=region, aws_access_key_id="x",
                                   aws_secret_access_key="x",
                                   config=Config(ignore_configured_endpoint_urls=True))
    url: str = client.meta.endpoint_url
    client.close()
    return url
