"""Headless subcommands registered in ddbtui.cli: `register(sub, add_target)` adds them,
`run(args)` runs one with the documented exit codes and one-sentence errors on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from ddbtui.commands import common, config_cmd, data, serve
from ddbtui.config import TargetError
from ddbtui.dynamo.errors import ValidationError, explain
from ddbtui.local.engine import EngineError

COMMANDS = {**data.COMMANDS, **config_cmd.COMMANDS, **serve.COMMANDS}
NAMES = frozenset(COMMANDS)


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", add_target: Callable[[argparse.ArgumentParser], Any]) -> None:
    data.add_arguments(sub, add_target)
    config_cmd.add_arguments(sub)
    config_cmd.add_completion_arguments(sub)
    serve.add_arguments(sub, add_target)


def run(args: argparse.Namespace) -> int:
    """Run the data command `args.command`; errors become one sentence on stderr."""
    name = args.command
    try:
        return COMMANDS[name](args)
    except common.CommandError as e:
        _err(name, e.message)
        return e.code
    except (ValidationError, TargetError) as e:
        _err(name, e.message)
        return common.EXIT_USAGE
    except BrokenPipeError:
        # the reader went away (| head): silence the interpreter's flush at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return common.EXIT_PIPE
    except KeyboardInterrupt:
        _err(name, "interrupted")
        return common.EXIT_INTERRUPTED
    except EngineError as e:
        _err(name, str(e).splitlines()[0])
        return common.EXIT_FAILED
    except Exception as e:
        if os.environ.get("DDBTUI_DEBUG"):
            raise
        _err(name, explain(e))
        return common.EXIT_FAILED


def _err(name: str, msg: str) -> None:
    print(f"ddbtui {name}: {msg}", file=sys.stderr, flush=True)
