"""`ddbtui config path|show|init`: where the config file is, what it holds, a starting one."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import tomli_w

from ddbtui import userconfig
from ddbtui.commands.common import EXIT_OK, EXIT_USAGE, CommandError, say

EXAMPLE = '''\
# ddbtui config file (TOML). Everything is optional; flags and AWS_* variables win over it.

# [target]                 # where ddbtui talks to when no flag or AWS_* variable says so
# profile = "dev"          # real AWS with this profile (SSO works: aws sso login --profile dev)
# region = "eu-west-1"
# endpoint_url = "http://127.0.0.1:8000"
# aws = true               # real AWS with the default credential chain

# [ui]
# theme = "nord"           # saved when you switch theme in the app

# [[statements]]           # saved PartiQL statements (console: ctrl+s saves, ctrl+o picks)
# name = "rich users"
# statement = "SELECT * FROM wallets WHERE balance > 100"

# [[queries]]              # ddbtui query --saved "open orders"
# name = "open orders"
# table = "orders"
# pk = "c1"
# sk_between = ["2026-01", "2026-12"]
# index = "by_status"
# filter = "amount > :min"
# values = { ":min" = 10 }

# [bench.presets.quick]    # ddbtui bench --preset quick
# strategies = "sync,aiohttp"
# items = 500
# concurrency = 16
'''


def add_arguments(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("config", help="show or create the config file",
                       description="The config file (TOML) in the user config dir: default target, "
                                   "theme, saved queries and statements, bench presets.")
    p.add_argument("action", choices=("path", "show", "init"),
                   help="path: print its path · show: print it (parsed, as TOML) · init: write a "
                        "commented example when there is none")


def cmd_config(args: argparse.Namespace) -> int:
    path = userconfig.config_path()
    if args.action == "path":
        print(path)
        return EXIT_OK
    if args.action == "init":
        if path.exists():
            raise CommandError(f"{path} already exists: edit it, or remove it first", EXIT_USAGE)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(EXAMPLE, encoding="utf-8")
        say(f"wrote {path}")
        return EXIT_OK
    cfg = userconfig.load()  # ConfigError (one sentence) on a bad file
    if not path.exists():
        say(f"no config file at {path}: defaults in use (ddbtui config init writes an example)")
        return EXIT_OK
    sys.stdout.write(tomli_w.dumps(cfg.to_toml_dict()))
    return EXIT_OK


def apply_bench_preset(argv: list[str], bench_parser: argparse.ArgumentParser) -> None:
    """`ddbtui bench --preset NAME`: the preset's values become the bench options' defaults
    (flags on the command line still win). Unknown names or options: one sentence."""
    name = _preset_name(argv)
    if name is None:
        return

    presets = userconfig.load().bench_presets
    if name not in presets:
        known = ", ".join(sorted(presets)) or "none"
        raise CommandError(f"no bench preset {name!r} in {userconfig.config_path()} (known: {known})",
                           EXIT_USAGE)
    dests = {a.dest: a for a in bench_parser._actions}
    values: dict[str, Any] = {}
    for k, v in presets[name].items():
        dest = k.replace("-", "_")
        if dest not in dests or dest in ("help", "preset", "json"):
            raise CommandError(f"bench preset {name!r}: unknown option {k!r}", EXIT_USAGE)
        action = dests[dest]
        if isinstance(v, list):
            v = ",".join(map(str, v))
        conv = action.type
        if callable(conv) and not isinstance(v, bool):
            try:
                v = conv(str(v))
            except (argparse.ArgumentTypeError, ValueError) as e:
                raise CommandError(f"bench preset {name!r}: {k} = {v!r}: {e}", EXIT_USAGE) from None
        if action.choices is not None and v not in action.choices:
            raise CommandError(f"bench preset {name!r}: {k} must be one of "
                               f"{', '.join(map(str, action.choices))}", EXIT_USAGE)
        values[dest] = v
    bench_parser.set_defaults(**values)


def _preset_name(argv: list[str]) -> str | None:
    if not argv or "bench" not in argv:
        return None
    rest = argv[argv.index("bench") + 1:]
    for i, a in enumerate(rest):
        if a == "--preset" and i + 1 < len(rest):
            return rest[i + 1]
        if a.startswith("--preset="):
            return a.split("=", 1)[1]
    return None


COMMANDS = {"config": cmd_config}


# ------------------------------------------------------------------------ completion
SHELLS = ("bash", "zsh", "fish")


def add_completion_arguments(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("completion", help="print the shell completion script (bash, zsh, fish)",
                       description="Print a completion script for your shell (argcomplete). "
                                   "bash: eval \"$(ddbtui completion bash)\" in ~/.bashrc · zsh: "
                                   "eval \"$(ddbtui completion zsh)\" in ~/.zshrc · fish: ddbtui "
                                   "completion fish > ~/.config/fish/completions/ddbtui.fish")
    p.add_argument("shell", choices=SHELLS)


def cmd_completion(args: argparse.Namespace) -> int:
    import argcomplete  # lazy: only `ddbtui completion` needs it

    sys.stdout.write(argcomplete.shellcode(["ddbtui"], shell=args.shell))
    return EXIT_OK


COMMANDS["completion"] = cmd_completion
