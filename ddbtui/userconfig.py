"""The user's config file: TOML in the platformdirs config dir (`ddbtui config path`).

```toml
[target]            # used when no flag or AWS_* variable says otherwise
profile = "dev"     # or endpoint_url = "http://127.0.0.1:8000", or aws = true
region = "eu-west-1"

[ui]
theme = "nord"

[[statements]]      # saved PartiQL statements (the console's ctrl+s)
name = "rich users"
statement = "SELECT * FROM wallets WHERE balance > 100"

[[queries]]         # saved queries (ddbtui query --saved NAME)
name = "open orders"
table = "orders"
pk = "c1"
index = "by_status"

[bench.presets.quick]   # ddbtui bench --preset quick
strategies = "sync,aiohttp"
items = 500
```

Read with tomllib; written (by the app: saved statements, theme, target switch) with
tomli-w to a temporary sibling then renamed. Unknown keys are kept on rewrite. A file that is
not valid TOML gives one sentence naming the file and line, and is never overwritten.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from ddbtui.errors import ValidationError
from ddbtui.paths import atomic_text_writer, data_dir

APP = "ddbtui"
TARGET_KEYS = ("endpoint_url", "profile", "region", "aws")


class ConfigError(ValidationError):
    """The config file cannot be read or is not what ddbtui expects (one sentence)."""


def config_dir() -> Path:
    base = os.environ.get("DDBTUI_CONFIG_DIR")
    return Path(base) if base else Path(platformdirs.user_config_dir(APP))


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass
class Statement:
    name: str
    statement: str


@dataclass
class UserConfig:
    target: dict[str, Any] = field(default_factory=dict)
    theme: str | None = None
    statements: list[Statement] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)
    bench_presets: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # the whole document (unknown keys kept)
    path: Path | None = None

    def statement(self, name: str) -> Statement | None:
        return next((s for s in self.statements if s.name == name), None)

    def query(self, name: str) -> dict[str, Any] | None:
        return next((q for q in self.queries if q.get("name") == name), None)

    def to_toml_dict(self) -> dict[str, Any]:
        doc = dict(self.raw)
        target = {k: v for k, v in self.target.items() if v not in (None, "", False)}
        if target:
            doc["target"] = target
        else:
            doc.pop("target", None)
        ui = dict(doc.get("ui") or {})
        if self.theme:
            ui["theme"] = self.theme
        else:
            ui.pop("theme", None)
        if ui:
            doc["ui"] = ui
        else:
            doc.pop("ui", None)
        if self.statements:
            doc["statements"] = [{"name": s.name, "statement": s.statement} for s in self.statements]
        else:
            doc.pop("statements", None)
        if self.queries:
            doc["queries"] = [dict(q) for q in self.queries]
        else:
            doc.pop("queries", None)
        bench = dict(doc.get("bench") or {})
        if self.bench_presets:
            bench["presets"] = {k: dict(v) for k, v in self.bench_presets.items()}
        else:
            bench.pop("presets", None)
        if bench:
            doc["bench"] = bench
        else:
            doc.pop("bench", None)
        return doc


def _table(doc: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    v = doc.get(key, {})
    if not isinstance(v, dict):
        raise ConfigError(f"{path}: [{key}] must be a table")
    return v


def _list_of_tables(doc: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    v = doc.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise ConfigError(f"{path}: {key} must be written as [[{key}]] tables")
    for i, x in enumerate(v, 1):
        if not isinstance(x.get("name"), str) or not x["name"].strip():
            raise ConfigError(f"{path}: [[{key}]] number {i} needs a name")
    return v


def parse(doc: dict[str, Any], path: Path) -> UserConfig:
    target = _table(doc, "target", path)
    unknown = sorted(set(target) - set(TARGET_KEYS))
    if unknown:
        raise ConfigError(f"{path}: [target] has unknown key {unknown[0]!r} "
                          f"(known: {', '.join(TARGET_KEYS)})")
    for k in ("endpoint_url", "profile", "region"):
        if k in target and not isinstance(target[k], str):
            raise ConfigError(f"{path}: [target] {k} must be a string")
    if "aws" in target and not isinstance(target["aws"], bool):
        raise ConfigError(f"{path}: [target] aws must be true or false")
    ui = _table(doc, "ui", path)
    theme = ui.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise ConfigError(f"{path}: [ui] theme must be a string")
    stmts = []
    for x in _list_of_tables(doc, "statements", path):
        if not isinstance(x.get("statement"), str):
            raise ConfigError(f"{path}: statement {x['name']!r} needs statement = \"...\"")
        stmts.append(Statement(x["name"], x["statement"]))
    queries = _list_of_tables(doc, "queries", path)
    for q in queries:
        if not isinstance(q.get("table"), str):
            raise ConfigError(f"{path}: query {q['name']!r} needs table = \"...\"")
    bench = _table(doc, "bench", path)
    presets = bench.get("presets", {})
    if not isinstance(presets, dict) or not all(isinstance(v, dict) for v in presets.values()):
        raise ConfigError(f"{path}: bench presets must be written as [bench.presets.NAME] tables")
    return UserConfig(target=dict(target), theme=theme, statements=stmts, queries=list(queries),
                      bench_presets={k: dict(v) for k, v in presets.items()}, raw=doc, path=path)


def load(path: Path | None = None) -> UserConfig:
    """The config (empty when the file does not exist). ConfigError on a bad file."""
    p = path or config_path()
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        return UserConfig(path=p)
    except OSError as e:
        raise ConfigError(f"cannot read the config file {p}: {e.strerror}") from None
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"the config file {p} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"the config file {p} is not valid TOML: {e}") from None
    return parse(doc, p)


def save(cfg: UserConfig, path: Path | None = None) -> Path:
    """Write atomically (temporary sibling, then rename)."""
    p = path or cfg.path or config_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    text = tomli_w.dumps(cfg.to_toml_dict())
    with atomic_text_writer(p) as f:
        f.write(text)
    cfg.path = p
    return p


def save_statement(name: str, statement: str, path: Path | None = None) -> UserConfig:
    """Add or replace a saved PartiQL statement by name (re-reads the file first)."""
    name = name.strip()
    if not name:
        raise ValidationError("give the statement a name", field="name")
    if not statement.strip():
        raise ValidationError("the statement is empty", field="statement")
    cfg = load(path)
    cfg.statements = [s for s in cfg.statements if s.name != name] + [Statement(name, statement.strip())]
    save(cfg, path)
    return cfg


def delete_statement(name: str, path: Path | None = None) -> UserConfig:
    cfg = load(path)
    cfg.statements = [s for s in cfg.statements if s.name != name]
    save(cfg, path)
    return cfg


def update(path: Path | None = None, **changes: Any) -> UserConfig:
    """Set top-level fields (theme=..., target={...}) and save."""
    cfg = load(path)
    for k, v in changes.items():
        setattr(cfg, k, v)
    save(cfg, path)
    return cfg


# ------------------------------------------------------------------ console history
HISTORY_MAX = 200


def history_path() -> Path:
    return data_dir() / "partiql_history.jsonl"


def load_history() -> list[str]:
    """Recent PartiQL statements, oldest first (unreadable lines are skipped)."""
    try:
        lines = history_path().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in lines[-HISTORY_MAX:]:
        try:
            text = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(text, str) and text.strip():
            out.append(text)
    return out


def append_history(text: str) -> None:
    p = history_path()
    with open(p, "a", encoding="utf-8") as f:
        f.write(json.dumps(text) + "\n")
    if p.stat().st_size > 256 * 1024:  # keep the file short: rewrite with the last entries
        keep = load_history()[-HISTORY_MAX:]
        p.write_text("".join(json.dumps(t) + "\n" for t in keep), encoding="utf-8")
