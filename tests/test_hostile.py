"""Hostile catalogues and arguments: a clear one-line error and a documented code, never a crash,
never anything unsafe handed to the browser."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import SHELL_GIVEN, esskit_command, mirror_catalogue, one_line_error, write_catalogue
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from esskit import catalogue as cat
from esskit.cli import app
from esskit.models import UrlKind, escaped

BROKEN = Path(__file__).parent / "catalogues" / "broken"
EXPECTED: dict[str, str] = json.loads(
    (Path(__file__).parent / "catalogues" / "expected.json").read_text("utf-8")
)
COMMANDS = [["list", "--json"], ["search", "foncier"], ["show", "1"], ["open", "1", "-p"]]
Run = Callable[..., subprocess.CompletedProcess[str]]


def test_the_corpus_is_complete() -> None:
    assert sorted(EXPECTED) == sorted(path.name for path in BROKEN.iterdir())


@pytest.mark.parametrize(("name", "fragment"), sorted(EXPECTED.items()))
def test_validate_reports_each_problem(runner: CliRunner, name: str, fragment: str) -> None:
    result = runner.invoke(app, ["validate", str(BROKEN / name)])
    assert result.exit_code == 2 and result.stdout == ""
    assert fragment in result.stderr
    assert all(line.startswith("esskit: ") for line in result.stderr.splitlines())


@pytest.mark.slow  # each file with each command; everyday runs check each file with validate
@pytest.mark.parametrize(("name", "fragment"), sorted(EXPECTED.items()))
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_commands_refuse_a_broken_catalogue_in_one_line(
    runner: CliRunner, name: str, fragment: str, command: list[str]
) -> None:
    path = str(BROKEN / name)
    result = runner.invoke(app, [*command, "--catalogue", path])
    assert result.exit_code == 2 and result.stdout == ""
    assert one_line_error(result.stderr) and fragment in result.stderr
    assert f"esskit validate {path}" in result.stderr


def test_validate_lists_every_problem_with_locations(runner: CliRunner, tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "many.json",
        [
            {"number": -1, "category": "lever", "title_en": "A"},
            {"number": 2, "category": "nope", "title_en": "B", "links": {"citego": "http://x.org"}},
        ],
    )
    result = runner.invoke(app, ["validate", str(path)])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 3
    assert "sheets[0].number" in lines[0] and "sheets[1].category" in lines[1]
    assert "sheets[1].links.citego" in lines[2]


def test_millions_of_bad_items_cost_one_report(runner: CliRunner, tmp_path: Path) -> None:
    # each bad item would be a report of its own: the lists stop at the first one
    path = tmp_path / "ones.json"
    path.write_text('{"kit": {}, "sheets": [' + ",".join(["1"] * 1_000_000) + "]}")
    with pytest.raises(cat.CatalogueError) as caught:
        cat.load(path)
    assert len(caught.value.problems) < 10
    result = runner.invoke(app, ["list", "--catalogue", str(path)])
    assert result.exit_code == 2 and one_line_error(result.stderr)


def test_validate_lists_the_first_hundred_problems_and_says_there_are_more(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = write_catalogue(
        tmp_path / "bad.json",
        [{"number": n, "category": "nope", "title_en": "A"} for n in range(150)],
    )
    result = runner.invoke(app, ["validate", str(path)])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == cat.MAX_PROBLEMS + 1
    assert lines[0].endswith("sheets[0].category: unknown value 'nope' (expected 'intro', "
                             "'lever' or 'thematic')")  # fmt: skip
    assert "sheets[99].category" in lines[99]
    assert lines[-1].endswith("bad.json: only the first 100 problems are listed")


def test_thousands_of_unknown_fields_are_reported_by_the_first(
    runner: CliRunner, tmp_path: Path
) -> None:
    sheet = {"number": 0, "category": "intro", "title_en": "A"}
    path = write_catalogue(
        tmp_path / "fields.json", [sheet], **{f"field{n}": 1 for n in range(5_000)}
    )
    result = runner.invoke(app, ["list", "--catalogue", str(path)])
    assert result.exit_code == 2 and one_line_error(result.stderr)
    assert "kit.field0: unknown field" in result.stderr
    listed = runner.invoke(app, ["validate", str(path)])
    lines = listed.stderr.splitlines()
    assert listed.exit_code == 2 and len(lines) == cat.MAX_PROBLEMS + 1
    assert lines[-1].endswith("only the first 100 problems are listed")


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p / "missing.json", "missing.json does not exist (no such file)"),
        (lambda p: p, "is a directory"),
        (lambda p: (os.mkfifo(p / "fifo"), p / "fifo")[1], "not a regular file"),
    ],
    ids=["missing", "directory", "fifo"],
)
def test_unusable_paths(
    runner: CliRunner, tmp_path: Path, make: Callable[[Path], Path], fragment: str
) -> None:
    path = make(tmp_path)
    for args in (["validate", str(path)], ["list", "-c", str(path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and fragment in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(runner: CliRunner, tmp_path: Path) -> None:
    path = write_catalogue(tmp_path / "locked.json", [])
    path.chmod(0)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "permission denied" in result.stderr


def test_size_limit(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_catalogue(
        tmp_path / "big.json", [{"number": 0, "category": "intro", "title_en": "x" * 400}]
    )
    monkeypatch.setattr(cat, "MAX_BYTES", 100)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "limit" in result.stderr


def test_allow_host_widens_links_for_every_command(runner: CliRunner, tmp_path: Path) -> None:
    path = mirror_catalogue(tmp_path / "mirror.json", "https://mirror.example.org/1")
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 2
    ok = runner.invoke(app, ["--allow-host", "example.org", "open", "1", "-p", "-c", str(path)])
    assert ok.exit_code == 0 and ok.stdout == "https://mirror.example.org/1\n"
    env = runner.invoke(
        app, ["validate", str(path)], env={"ESSKIT_ALLOW_HOSTS": "a.org,example.org"}
    )
    assert env.exit_code == 0


def test_unexpected_error_is_one_line_unless_debugging(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cat, "load", broken)
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 2 and one_line_error(result.stderr)
    assert "ESSKIT_DEBUG=1" in result.stderr and "boom" in result.stderr
    debug = runner.invoke(app, ["list"], env={"ESSKIT_DEBUG": "1"})
    assert isinstance(debug.exception, RuntimeError)


# -- generated catalogues and arguments ------------------------------------------------------

TEXT = st.text(max_size=30)
URLS = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "https://citego.org/coretet-1.html",
            "http://citego.org/x",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://evil.example/",
            "-https://citego.org",
            "data:,x",
            "https://citego.org/\x1b[2J",
            "https://socioeco.org/a b",
            "https://citego.org@evil.org/",
        ]
    ),
)
SHEETS = st.fixed_dictionaries(
    {
        "number": st.one_of(st.integers(-3, 30), st.text(max_size=3)),
        "category": st.sampled_from(["intro", "lever", "thematic", "other"]),
        "title_en": TEXT,
    },
    optional={
        "title_fr": st.one_of(st.none(), TEXT),
        "keywords_fr": st.lists(TEXT, max_size=3),
        "links": st.fixed_dictionaries(
            {}, optional={"citego": URLS, "socioeco": URLS, "rtes": URLS}
        ),
    },
)
SAFE_PREFIXES = ("https://",)


def _is_safe(url: str) -> bool:
    """A page of the kit's hosts, or the web search esskit builds."""
    try:
        return cat.safe_url(url, cat.Policy(), UrlKind.SEARCH) == url
    except cat.UnsafeUrl:
        return False


@pytest.mark.slow
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sheets=st.lists(SHEETS, min_size=1, max_size=4), number=st.integers(-2, 31))
def test_generated_catalogues_never_crash_or_open_unsafe_urls(
    sheets: list[dict[str, Any]], number: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    path = write_catalogue(tmp_path / "generated.json", sheets)
    runner = CliRunner()
    for args in (
        ["list", "--json"],
        ["search", "a b"],
        ["show", str(number)],
        ["open", str(number)],
        ["validate", str(path)],
    ):
        result = runner.invoke(app, [*args, "-c", str(path)] if args[0] != "validate" else args)
        assert result.exit_code in (0, 1, 2), (args, result.stderr)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.stderr
    assert all(_is_safe(url) for url in opened), opened


ARGS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "list",
                "search",
                "show",
                "open",
                "validate",
                "schema",
                "--json",
                "--format",
                "csv",
                "--fields",
                "--limit",
                "--category",
                "--lang",
                "-p",
                "--tree",
                "0",
                "-1",
                "99",
                str(10**30),
                "",
                "--",
                "lever",
            ]
        ),
        st.text(max_size=12).filter(lambda s: not s.startswith("--install")),
    ),
    max_size=5,
)


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=ARGS)
def test_any_arguments_give_a_documented_code(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1, 2), (args, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), args
    assert all(_is_safe(url) for url in opened)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("x" * 100_000, 2),  # longer than any query: refused
        ("😀" * 1000, 2),
        ("e\u0301" * 5000, 2),
        ("\u202exyz", 1),
        ("مرحبا", 1),
        ("  ", 2),
        ("\u200b\u200b", 2),
    ],
    ids=["100k", "emoji", "combining", "rtl", "arabic", "spaces", "zero-width"],
)
def test_odd_queries_answer_quickly_with_documented_codes(run: Run, query: str, code: int) -> None:
    result = run("search", query, timeout=10)
    assert result.returncode == code and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("esskit: ")


def test_nul_in_a_query_is_only_a_separator(runner: CliRunner) -> None:
    # a NUL cannot travel in argv, but can reach the CLI from other Python code
    assert runner.invoke(app, ["search", "\x00"]).exit_code == 2
    result = runner.invoke(app, ["search", "foncier\x00cantine", "--json"])
    spaced = runner.invoke(app, ["search", "foncier cantine", "--json"])
    assert result.exit_code == 0 and "Traceback" not in result.stderr
    assert result.stdout == spaced.stdout


def test_odd_query_with_a_real_word_still_finds(runner: CliRunner) -> None:
    result = runner.invoke(app, ["search", "\u202efoncier\u200b", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["number"] == 13


# -- links, flags, signals, numbers, streams and sizes ---------------------------------------


def test_search_host_is_only_for_the_search_esskit_builds(
    runner: CliRunner, tmp_path: Path
) -> None:
    redirect = "https://duckduckgo.com/l/?uddg=https%3A%2F%2Fevil.example%2F"
    path = mirror_catalogue(tmp_path / "redirect.json", redirect)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "sheets[0].links.citego: link host is not" in result.stderr
    with pytest.raises(cat.UnsafeUrl):
        cat.safe_url(redirect, cat.Policy(), UrlKind.SEARCH)
    with pytest.raises(cat.UnsafeUrl):
        cat.safe_url("https://sub.duckduckgo.com/?q=x", cat.Policy())
    sheet = cat.load().sheets[1]
    url, kind = cat.sheet_url(sheet)
    assert kind is UrlKind.SEARCH and cat.safe_url(url, cat.Policy(), kind) == url
    with pytest.raises(cat.UnsafeUrl):  # the same address, not as the search esskit builds
        cat.safe_url(url, cat.Policy())


@pytest.mark.parametrize("hosts", [".", "..", "", "socioeco.org,.", "socioeco.org,", "a b"])
def test_empty_or_dot_only_hosts_are_refused(runner: CliRunner, hosts: str) -> None:
    result = runner.invoke(app, ["list", "--json"], env={"ESSKIT_ALLOW_HOSTS": hosts or ","})
    assert result.exit_code == 2 and one_line_error(result.stderr)
    assert "ESSKIT_ALLOW_HOSTS" in result.stderr and "is not a site's host name" in result.stderr
    for host in hosts.split(","):
        option = runner.invoke(app, ["--allow-host", host, "list", "--json"])
        if host.strip(" .") in ("", "a b"):
            assert option.exit_code == 2 and "--allow-host" in option.stderr


def test_trailing_dots_are_normalised(tmp_path: Path) -> None:
    policy = cat.Policy(("example.org.",))
    assert policy.hosts[-1] == "example.org"
    assert policy.link_problem("https://www.example.org./x") is None
    assert policy.link_problem("https://attacker.example./") is not None
    assert cat.Policy().link_problem("https://citego.org./x") is None


@pytest.mark.parametrize("value", ["false", "no", " 0", "0", "off", "FALSE", ""])
def test_false_spellings_keep_http_refused(runner: CliRunner, tmp_path: Path, value: str) -> None:
    path = mirror_catalogue(tmp_path / "http.json", "http://citego.org/1")
    result = runner.invoke(app, ["validate", str(path)], env={"ESSKIT_ALLOW_HTTP": value})
    assert result.exit_code == 2 and "link must use https" in result.stderr
    allowed = runner.invoke(app, ["validate", str(path)], env={"ESSKIT_ALLOW_HTTP": "true"})
    assert allowed.exit_code == 0


@pytest.mark.parametrize("name", ["ESSKIT_ALLOW_HTTP", "ESSKIT_DEBUG"])
@pytest.mark.parametrize("value", ["maybe", "2", "nein", "\x1b[31m"])
def test_unclear_flags_are_refused(runner: CliRunner, name: str, value: str) -> None:
    result = runner.invoke(app, ["list", "--json"], env={name: value})
    assert result.exit_code == 2 and one_line_error(result.stderr) and result.stdout == ""
    assert f"{name}=" in result.stderr and "\x1b" not in result.stderr


def test_debug_zero_shows_no_traceback(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cat, "load", broken)
    result = runner.invoke(app, ["list"], env={"ESSKIT_DEBUG": "0"})
    assert result.exit_code == 2 and one_line_error(result.stderr) and "boom" in result.stderr


def _interrupt(
    command: list[str], env: dict[str, str], ready: Callable[[str], bool]
) -> tuple[int, list[str]]:
    """Run `command`, send it SIGINT once a line of its stderr is `ready`, and return its exit
    code and the stderr lines that are not Python's import timings."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        start_new_session=True,
    )
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if ready(line):
            os.killpg(process.pid, signal.SIGINT)
            break
    lines += process.stderr.readlines()
    code = process.wait(timeout=30)
    return code, [line.rstrip("\n") for line in lines if not line.startswith("import time:")]


@pytest.mark.slow
def test_interrupt_while_starting_is_one_line_and_130() -> None:
    # Python reports each import as it ends: interrupt while Typer is being imported
    code, lines = _interrupt(
        [*esskit_command(), "list", "--format", "table"],
        {"PYTHONPROFILEIMPORTTIME": "1"},
        lambda line: "typer" in line,
    )
    assert (code, lines) == (130, ["esskit: interrupted"])


@pytest.mark.slow
def test_interrupt_while_working_is_one_line_and_130(tmp_path: Path) -> None:
    # a browser that never returns: esskit waits for it
    code, lines = _interrupt(
        [*esskit_command(), "open", "13"],
        {"BROWSER": "sleep 20"},
        lambda line: line.startswith("esskit: opening sheet 13"),
    )
    assert (code, lines[1:]) == (130, ["esskit: interrupted"])


@pytest.mark.parametrize(
    "name", ["esc\x1b[31mred.json", "new\nline.json", "bell\x07.json", "rlo\u202eabc.json"]
)
def test_paths_and_keys_are_quoted_escaped(runner: CliRunner, tmp_path: Path, name: str) -> None:
    path = write_catalogue(
        tmp_path / name,
        [{"number": 1, "category": "lever", "title_en": "A", "links": {"\x1b]0;PWNED\x07": "x"}}],
    )
    for args in (["validate", str(path)], ["list", "-c", str(path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and one_line_error(result.stderr)
        assert not any(c in result.stderr for c in "\x1b\x07\u202e")
        assert "\\x1b]0;PWNED\\x07: unknown field" in result.stderr


@pytest.mark.slow
def test_a_huge_key_is_shortened(runner: CliRunner, tmp_path: Path) -> None:
    sheet = {"number": 1, "category": "lever", "title_en": "A", "x" * 5_000_000: 1}
    path = write_catalogue(tmp_path / "key.json", [sheet])
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and one_line_error(result.stderr)
    assert len(result.stderr) < 400 and "xxx...: unknown field" in result.stderr


@pytest.mark.slow
def test_a_path_that_is_not_utf8_under_a_strict_utf8_stdout(tmp_path: Path) -> None:
    good = write_catalogue(
        tmp_path / "good.json", [{"number": 1, "category": "lever", "title_en": "A"}]
    )
    odd = os.fsencode(tmp_path) + b"/caf\xe9.json"
    os.rename(good, odd)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for args in ([b"validate", odd], [b"list", b"--json", b"-c", odd]):
        result = subprocess.run(
            [*map(os.fsencode, esskit_command()), *args], capture_output=True, env=env, check=False
        )
        assert result.returncode == 0, result.stderr
        assert b"this is a bug" not in result.stderr and b"Traceback" not in result.stderr
    result = subprocess.run(
        [*map(os.fsencode, esskit_command()), b"validate", odd],
        capture_output=True,
        env=env,
        check=False,
    )
    assert result.stdout.endswith(b"caf\\udce9.json: valid, 1 sheet\n")


@pytest.mark.slow
def test_millions_of_unknown_fields_stop_at_the_first(tmp_path: Path) -> None:
    # reading the file whole would cost ten times its size, and reporting each field gigabytes
    import tracemalloc

    cat.check()  # the validator built before memory is measured
    unknown = ",".join(f'"f{n}":1' for n in range(1_000_000))
    path = tmp_path / "fields.json"
    path.write_text(
        '{"kit":{"name":"K","publisher":"R","edition":2020,"language":"fr"},"sheets":'
        '[{"number":1,"category":"lever","title_en":"A",' + unknown + "}]}"
    )
    tracemalloc.start()
    try:
        with pytest.raises(cat.CatalogueError) as caught:
            cat.load(path)
        with pytest.raises(cat.CatalogueError) as listed:
            cat.check(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.problems == [cat.Problem("sheets[0].f0", "unknown field")]
    assert len(listed.value.problems) == cat.MAX_PROBLEMS and listed.value.more
    assert peak < 8 * path.stat().st_size, f"{peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("text", ["one\u2028two", "a\u2029b", "a\u200bb", "a\u200eb", "\ufeffa"])
def test_separators_and_invisible_characters_are_refused_in_titles(
    tmp_path: Path, text: str
) -> None:
    path = write_catalogue(
        tmp_path / "t.json", [{"number": 1, "category": "lever", "title_en": text}]
    )
    with pytest.raises(cat.CatalogueError, match="control or invisible character"):
        cat.load(path)


def test_duplicate_keys_are_refused_with_their_location(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text(
        '{"kit": {"name": "K", "publisher": "R", "edition": 2020, "language": "fr"}, "sheets": ['
        '{"number": 0, "category": "intro", "title_en": "A"},'
        '{"number": 1, "category": "lever", "title_en": "A", "title_en": "B",'
        ' "links": {"citego": "https://citego.org/a", "citego": "https://citego.org/b"}}]}'
    )
    with pytest.raises(cat.CatalogueError) as caught:
        cat.check(path)
    assert [problem.where for problem in caught.value.problems] == [
        "sheets[1].title_en",
        "sheets[1].links.citego",
    ]
    assert "given twice" in caught.value.problems[0].message


def test_defaults_written_out_are_not_duplicates(tmp_path: Path) -> None:
    # a file that spells out defaults holds more keys than its fields: still valid
    path = tmp_path / "defaults.json"
    path.write_text(
        '{"kit": {"name": "K", "publisher": "R", "edition": 2020, "language": "fr",'
        ' "sources": []}, "glossary": [], "sheets": [{"number": 1, "category": "lever",'
        ' "title_en": "A \\": B", "title_fr": null, "keywords_fr": [], "links": {},'
        ' "field_sources": {}}], "sheets" : []}'.replace(', "sheets" : []', "")
    )
    assert cat.check(path).sheets[0].title_en == 'A ": B'


def test_the_glossary_may_only_lead_to_sheets_of_the_catalogue(tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "g.json", [{"number": 1, "category": "lever", "title_en": "A"}]
    )
    raw = json.loads(path.read_text("utf-8"))
    raw["glossary"] = [
        {"term": "SCIC", "fr": "Société coopérative", "sheets": [1]},
        {"term": "PTCE", "fr": "Pôle", "sheets": [1, 99, 7]},
    ]
    path.write_text(json.dumps(raw), "utf-8")
    with pytest.raises(cat.CatalogueError) as caught:
        cat.check(path)
    assert [str(problem) for problem in caught.value.problems] == [
        "glossary[1].sheets[1]: no sheet number 99 in the catalogue",
        "glossary[1].sheets[2]: no sheet number 7 in the catalogue",
    ]


def test_one_byte_over_the_limit_says_how_much(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (1024 * 1024 + 1))
    monkeypatch.setattr(cat, "MAX_BYTES", 1024 * 1024)
    with pytest.raises(cat.CatalogueError) as caught:
        cat.load(path)
    message = str(caught.value.problems[0])
    assert "1,048,577 bytes" in message and "1 MiB limit" in message


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "bom.json", [{"number": 1, "category": "lever", "title_en": "A"}]
    )
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert cat.check(path).sheets[0].title_en == "A"


@pytest.mark.parametrize("text", ["0000000013", "fiche 013", "#0013", "+13"])
def test_leading_zeros_name_the_same_sheet(runner: CliRunner, text: str) -> None:
    result = runner.invoke(app, ["open", text, "-p"])
    assert result.exit_code == 0 and "2590" in result.stdout


def test_a_long_number_is_far_beyond_and_a_negative_one_is_not_a_number(
    runner: CliRunner,
) -> None:
    far = runner.invoke(app, ["open", "9" * 5000, "-p"])
    assert far.exit_code == 2 and "is far beyond any sheet number" in far.stderr
    assert len(far.stderr) < 200
    negative = runner.invoke(app, ["show", "-3"])
    assert negative.exit_code == 2 and "'-3' is not a sheet number" in negative.stderr


def _clean_env(**changes: str) -> dict[str, str]:
    """The environment without esskit's variables, completion given its shell, and a PATH of
    esskit's own folder only (no browser a machine happens to have), plus `changes`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ESSKIT_", "DISPLAY"))}
    base.pop("WAYLAND_DISPLAY", None)
    folder = str(Path(esskit_command()[0]).parent)
    return {**base, "PATH": folder, "PYTHONIOENCODING": "utf-8", **SHELL_GIVEN, **changes}


@pytest.mark.slow
@pytest.mark.parametrize("browser", ['"x %s', "'", "x %s %s'"])
def test_a_browser_that_cannot_start_prints_the_address(browser: str) -> None:
    result = subprocess.run(
        [*esskit_command(), "open", "13"],
        capture_output=True,
        text=True,
        env=_clean_env(BROWSER=browser),
        check=False,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout == "https://www.citego.org/bdf_fiche-document-2590_fr.html\n"
    assert "no browser could be started" in result.stderr and "bug" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["list", "-f", "table"],
        ["list", "--tree"],
        ["show", "13", "-f", "table"],
        ["search", "foncier", "-f", "table"],
        ["list", "-f", "plain"],
        ["list", "--json"],
        ["list", "-f", "jsonl"],
        ["list", "-f", "csv"],
        ["glossary", "-f", "table"],
        ["--help"],
        ["list", "--help"],
    ],
    ids=" ".join,
)
def test_a_closed_pipe_exits_0_quietly_in_every_format(args: list[str]) -> None:
    # the reader is gone before esskit writes a byte
    process = subprocess.Popen(
        [*esskit_command(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_clean_env(COLUMNS="100"),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read()
    assert (process.wait(timeout=30), errors) == (0, b"")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["list", "-f", "table"],
        ["show", "13"],
        ["--version"],
        ["--help"],
        ["list", "--help"],
        ["--show-completion", "bash"],
        [],
    ],
    ids=lambda args: " ".join(args) or "no arguments",
)
def test_a_full_disk_is_one_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*esskit_command(), *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=_clean_env(),
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == "esskit: cannot write the output: No space left on device\n"


def test_help_with_the_reader_gone_keeps_its_exit_code() -> None:
    # `esskit | head -1`: the help of a missing command is still a usage error
    process = subprocess.Popen(
        esskit_command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_clean_env()
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read()
    assert (process.wait(timeout=30), errors) == (2, b"")


def test_completion_script_with_the_reader_gone_exits_0_quietly() -> None:
    process = subprocess.Popen(
        [*esskit_command(), "--show-completion", "bash"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_clean_env(),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    errors = process.stderr.read()
    assert (process.wait(timeout=30), errors) == (0, b"")


def test_completion_script_that_cannot_be_written_is_an_output_error() -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*esskit_command(), "--show-completion", "bash"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=_clean_env(),
            timeout=30,
            check=False,
        )
    assert (result.returncode, result.stderr) == (
        2,
        "esskit: cannot write the output: No space left on device\n",
    )


@pytest.mark.parametrize("columns", ["10000000", "501", "9" * 5000])
def test_wide_columns_are_clamped_to_500(runner: CliRunner, columns: str) -> None:
    env = {"COLUMNS": columns, "LINES": "9" * 5000}  # Rich would read LINES too
    result = runner.invoke(app, ["show", "13", "-f", "table"], env=env)
    widths = {len(line) for line in result.stdout.splitlines()}
    assert result.exit_code == 0 and max(widths) <= 500


@pytest.mark.parametrize("columns", ["0", "1", "19", "-5", "abc", ""])
def test_narrow_or_odd_columns_fall_back_to_80(runner: CliRunner, columns: str) -> None:
    result = runner.invoke(app, ["list", "-f", "table"], env={"COLUMNS": columns})
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and len(lines) > 25
    assert max(len(line) for line in lines) == 80


def test_big_tables_and_trees_are_refused_with_advice(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from esskit import cli

    monkeypatch.setattr(cli, "MAX_TABLE_ROWS", 9)
    many = [str(number) for number in range(10)]
    for args in (
        ["list", "-f", "table"],
        ["list", "--tree"],
        ["search", "ESS", "-f", "table"],
        ["show", *many, "-f", "table"],
        ["glossary", "-f", "table"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and one_line_error(result.stderr), args
        assert "too many to draw" in result.stderr and "--format plain" in result.stderr
        assert result.stdout == ""
    small = runner.invoke(app, ["list", "-f", "table", "--category", "intro"])
    assert small.exit_code == 0 and "Pour inscrire" in small.stdout


@pytest.mark.slow
def test_twenty_thousand_sheets_list_in_every_machine_format(
    runner: CliRunner, tmp_path: Path
) -> None:
    sheets = [{"number": n, "category": "lever", "title_en": f"Sheet {n}"} for n in range(20_000)]
    path = write_catalogue(tmp_path / "big.json", sheets)
    result = runner.invoke(app, ["list", "--json", "-c", str(path)])
    assert [s["number"] for s in json.loads(result.stdout)] == list(range(20_000))
    table = runner.invoke(app, ["list", "-f", "table", "-c", str(path)])
    assert table.exit_code == 2 and "20,000 rows are too many" in table.stderr


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "plain"])
@pytest.mark.parametrize("pretty", [False, True], ids=["piped", "terminal"])
def test_output_written_in_chunks_is_the_same_as_whole(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, fmt: str, pretty: bool
) -> None:
    from esskit import cli

    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: pretty)
    whole = runner.invoke(app, ["list", "-f", fmt])
    for size in (1, 2, 7, 24, 25):
        monkeypatch.setattr(cli, "_CHUNK", size)
        chunked = runner.invoke(app, ["list", "-f", fmt])
        assert chunked.stdout == whole.stdout, size
    assert whole.exit_code == 0 and len(whole.stdout) > 1000
    if fmt == "json":
        assert len(json.loads(whole.stdout)) == 25


@pytest.mark.slow
def test_completion_that_cannot_be_written_is_one_line() -> None:
    result = subprocess.run(
        [*esskit_command(), "--install-completion", "bash"],
        capture_output=True,
        text=True,
        env=_clean_env(HOME="/proc/self", SHELL="/bin/bash"),
        check=False,
    )
    assert result.returncode == 2 and one_line_error(result.stderr)
    assert "bug" not in result.stderr and "/proc/self/" in result.stderr


def test_a_category_with_no_sheet_is_nothing_found(runner: CliRunner, tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "c.json", [{"number": 0, "category": "intro", "title_en": "A"}]
    )
    for fmt in ("json", "plain", "csv", "table"):
        result = runner.invoke(app, ["list", "--category", "lever", "-f", fmt, "-c", str(path)])
        assert result.exit_code == 1 and one_line_error(result.stderr)
        assert result.stdout == ("[]\n" if fmt == "json" else "")
    tree = runner.invoke(app, ["list", "--category", "levier", "--tree", "-c", str(path)])
    assert tree.exit_code == 1 and "no sheet is in category lever" in tree.stderr


@pytest.mark.slow
def test_json_under_an_ascii_stdout_is_escaped_not_lost() -> None:
    title = cat.load().sheets[13].title_fr
    assert title is not None and not title.isascii()
    readers: dict[str, Callable[[bytes], Any]] = {
        "show 13 --json": json.loads,
        "list --json": lambda out: json.loads(out)[13],
        "list -f jsonl": lambda out: json.loads(out.splitlines()[13]),
    }
    for args, read in readers.items():
        result = subprocess.run(
            [*esskit_command(), *args.split()],
            capture_output=True,
            env=_clean_env(PYTHONIOENCODING="ascii"),
            check=False,
        )
        assert result.returncode == 0 and result.stderr == b"" and result.stdout.isascii()
        assert read(result.stdout)["title_fr"] == title, args


@pytest.mark.slow
def test_text_under_an_ascii_stdout_says_once_what_is_lost(tmp_path: Path) -> None:
    # 2 500 sheets are written in three chunks: still one warning
    sheets = [{"number": n, "category": "lever", "title_en": f"Été {n}"} for n in range(2_500)]
    path = write_catalogue(tmp_path / "accents.json", sheets)
    result = subprocess.run(
        [*esskit_command(), "list", "-f", "plain", "-c", str(path)],
        capture_output=True,
        env=_clean_env(PYTHONIOENCODING="ascii"),
        check=False,
    )
    assert result.returncode == 0 and result.stdout.count(b"\t?t? ") == 2_500
    assert result.stderr.count(b"\n") == 1 and b"cannot write every character" in result.stderr


LONG = "\x1b[31m" + "x" * 100_000


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--category", LONG],
        ["show", LONG],
        ["open", LONG],
        ["open", "a " + LONG, "-p"],
        ["search", LONG],
        ["list", "--fields", LONG],
        ["list", "--format", LONG],
        ["--allow-host", LONG, "list"],
        ["list", "-c", LONG],
        ["validate", LONG],
        [LONG],
    ],
    ids=lambda args: " ".join(arg[:12].replace("\x1b", "ESC") for arg in args),
)
def test_arguments_are_quoted_escaped_and_short(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and result.stderr.startswith("esskit: ")
    # a path is shown up to 200 characters, twice in the line that suggests `validate`
    assert "\x1b" not in result.stderr and len(result.stderr.splitlines()[0]) < 600


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    ("args", "code"),
    [(["show", "13"], 0), (["search", "xyzzy"], 1), (["show", "99"], 2), (["nosuch"], 2)],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_an_unwritable_stderr_keeps_the_exit_code(args: list[str], code: int) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*esskit_command(), *args],
            stdout=subprocess.DEVNULL,
            stderr=full,
            env=_clean_env(),
            check=False,
        )
    assert result.returncode == code


@pytest.mark.slow
def test_validate_dash_with_stdin_closed_is_one_line() -> None:
    result = subprocess.run(
        [*esskit_command(), "validate", "-"],
        stdin=None,
        capture_output=True,
        text=True,
        env=_clean_env(),
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    assert (result.returncode, result.stderr) == (2, "esskit: standard input is closed\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"kit": {"name": "K", "x": 1, "name": "L"}, "sheets": [{"a": 1}, {"b": {"c": 1}}]}',
            [
                "kit.x: unknown field",
                "kit.name: given twice (each key may be given once)",
                "sheets[0].a: unknown field",
                "sheets[1].b: unknown field",
            ],
        ),
        (
            '{"sheets": [1, "s", {"number": 1, "number": 2, "links": {"pdf": null, "pdf": 0}}]}',
            [
                "sheets[2].number: given twice (each key may be given once)",
                "sheets[2].links.pdf: given twice (each key may be given once)",
            ],
        ),
        (
            '{"glossary": [{"term": "A", "sheets": [1]}, {"term": "B", "y": [{"z": 1}]}], "q": 0}',
            ["glossary[1].y: unknown field", "q: unknown field"],
        ),
        (
            '{"sheets": [{"field_sources": {"title_en": "x", "title_en": "y"}, "t": "\\"k\\":"}]}',
            [
                "sheets[0].field_sources.title_en: given twice (each key may be given once)",
                "sheets[0].t: unknown field",
            ],
        ),
    ],
)
def test_unknown_keys_and_keys_given_twice_are_found_where_they_are(
    text: str, expected: list[str]
) -> None:
    from esskit.validation import key_problems

    assert sorted(map(str, key_problems(text.encode(), 100))) == sorted(expected)


def test_a_key_given_twice_is_refused_even_behind_spaces_before_its_colon(tmp_path: Path) -> None:
    path = write_catalogue(
        tmp_path / "c.json", [{"number": 1, "category": "lever", "title_en": "A"}]
    )
    text = path.read_text("utf-8").replace('"title_en": "A"', '"title_en" : "A", "title_en"  :"B"')
    path.write_text(text, "utf-8")
    with pytest.raises(cat.CatalogueError, match="given twice"):
        cat.load(path)


# ----------------------------------------------------------------------------- links, files, sizes


def _sheet_with(**fields: Any) -> dict[str, Any]:
    return {"number": 1, "category": "lever", "title_en": "A", **fields}


def test_a_title_stays_inside_the_phrase_of_the_search_open_builds(tmp_path: Path) -> None:
    from urllib.parse import parse_qs, urlsplit

    title = 'x" -site:socioeco.org site:evil.example !ducky "y'
    path = write_catalogue(tmp_path / "c.json", [_sheet_with(title_en=title)])
    result = CliRunner().invoke(app, ["open", "1", "-p", "-c", str(path)])
    assert result.exit_code == 0
    query = parse_qs(urlsplit(result.stdout.strip()).query)["q"][0]
    assert query.startswith('site:socioeco.org "') and query.endswith('"')
    assert query.count('"') == 2 and "!" not in query


@pytest.mark.parametrize(
    "hosts", ["org", "fr", "co.uk", "gouv.fr", "com.br", "duckduckgo.com", "html.duckduckgo.com"]
)
def test_a_top_level_domain_a_public_suffix_or_the_search_host_cannot_be_allowed(
    runner: CliRunner, hosts: str
) -> None:
    for args, env in ((["--allow-host", hosts], {}), ([], {"ESSKIT_ALLOW_HOSTS": hosts})):
        result = runner.invoke(app, [*args, "list", "--json"], env=env)
        assert result.exit_code == 2 and one_line_error(result.stderr), hosts


def test_a_catalogue_link_to_the_search_host_is_refused(tmp_path: Path) -> None:
    path = mirror_catalogue(
        tmp_path / "c.json", "https://duckduckgo.com/l/?uddg=https://evil.example"
    )
    with pytest.raises(cat.CatalogueError, match="link host"):
        cat.load(path)


@pytest.mark.parametrize(
    "url",
    [
        "https://citego.org:99999/",
        "https://citego.org:0/",
        "https://-.citego.org/",
        "https://a..org/",
    ],
)
def test_links_with_an_impossible_port_or_host_are_refused(tmp_path: Path, url: str) -> None:
    path = mirror_catalogue(tmp_path / "c.json", url)
    with pytest.raises(cat.CatalogueError, match="link"):
        cat.load(path)


def test_negative_zero_is_not_a_sheet_number(runner: CliRunner, tmp_path: Path) -> None:
    shown = runner.invoke(app, ["show", "-0"])
    assert shown.exit_code == 2 and "'-0' is not a sheet number" in shown.stderr
    path = tmp_path / "c.json"
    write_catalogue(path, [_sheet_with(title_en="vers -0 déchet")])
    path.write_text(path.read_text("utf-8").replace('"number": 1', '"number": -0'), "utf-8")
    with pytest.raises(cat.CatalogueError, match="-0"):
        cat.load(path)
    assert cat.load(write_catalogue(tmp_path / "ok.json", [_sheet_with(title_en="vers -0 d")]))


@pytest.mark.parametrize(
    "text", ["a\U000e0041b", "x\u206ay", "z\ufff9", "a\u180eb", "\u3164", "\u2800", "\U000e0020"]
)
def test_invisible_or_blank_looking_text_is_refused(tmp_path: Path, text: str) -> None:
    path = write_catalogue(tmp_path / "c.json", [_sheet_with(title_en=text)])
    with pytest.raises(cat.CatalogueError, match="control or invisible character"):
        cat.load(path)


def test_an_empty_catalogue_path_is_a_usage_error(runner: CliRunner) -> None:
    for args in (["validate", ""], ["-c", "", "list"], ["list", "-c", ""]):
        result = runner.invoke(app, args, env={"ESSKIT_CATALOGUE": str(BROKEN.parent)})
        assert result.exit_code == 2 and one_line_error(result.stderr), args
        assert "empty path" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("columns", ["0", "10000000", "9" * 5000, "abc"])
def test_help_is_drawn_within_the_width_limits(columns: str) -> None:
    result = subprocess.run(
        [*esskit_command(), "--help"],
        capture_output=True,
        text=True,
        env=_clean_env(COLUMNS=columns, LINES="9" * 5000),
        timeout=30,
        check=False,
    )
    assert result.returncode == 0 and result.stderr == ""
    assert 1_000 < len(result.stdout) < 200_000
    assert max(map(len, result.stdout.splitlines())) <= 500


@pytest.mark.slow
def test_an_encoding_that_cannot_write_text_falls_back_to_utf8() -> None:
    for args, code in ((["list"], 0), (["show", "99"], 2)):
        result = subprocess.run(
            [*esskit_command(), *args],
            capture_output=True,
            env=_clean_env(PYTHONIOENCODING="idna"),
            timeout=30,
            check=False,
        )
        assert result.returncode == code
        assert (result.stdout if code == 0 else result.stderr).decode("utf-8")


def test_a_narrow_glossary_table_cuts_no_word(runner: CliRunner) -> None:
    result = runner.invoke(app, ["glossary", "--format", "table"], env={"COLUMNS": "40"})
    assert result.exit_code == 0 and "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 40


@pytest.mark.slow
def test_sigterm_ends_esskit_with_one_line_and_143() -> None:
    import time

    process = subprocess.Popen(
        [*esskit_command(), "validate", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_clean_env(),
    )
    time.sleep(2)  # reading standard input, which never ends
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=30)
    assert (process.returncode, errors) == (143, b"esskit: terminated\n")


@pytest.mark.parametrize(
    ("char", "escape"),
    [
        ("\x1b", "\\x1b"),
        ("\x85", "\\x85"),
        ("\u200b", "\\u200b"),
        ("\u3164", "\\u3164"),  # Hangul filler: printable to Python, blank on a terminal
        ("\u2800", "\\u2800"),
        ("\udc80", "\\udc80"),  # an undecodable byte of a path
        ("\U000e0041", "\\U000e0041"),
    ],
)
def test_every_unsafe_character_is_shown_as_its_escape(char: str, escape: str) -> None:
    assert escaped(f"a{char}b") == f"a{escape}b"
