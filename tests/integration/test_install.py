"""Install like a Python CLI: build the wheel from this tree, install it into a fresh venv, run
the `ddbtui` console script from there (not from this checkout).

To stay fast and offline the venv gets the package with --no-deps, and its dependencies from
the test environment's site-packages through a .pth file (minus moto, the optional extra, and
minus this checkout's own editable install). `pipx install .` and `uv tool install .` do the
same with a full dependency download (README).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list, *, env: dict | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    # cwd away from this checkout: `python -c` puts the current directory first on sys.path
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=timeout,
                          cwd="/")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("install")
    # this checkout must not be importable (PYTHONPATH): pip would call ddbtui installed already
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    src = tmp / "src"  # a copy: building in the checkout would leave build/ and egg-info behind
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "ddbtui", src / "ddbtui", ignore=shutil.ignore_patterns("__pycache__"))
    r = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
              "-w", tmp / "dist", src], env=env)
    assert r.returncode == 0, r.stderr
    wheel = next((tmp / "dist").glob("ddbtui-*.whl"))
    venv = tmp / "venv"
    r = _run([sys.executable, "-m", "venv", "--without-pip", venv], env=env)
    assert r.returncode == 0, r.stderr
    py = venv / "bin" / "python"
    r = _run([sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", "--no-index", wheel], env=env)
    assert r.returncode == 0, r.stderr
    # dependencies: a link farm of this environment's packages without moto and ddbtui
    deps = tmp / "deps"
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        low = entry.name.lower()
        if low.startswith(("moto", "ddbtui", "__editable__", "_ddbtui")) or low.endswith(".pth"):
            continue
        (deps / entry.name).symlink_to(entry)
    fresh_site = next((venv / "lib").glob("python3*/site-packages"))
    (fresh_site / "zz_test_deps.pth").write_text(str(deps) + "\n")
    env.update(DDBTUI_DATA_DIR=str(tmp / "data"), DDBTUI_CONFIG_DIR=str(tmp / "config"),
               DDBTUI_CACHE_DIR=str(tmp / "cache"))
    return venv, env, tmp


def test_installed_console_script_runs_from_the_venv(fresh):
    venv, env, tmp = fresh
    r = _run([venv / "bin" / "ddbtui", "--help"], env=env)
    assert r.returncode == 0, r.stderr
    for cmd in ("tables", "scan", "import", "partiql", "serve", "config", "completion", "bench"):
        assert cmd in r.stdout
    r = _run([venv / "bin" / "python", "-c",
              "import ddbtui, pathlib; p = pathlib.Path(ddbtui.__file__).parent; "
              "print(p); print(sorted(x.name for x in (p / 'ui' / 'screens').glob('*.tcss')))"], env=env)
    where, tcss = r.stdout.splitlines()
    assert where.startswith(str(venv)), where  # the installed copy, not this checkout
    assert "partiql.tcss" in tcss and "items.tcss" in tcss  # package data made it into the wheel
    r = _run([venv / "bin" / "ddbtui", "completion", "fish"], env=env)
    assert r.returncode == 0 and "complete" in r.stdout and "ddbtui" in r.stdout


def test_moto_is_an_extra_with_a_clear_sentence(fresh):
    venv, env, tmp = fresh
    r = _run([venv / "bin" / "ddbtui", "tables", "--engine", "moto"], env=env)
    assert r.returncode == 1 and r.stdout == ""
    assert "moto is not installed" in r.stderr and "pip install 'ddbtui[moto]'" in r.stderr
    assert r.stderr.count("\n") == 1
    # auto mode without Java (PATH holds only the venv) would need moto: say both ways out
    r = _run([venv / "bin" / "ddbtui", "tables"], env={**env, "PATH": str(venv / "bin")})
    assert r.returncode == 1
    assert "Java" in r.stderr and "ddbtui[moto]" in r.stderr and "default-jre-headless" in r.stderr
