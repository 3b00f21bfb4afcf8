"""`python -m ddbtui.bench.lifeline MODULE ARGS...`: run `python -m MODULE ARGS...` in this
process, exiting as soon as the process that started us dies (its end of the lifeline
pipe, fd $DDBTUI_LIFELINE_FD, closes). Started by `ddbtui.bench.proc.lifeline_popen`."""

from __future__ import annotations

import runpy
import sys

from ddbtui.bench.proc import watch_parent


def main() -> None:
    if len(sys.argv) < 2:
        print("usage: python -m ddbtui.bench.lifeline MODULE [ARGS...]", file=sys.stderr)
        raise SystemExit(2)
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    watch_parent(lambda: None)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
