"""Mutation testing of the pure rule modules, each against its own tests (``make mutation``).

For every ``src/onewindow/*/rules.py`` (and ``core/workdays.py``) with a test module beside it
(``tests/test_rules.py``, ``tests/test_workdays.py``), mutmut 3 mutates only that module and runs
only that test module against each mutant, in a scratch copy of the project under
``var/mutation/<name>/`` (the working tree is never touched). Prints one line per module:
mutants, killed, survived (including mutants no test reached), timeouts, and the kill rate
(killed + timeouts over all mutants), and exits non-zero when a module is below
``--min`` (90 % by default). ``--survivors`` lists the surviving mutants to look at with
``cd var/mutation/<name> && mutmut show <mutant>``.

    .venv/bin/python bench/mutation.py [--only cases,tickets] [--jobs 2] [--min 90] [--survivors]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "onewindow"
WORK = ROOT / "var" / "mutation"
COPY = ("src", "config", "conftest.py", "manage.py", "templates", "locale")


@dataclass(frozen=True)
class Target:
    name: str  # "cases", "core.workdays"
    module: str  # src/onewindow/cases/rules.py
    tests: str  # src/onewindow/cases/tests/test_rules.py


def targets() -> list[Target]:
    found = [Target("core.workdays", "src/onewindow/core/workdays.py", "src/onewindow/core/tests/test_workdays.py")]
    for rules in sorted(SRC.glob("*/rules.py")):
        app = rules.parent.name
        tests = rules.parent / "tests" / "test_rules.py"
        if tests.exists():
            found.append(Target(app, str(rules.relative_to(ROOT)), str(tests.relative_to(ROOT))))
        else:
            print(f"{app}: rules.py has no tests/test_rules.py: skipped (counts as 0 %)", file=sys.stderr)
            found.append(Target(app, str(rules.relative_to(ROOT)), ""))
    return found


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".mypy_cache", ".pytest_cache", "media")}


def prepare(target: Target) -> Path:
    """A scratch copy of the project whose pyproject.toml tells mutmut what to mutate and test."""
    work = WORK / target.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for item in COPY:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, work / item, ignore=_ignore)
        elif source.exists():
            shutil.copy2(source, work / item)
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    config += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f'only_mutate = ["{target.module}"]\n'
        f'pytest_add_cli_args_test_selection = ["{target.tests}"]\n'
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist", "-q"]\n'
        "use_git_change_detection = false\n"
        f"also_copy = {json.dumps([c for c in COPY if c != 'src'])}\n"
    )
    (work / "pyproject.toml").write_text(config, encoding="utf-8")
    return work


@dataclass
class Result:
    target: Target
    total: int = 0
    killed: int = 0
    survived: int = 0
    no_tests: int = 0
    timeout: int = 0
    other: int = 0
    seconds: float = 0.0
    survivors: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        return 100.0 * (self.killed + self.timeout) / self.total if self.total else 0.0


def run(target: Target, jobs: int) -> Result:
    result = Result(target)
    if not target.tests:
        return result
    work = prepare(target)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "ONEWINDOW_EMBEDDINGS": "off"}
    mutmut = [sys.executable, "-m", "mutmut"]
    started = time.monotonic()
    subprocess.run([*mutmut, "run", "--max-children", str(jobs)], cwd=work, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    result.seconds = time.monotonic() - started
    subprocess.run([*mutmut, "export-cicd-stats"], cwd=work, env=env, capture_output=True, check=False)
    stats_file = work / "mutants" / "mutmut-cicd-stats.json"
    if stats_file.exists():
        stats = json.loads(stats_file.read_text())
        result.killed = int(stats.get("killed", 0))
        result.survived = int(stats.get("survived", 0))
        result.no_tests = int(stats.get("no_tests", 0))
        result.timeout = int(stats.get("timeout", 0))
        result.total = int(stats.get("total", 0))
        result.other = result.total - result.killed - result.survived - result.no_tests - result.timeout
    listing = subprocess.run([*mutmut, "results"], cwd=work, env=env,
                             capture_output=True, text=True, check=False).stdout
    result.survivors = tuple(line.strip() for line in listing.splitlines()
                             if ": survived" in line or ": no tests" in line)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated target names (cases,core.workdays,…)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--min", type=float, default=90.0, help="lowest kill rate accepted (%%)")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args()
    wanted = {name for name in args.only.split(",") if name}
    chosen = [t for t in targets() if not wanted or t.name in wanted]
    print(f"{'module':<36} {'mutants':>7} {'killed':>6} {'survived':>8} {'no test':>7} {'timeout':>7} "
          f"{'kill rate':>9} {'time':>6}")
    failed = []
    for target in chosen:
        result = run(target, args.jobs)
        print(f"{target.module:<36} {result.total:>7} {result.killed:>6} {result.survived:>8} {result.no_tests:>7} "
              f"{result.timeout:>7} {result.rate:>8.1f}% {result.seconds:>5.0f}s", flush=True)
        if args.survivors:
            for line in result.survivors:
                print(f"    {line}")
        if result.rate < args.min:
            failed.append(target.name)
    if failed:
        print(f"below {args.min:.0f} %: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
