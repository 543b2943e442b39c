"""esskit's benchmarks: start-up against a bare Typer app, search on large synthetic catalogues,
and the relevance of search on the shared queries.

    python benchmarks/bench.py                 # everything
    python benchmarks/bench.py --startup       # start-up ratios only
    python benchmarks/bench.py --scale         # 1 000 / 10 000 / 100 000 sheets
    python benchmarks/bench.py --relevance     # top-1 and top-3 on tests/data/relevance.json

Start-up is measured as ratios to a "hello world" Typer app run in the same environment, in
alternating rounds (baseline, then each command, in a new random order each round), so that a
noisy machine slows all of them alike. Needs only the standard library and esskit's dependencies.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HELLO = """\
import typer

app = typer.Typer()


@app.command()
def main(name: str = "world") -> None:
    print(f"hello {name}")


if __name__ == "__main__":
    app()
"""

JSON_COMMANDS = [
    ["--version"],
    ["list", "--json"],
    ["search", "mobilité", "--json"],
    ["show", "13", "--json"],
    ["open", "13", "--print-url"],
]
TABLE_COMMANDS = [
    ["list", "--format", "table"],
    ["search", "mobilité", "--format", "table"],
    ["show", "13", "--format", "table"],
]
JSON_GOAL, TABLE_GOAL = 1.10, 1.35
SCALE_SIZES = (1_000, 10_000, 100_000)
SCALE_GOAL_SECONDS, SCALE_GOAL_MIB = 1.0, 300  # for the largest size
SCALE_QUERY = "mobilité"
HEAVIER_QUERIES = (
    ("ESS", "matches nearly every sheet"),
    ("politique", "matches many sheets"),
    ("mobilty", "a typo: close spellings are scored too"),
    ("xyzzy", "nothing found: close sheets are looked for too"),
)


def esskit() -> list[str]:
    """The `esskit` script installed with this Python (not another one on PATH), else
    `python -m esskit`."""
    script = Path(sys.executable).parent / "esskit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "esskit"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time in seconds and peak memory in KiB of one run (its output is discarded)."""
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env) as p:
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        if p.returncode not in (0, 1):
            error = p.stderr.read().decode() if p.stderr else ""
            raise SystemExit(f"{' '.join(command)} failed ({p.returncode}): {error}")
    return elapsed, usage.ru_maxrss


def byte_compile() -> None:
    """Compile esskit's modules as `pip install .` does, so that an editable install or a
    PYTHONDONTWRITEBYTECODE environment is not timed compiling source (Typer's are compiled)."""
    found = subprocess.run(
        [sys.executable, "-c", "import esskit, os; print(os.path.dirname(esskit.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    )
    compileall.compile_dir(found.stdout.strip(), quiet=1)


def startup(rounds: int) -> list[tuple[str, float, float, float]]:
    """(command, median seconds, ratio to baseline, goal) for every command."""
    byte_compile()
    env = {**os.environ, "COLUMNS": "100", "LANG": "C.UTF-8"}
    env.pop("ESSKIT_CATALOGUE", None)
    with tempfile.TemporaryDirectory() as folder:
        hello = Path(folder) / "hello.py"
        hello.write_text(HELLO)
        cases: dict[str, tuple[list[str], float]] = {
            "baseline: typer hello": ([sys.executable, str(hello)], 0.0)
        }
        for args in JSON_COMMANDS:
            cases["esskit " + " ".join(args)] = ([*esskit(), *args], JSON_GOAL)
        for args in TABLE_COMMANDS:
            cases["esskit " + " ".join(args)] = ([*esskit(), *args], TABLE_GOAL)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for command, _ in cases.values():  # warm the file cache
            timed(command, env)
        names = list(cases)
        for _ in range(rounds):
            random.shuffle(names)
            for name in names:
                times[name].append(timed(cases[name][0], env)[0])
    base = statistics.median(times["baseline: typer hello"])
    return [
        (name, statistics.median(times[name]), statistics.median(times[name]) / base, goal)
        for name, (_, goal) in cases.items()
    ]


def synthetic(count: int, path: Path) -> None:
    """A valid catalogue of `count` sheets in the real format, made from the kit's own sheets.

    Written one sheet at a time: a child process reports the peak memory of its parent at the
    time it was started when that is higher than its own, so this process must stay small.
    """
    base = json.loads((ROOT / "data" / "sheets.json").read_text("utf-8"))
    rng = random.Random(count)
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"kit": {json.dumps(base["kit"], ensure_ascii=False)}, "sheets": [')
        for number in range(count):
            model = base["sheets"][rng.randrange(len(base["sheets"]))]
            sheet: dict[str, Any] = {
                "number": number,
                "category": model["category"],
                "title_en": f"{model['title_en']} ({number})",
                "keywords_fr": model["keywords_fr"][:3],
                "keywords_en": model["keywords_en"][:3],
                "links": {"citego": f"https://citego.org/coretet-{number}.html"},
            }
            if "title_fr" in model:
                sheet["title_fr"] = f"{model['title_fr']} ({number})"
            out.write(("," if number else "") + json.dumps(sheet, ensure_ascii=False))
        out.write("]}")


def median_run(command: list[str], rounds: int) -> tuple[float, float]:
    """Median seconds and peak MiB of `rounds` runs of a command."""
    runs = [timed(command, {**os.environ}) for _ in range(rounds)]
    return statistics.median(run[0] for run in runs), max(run[1] for run in runs) / 1024


def scale(
    rounds: int,
) -> tuple[list[tuple[int, float, float, float]], list[tuple[str, str, float, float]]]:
    """(sheets, file MiB, median seconds of `search`, peak MiB) for each synthetic size, then
    (query, what it costs, median seconds, peak MiB) for heavier queries on the largest."""
    rows, heavier = [], []
    with tempfile.TemporaryDirectory() as folder:
        for count in SCALE_SIZES:
            path = Path(folder) / f"synthetic-{count}.json"
            synthetic(count, path)
            timed([*esskit(), "validate", str(path)], {**os.environ})  # raises if it is not valid
            search = [*esskit(), "search", "--json", "--catalogue", str(path)]
            median, peak = median_run([*search, SCALE_QUERY], rounds)
            rows.append((count, path.stat().st_size / 2**20, median, peak))
        for query, cost in HEAVIER_QUERIES:  # on the largest catalogue, the last one made
            heavier.append((query, cost, *median_run([*search, query], rounds)))
    return rows, heavier


def scale_table(rows: list[tuple[int, float, float, float]]) -> str:
    """The large-catalogue figures as a Markdown table, with the cost of each added sheet
    (flat from one size to the next when time grows linearly) and the goal for the largest."""
    lines = [
        "| sheets | file | `search` median | ms per 1,000 more sheets | peak memory | goal |",
        "|---|---|---|---|---|---|",
    ]
    previous: tuple[int, float] | None = None
    for count, size, median, peak in rows:
        step = (
            ""
            if previous is None
            else f"{(median - previous[1]) / (count - previous[0]) * 1e6:.1f}"
        )
        previous = (count, median)
        goal = ""
        if count == SCALE_SIZES[-1]:
            met = median <= SCALE_GOAL_SECONDS and peak <= SCALE_GOAL_MIB
            goal = f"≤ {SCALE_GOAL_SECONDS} s, ≤ {SCALE_GOAL_MIB} MiB {'ok' if met else 'MISSED'}"
        lines.append(
            f"| {count:,} | {size:.1f} MiB | {median:.2f} s | {step} | {peak:.0f} MiB | {goal} |"
        )
    return "\n".join(lines) + "\n"


def relevance() -> tuple[int, int, int]:
    """(queries, right sheet first, right sheet in the top 3) on the shared queries."""
    sys.path.insert(0, str(ROOT / "src"))
    from esskit import catalogue
    from esskit.search import find

    queries = json.loads((ROOT / "tests" / "data" / "relevance.json").read_text("utf-8"))
    sheets = catalogue.load().sheets
    cases = [(q, e[0]) for kind in ("title", "topic") for q, e in queries[kind]]
    ranks = [[m.sheet.number for m in find(sheets, q, limit=3)] for q, _ in cases]
    top1 = sum(rank[:1] == [expected] for rank, (_, expected) in zip(ranks, cases, strict=True))
    top3 = sum(expected in rank for rank, (_, expected) in zip(ranks, cases, strict=True))
    return len(cases), top1, top3


def machine() -> str:
    """A one-line description of the machine the figures come from."""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main() -> None:
    """Run the chosen benchmarks and print their figures as Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--startup", action="store_true", help="start-up ratios")
    parser.add_argument("--scale", action="store_true", help="search on large catalogues")
    parser.add_argument("--relevance", action="store_true", help="search relevance")
    parser.add_argument("--rounds", type=int, default=21, help="runs per command (default 21)")
    options = parser.parse_args()
    everything = not (options.startup or options.scale or options.relevance)
    print(f"machine: {machine()}\n")
    if everything or options.startup:
        print("| command | median | ratio to baseline | goal |\n|---|---|---|---|")
        for name, median, ratio, goal in startup(options.rounds):
            verdict = "" if not goal else (f"≤ {goal:.2f} " + ("ok" if ratio <= goal else "MISSED"))
            print(f"| `{name}` | {median * 1000:.0f} ms | {ratio:.2f} | {verdict} |")
        print()
    if everything or options.scale:
        rows, heavier = scale(max(3, options.rounds // 4))
        print(scale_table(rows))
        print(f"| `search` on {SCALE_SIZES[-1]:,} sheets | median | peak memory |\n|---|---|---|")
        for query, cost, median, peak in heavier:
            print(f"| `{query}` ({cost}) | {median:.2f} s | {peak:.0f} MiB |")
        print()
    if everything or options.relevance:
        total, top1, top3 = relevance()
        print(
            f"relevance: top-1 {top1}/{total} ({100 * top1 / total:.0f} %), "
            f"top-3 {top3}/{total} ({100 * top3 / total:.0f} %)"
        )


if __name__ == "__main__":
    main()
