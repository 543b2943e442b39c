"""esskit's benchmarks: start-up against a bare Typer app, search on large synthetic catalogues,
and the relevance of search on the shared queries.

    python benchmarks/bench.py                 # everything
    python benchmarks/bench.py --startup       # start-up ratios only
    python benchmarks/bench.py --scale         # 1 000 / 10 000 / 100 000 sheets, two kinds
    python benchmarks/bench.py --relevance     # top-1 and top-3 on every query set

Start-up is measured as ratios to a "hello world" Typer app run in the same environment, in
alternating rounds (baseline, then each command, in a new random order each round), so that a
noisy machine slows all of them alike; where valgrind is installed, also as the ratio of the
instructions each command executes (callgrind's count, which noise does not move). Needs only the
standard library and esskit's dependencies.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import re
import shutil
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
SCALE_GOAL_SECONDS, SCALE_GOAL_MIB = 1.0, 300  # a selective query, for the largest size
BROAD_GOAL_SECONDS = 1.5  # a query that matches most sheets
GOALS_BASELINE = 0.112
"""The Typer baseline's median, in seconds, on the machine where the goals above were set in
seconds. A goal is checked as that many baselines (1.0 s: 8.9) against the baseline measured in
the same run, so that a slower or faster machine is held to the same goal."""
SCALE_QUERY = "mobilité"
HEAVIER_QUERIES = (
    ("ESS", "matches nearly every sheet", BROAD_GOAL_SECONDS),
    ("politique", "matches many sheets", BROAD_GOAL_SECONDS),
    ("mobilty", "a typo, corrected against the index's words", SCALE_GOAL_SECONDS),
    ("comment aider un café associatif dans un village", "a question", SCALE_GOAL_SECONDS),
    ("xyzzy", "nothing found: close sheets are looked for too", SCALE_GOAL_SECONDS),
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


def instructions(command: list[str], env: dict[str, str]) -> int | None:
    """The instructions one run executes, counted by valgrind's callgrind: the same count run
    after run, whatever else the machine is doing (None without valgrind)."""
    if shutil.which("valgrind") is None:
        return None
    counted = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"^==\d+== I\s+refs:\s+([\d,]+)", counted.stderr, re.MULTILINE)
    return int(found[1].replace(",", "")) if found else None


StartupRow = tuple[str, float, float, float | None, float]
"""(command, median seconds, ratio to the baseline, ratio of instructions, goal)."""


def startup(rounds: int) -> list[StartupRow]:
    """Every command's median time and its ratio to the baseline's, its instructions' ratio to
    the baseline's, and its goal."""
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
        counts = {name: instructions(command, env) for name, (command, _) in cases.items()}
    base = statistics.median(times["baseline: typer hello"])
    base_count = counts["baseline: typer hello"]
    return [
        (
            name,
            statistics.median(times[name]),
            statistics.median(times[name]) / base,
            count / base_count if count and base_count else None,
            goal,
        )
        for (name, (_, goal)), count in zip(cases.items(), counts.values(), strict=True)
    ]


def synthetic(count: int, path: Path, kind: str = "copies") -> None:
    """A valid catalogue of `count` sheets in the real format, made from the kit's own sheets.

    `copies`: each sheet is a real one, its titles numbered. `words`: titles drawn from the real
    titles' words, so that common words recur as they do in a real library. Both keep a real
    sheet's first keywords.

    Written one sheet at a time: a child process reports the peak memory of its parent at the
    time it was started when that is higher than its own, so this process must stay small.
    """
    base = json.loads((ROOT / "data" / "sheets.json").read_text("utf-8"))
    rng = random.Random(count)
    words: dict[str, list[str]] = {}
    for key in ("title_fr", "title_en", "keywords_fr", "keywords_en"):
        values = [model.get(key) or "" for model in base["sheets"]]
        texts = [
            text for value in values for text in (value if isinstance(value, list) else [value])
        ]
        words[key] = " ".join(texts).split()

    def draw(key: str, low: int, high: int) -> str:
        return " ".join(rng.choices(words[key], k=rng.randint(low, high)))

    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"kit": {json.dumps(base["kit"], ensure_ascii=False)}, "sheets": [')
        for number in range(count):
            model = base["sheets"][rng.randrange(len(base["sheets"]))]
            sheet: dict[str, Any] = {"number": number, "category": model["category"]}
            if kind == "copies":
                sheet["title_en"] = f"{model['title_en']} ({number})"
                if "title_fr" in model:
                    sheet["title_fr"] = f"{model['title_fr']} ({number})"
            else:
                sheet["title_en"] = draw("title_en", 3, 10)
                sheet["title_fr"] = draw("title_fr", 4, 12)
            sheet["keywords_fr"] = model["keywords_fr"][:3]
            sheet["keywords_en"] = model["keywords_en"][:3]
            sheet["links"] = {"citego": f"https://citego.org/coretet-{number}.html"}
            out.write(("," if number else "") + json.dumps(sheet, ensure_ascii=False))
        out.write("]}")


class Alternating:
    """Runs of commands, each after a run of the Typer baseline, so that the baseline is
    measured across the same minutes as they are."""

    def __init__(self, folder: Path) -> None:
        hello = folder / "hello.py"
        hello.write_text(HELLO)
        self.hello = [sys.executable, str(hello)]
        self.baseline_runs: list[float] = []

    def median(self, command: list[str], rounds: int) -> tuple[float, float]:
        """Median seconds and peak MiB of `rounds` runs of a command."""
        runs = []
        for _ in range(rounds):
            self.baseline_runs.append(timed(self.hello, {**os.environ})[0])
            runs.append(timed(command, {**os.environ}))
        return statistics.median(run[0] for run in runs), max(run[1] for run in runs) / 1024

    @property
    def baseline(self) -> float:
        return statistics.median(self.baseline_runs)


SCALE_KINDS = ("copies", "words")

ScaleRow = tuple[str, int, float, float, float]
"""(catalogue kind, sheets, file MiB, median seconds of `search`, peak MiB)."""
HeavierRow = tuple[str, str, str, float | None, float, float]
"""(catalogue kind, query, what it costs, goal in seconds, median seconds, peak MiB)."""
READ_ONLY = "(the file read by `json.load` alone, for reference)"
"""The heavier row of a command that only reads the file, with the standard library."""


def scale(rounds: int) -> tuple[list[ScaleRow], list[HeavierRow], float]:
    """`search` on each synthetic size of each kind, then heavier queries on the largest, and
    the Typer baseline measured between them."""
    rows: list[ScaleRow] = []
    heavier: list[HeavierRow] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        runs = Alternating(folder)
        for kind in SCALE_KINDS:
            for count in SCALE_SIZES:
                path = folder / f"synthetic-{kind}-{count}.json"
                synthetic(count, path, kind)
                timed([*esskit(), "validate", str(path)], {**os.environ})  # raises if not valid
                search = [*esskit(), "search", "--json", "--catalogue", str(path)]
                median, peak = runs.median([*search, SCALE_QUERY], rounds)
                rows.append((kind, count, path.stat().st_size / 2**20, median, peak))
            for query, cost, goal in HEAVIER_QUERIES:  # on the largest catalogue of the kind
                heavier.append((kind, query, cost, goal, *runs.median([*search, query], rounds)))
            read = [sys.executable, "-c", "import json, sys; json.load(open(sys.argv[1], 'rb'))"]
            heavier.append((kind, "", READ_ONLY, None, *runs.median([*read, str(path)], rounds)))
    return rows, heavier, runs.baseline


def verdict(seconds: float, peak: float, goal: float, baseline: float) -> str:
    """Whether a run keeps a goal set in seconds, counted in baselines (see GOALS_BASELINE)."""
    allowed = goal / GOALS_BASELINE
    met = seconds / baseline <= allowed and peak <= SCALE_GOAL_MIB
    return f"≤ {allowed:.1f} ({goal} s), ≤ {SCALE_GOAL_MIB} MiB {'ok' if met else 'MISSED'}"


def scale_table(rows: list[ScaleRow], baseline: float) -> str:
    """The large-catalogue figures as a Markdown table, with the cost of each added sheet
    (flat from one size to the next when time grows linearly) and the goal for the largest."""
    lines = [
        "| catalogue | sheets | file | `search mobilité` median | in baselines "
        "| ms per 1,000 more sheets | peak memory | goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    previous: tuple[int, float] | None = None
    for kind, count, size, median, peak in rows:
        step = ""
        if previous is not None and count > previous[0]:
            step = f"{(median - previous[1]) / (count - previous[0]) * 1e6:.1f}"
        previous = (count, median)
        goal = ""
        if count == SCALE_SIZES[-1]:
            goal = verdict(median, peak, SCALE_GOAL_SECONDS, baseline)
        lines.append(
            f"| {kind} | {count:,} | {size:.1f} MiB | {median:.2f} s | {median / baseline:.1f} "
            f"| {step} | {peak:.0f} MiB | {goal} |"
        )
    return "\n".join(lines) + "\n"


def heavier_table(rows: list[HeavierRow], baseline: float) -> str:
    """Heavier queries on the largest catalogues, with their goals."""
    lines = [
        f"| catalogue | `search` on {SCALE_SIZES[-1]:,} sheets | median | in baselines "
        "| peak memory | goal |",
        "|---|---|---|---|---|---|",
    ]
    for kind, query, cost, goal, median, peak in rows:
        what = f"`{query}` ({cost})" if query else cost
        met = "" if goal is None else verdict(median, peak, goal, baseline)
        lines.append(
            f"| {kind} | {what} | {median:.2f} s | {median / baseline:.1f} | {peak:.0f} MiB "
            f"| {met} |"
        )
    return "\n".join(lines) + "\n"


RELEVANCE_SETS = (
    ("titles and topics (tests/data/relevance.json)", ROOT / "tests/data/relevance.json"),
    (
        "written apart from the vocabulary (tests/data/practice.json)",
        ROOT / "tests/data/practice.json",
    ),
    ("shared: titles' words (queries.json)", ROOT.parent / "shared/relevance/queries.json"),
    (
        "shared: practitioners' words (practitioner.json)",
        ROOT.parent / "shared/relevance/practitioner.json",
    ),
)


def relevance() -> list[tuple[str, int, int, int]]:
    """(query set, queries, right sheet first, right sheet in the top 3) for each query set
    there is; a query about a subject outside the kit (`none`) is right when nothing is found."""
    from esskit import catalogue
    from esskit.search import find

    kit = catalogue.load()
    results = []
    for name, path in RELEVANCE_SETS:
        if not path.exists():
            continue
        total = first = top3 = 0
        for kind, pairs in json.loads(path.read_text("utf-8")).items():
            if kind == "about":
                continue
            for query, expected in pairs:
                found = [
                    m.sheet.number for m in find(kit.sheets, query, limit=3, glossary=kit.glossary)
                ]
                total += 1
                if kind == "none":
                    first += not found
                    top3 += not found
                else:
                    first += bool(found) and found[0] in expected
                    top3 += bool(set(found) & set(expected))
        results.append((name, total, first, top3))
    return results


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
        print(
            "| command | median | ratio to baseline | instructions, ratio | goal |\n"
            "|---|---|---|---|---|"
        )
        for name, median, ratio, counted, goal in startup(options.rounds):
            verdicts = [
                "ok" if value <= goal else "MISSED"
                for value in (ratio, counted)
                if goal and value is not None
            ]
            verdict = f"≤ {goal:.2f} {' / '.join(verdicts)}" if goal else ""
            shown = "" if counted is None else f"{counted:.3f}"
            print(f"| `{name}` | {median * 1000:.0f} ms | {ratio:.2f} | {shown} | {verdict} |")
        print()
    if everything or options.scale:
        byte_compile()
        rows, heavier, baseline = scale(max(3, options.rounds // 4))
        print(f"baseline (Typer hello world, between the runs below): {baseline * 1000:.0f} ms\n")
        print(scale_table(rows, baseline))
        print(heavier_table(heavier, baseline))
    if everything or options.relevance:
        print("| query set | queries | right sheet first | in the top 3 |\n|---|---|---|---|")
        for name, total, first, top3 in relevance():
            print(
                f"| {name} | {total} | {first} ({100 * first / total:.0f} %) "
                f"| {top3} ({100 * top3 / total:.0f} %) |"
            )


if __name__ == "__main__":
    main()
