"""esskit's benchmarks: start-up against a bare Typer app, search on large synthetic catalogues
against `json.load` reading the same files, and the relevance of search on every query set.

    python benchmarks/bench.py                 # everything
    python benchmarks/bench.py --startup       # start-up ratios only
    python benchmarks/bench.py --scale         # 1 000 / 10 000 / 100 000 sheets, two kinds
    python benchmarks/bench.py --relevance     # top-1 and top-3 on every query set

Start-up is measured as ratios to a "hello world" Typer app run in the same environment, in
alternating rounds (baseline, then each command, in a new random order each round), so that a
noisy machine slows all of them alike; where valgrind is installed, also as the ratio of the
instructions each command executes (callgrind's count, which noise does not move). A search of a
large catalogue is timed in runs alternating with `json.load` reading the same file. Needs only
the standard library and esskit's dependencies.
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
SELECTIVE_GOAL, BROAD_GOAL = 2.0, 2.5
"""A search of the largest catalogue, as a multiple of the time the standard library's
`json.load` takes to read the same file (measured in the same run): a selective query, a broad
one (that most sheets answer). Neither may peak above `json.load`'s memory."""
SCALE_QUERY = "mobilité"
HEAVIER_QUERIES = (
    ("ESS", "matches nearly every sheet", BROAD_GOAL),
    ("politique", "matches many sheets", BROAD_GOAL),
    ("mobilty", "a typo, corrected against the index's words", SELECTIVE_GOAL),
    ("comment aider un café associatif dans un village", "a question", SELECTIVE_GOAL),
    ("xyzzy", "nothing found: close sheets are looked for too", SELECTIVE_GOAL),
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
    """Runs of commands on one catalogue file, each after a run of `json.load` reading the same
    file, so that the reference is measured across the same minutes as they are."""

    def __init__(self, path: Path) -> None:
        self.read = [sys.executable, "-c", f"import json; json.load(open({str(path)!r}, 'rb'))"]
        self.reference: list[tuple[float, int]] = []

    def median(self, command: list[str], rounds: int) -> tuple[float, float]:
        """Median seconds and peak MiB of `rounds` runs of a command."""
        runs = []
        for _ in range(rounds):
            self.reference.append(timed(self.read, {**os.environ}))
            runs.append(timed(command, {**os.environ}))
        return statistics.median(run[0] for run in runs), max(run[1] for run in runs) / 1024

    @property
    def seconds(self) -> float:
        """`json.load`'s median time."""
        return statistics.median(run[0] for run in self.reference)

    @property
    def peak(self) -> float:
        """`json.load`'s peak memory, MiB."""
        return max(run[1] for run in self.reference) / 1024


SCALE_KINDS = ("copies", "words")

ScaleRow = tuple[str, int, float, float, float, float, float]
"""(kind, sheets, file MiB, median seconds of `search`, peak MiB, json.load's seconds, MiB)."""
HeavierRow = tuple[str, str, str, float, float, float, float, float]
"""(kind, query, what it costs, goal, median seconds, peak MiB, json.load's seconds, MiB)."""


def scale(rounds: int) -> tuple[list[ScaleRow], list[HeavierRow]]:
    """`search` on each synthetic size of each kind, then heavier queries on the largest, each
    against `json.load` reading the same file."""
    rows: list[ScaleRow] = []
    heavier: list[HeavierRow] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for kind in SCALE_KINDS:
            for count in SCALE_SIZES:
                path = folder / f"synthetic-{kind}-{count}.json"
                synthetic(count, path, kind)
                timed([*esskit(), "validate", str(path)], {**os.environ})  # raises if not valid
                search = [*esskit(), "search", "--json", "--catalogue", str(path)]
                runs = Alternating(path)
                median, peak = runs.median([*search, SCALE_QUERY], rounds)
                size = path.stat().st_size / 2**20
                rows.append((kind, count, size, median, peak, runs.seconds, runs.peak))
                if count != SCALE_SIZES[-1]:
                    continue
                for query, cost, goal in HEAVIER_QUERIES:
                    median, peak = runs.median([*search, query], rounds)
                    heavier.append((kind, query, cost, goal, median, peak, runs.seconds, runs.peak))
    return rows, heavier


def verdict(ratio: float, peak: float, goal: float, reference_peak: float) -> str:
    """Whether a search met its goal: time as a multiple of `json.load`'s, and memory."""
    time_ok = "ok" if ratio <= goal else "MISSED"
    memory_ok = "ok" if peak <= reference_peak else "MISSED"
    return f"≤ {goal:.1f}× {time_ok}, memory {memory_ok}"


def scale_table(rows: list[ScaleRow]) -> str:
    """The large-catalogue figures as a Markdown table, with the cost of each added sheet
    (flat from one size to the next when time grows linearly)."""
    lines = [
        "| catalogue | sheets | file | `search mobilité` | × `json.load` "
        "| ms per 1,000 more sheets | peak memory (`json.load`'s) |",
        "|---|---|---|---|---|---|---|",
    ]
    previous: tuple[int, float] | None = None
    for kind, count, size, median, peak, read, read_peak in rows:
        step = ""
        if previous is not None and count > previous[0]:
            step = f"{(median - previous[1]) / (count - previous[0]) * 1e6:.1f}"
        previous = (count, median)
        lines.append(
            f"| {kind} | {count:,} | {size:.1f} MiB | {median:.2f} s | {median / read:.2f} "
            f"| {step} | {peak:.0f} MiB ({read_peak:.0f}) |"
        )
    return "\n".join(lines) + "\n"


def heavier_table(rows: list[HeavierRow]) -> str:
    """Heavier queries on the largest catalogues, with their goals."""
    lines = [
        f"| catalogue | `search` on {SCALE_SIZES[-1]:,} sheets | median | × `json.load` "
        "| peak memory (`json.load`'s) | goal |",
        "|---|---|---|---|---|---|",
    ]
    for kind, query, cost, goal, median, peak, read, read_peak in rows:
        lines.append(
            f"| {kind} | `{query}` ({cost}) | {median:.2f} s | {median / read:.2f} "
            f"| {peak:.0f} MiB ({read_peak:.0f}) "
            f"| {verdict(median / read, peak, goal, read_peak)} |"
        )
    return "\n".join(lines) + "\n"


def relevance() -> list[tuple[str, int, int, int]]:
    """(query set, queries, right first, in the top 3) for each query set there is (a query
    outside the kit is right when nothing is found; a two-subject one when every subject is in
    the first five), and last the leave-one-out figure over them all."""
    sys.path.insert(0, str(Path(__file__).parent))
    import relevance as sets

    from esskit import catalogue

    kit = catalogue.load()
    found = sets.sets()
    scores = [sets.judge(name, cases, kit) for name, cases in found.items()]
    every = [case for cases in found.values() for case in cases]
    scores.append(sets.leave_one_out(kit, every))
    return [(score.name, score.total, score.first, score.top3) for score in scores]


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
        rows, heavier = scale(max(3, options.rounds // 4))
        print(scale_table(rows))
        print(heavier_table(heavier))
    if everything or options.relevance:
        print("| query set | queries | right sheet first | in the top 3 |\n|---|---|---|---|")
        for name, total, first, top3 in relevance():
            print(
                f"| {name} | {total} | {first} ({100 * first / total:.0f} %) "
                f"| {top3} ({100 * top3 / total:.0f} %) |"
            )


if __name__ == "__main__":
    main()
