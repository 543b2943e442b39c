"""Completion: descriptions that no shell or Rich reads as code, and an installation that loses
nothing. The shell tests drive the real zsh, fish and bash (skipped where one is missing) with the
installed command; every test uses its own directory as HOME."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from helpers import SHELL_GIVEN, esskit_command, one_line_error, write_catalogue
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from esskit import completion
from esskit.cli import app

BIN = Path(esskit_command()[0]).parent
"""The directory of the installed `esskit`, put first on the shells' PATH."""

HOSTILE = [
    "Commande \\$(touch {marker}1) publique",
    'a\\" ) ; touch {marker}2 ; ws=( \\"',
    "`touch {marker}3`",
    "$(touch {marker}4) et ${{IFS}}",
    "x'; touch {marker}5; '",
    'y"; touch {marker}6; "',
    "(touch {marker}7) ; touch {marker}8 & | > {marker}9",
]
"""Titles that ran code in zsh (the first two are the report's), or would in fish or bash."""

BENIGN = "Benin, 100 % (ok) & l'accès ?"
BENIGN_SHOWN = "Benin, 100 % (ok) & l’accès ?"
"""A harmless title, and the description each shell is offered for it."""

MARKUP = ["a [/nope] b", "[bold]gras[/bold] :smile: :red_heart:", "x \\[y] [link=https://e.x]z"]
"""Titles that Rich would read as markup (the first one raised MarkupError) or emoji codes."""


def _env(home: Path, **extra: str) -> dict[str, str]:
    """An environment built from nothing: the installed esskit first on PATH, `home` as HOME,
    completion given its shell by argument, plus `extra`."""
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "LANG": "C.UTF-8",
        "TERM": "xterm",
        "COLUMNS": "80",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        **SHELL_GIVEN,
        **extra,
    }


def _install_bash(env: dict[str, str], **extra: Any) -> subprocess.CompletedProcess[str]:
    """A run of the installed `esskit --install-completion bash` in this environment."""
    argv = [*esskit_command(), "--install-completion", "bash"]
    return subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=30, check=False, **extra
    )


def _shell(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A run of a real shell, its output captured, within a minute."""
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)


def _hostile_catalogue(tmp_path: Path, titles: list[str]) -> tuple[Path, Path]:
    """A catalogue of the hostile titles then a benign one (each a French title), and the
    prefix of the marker files the titles try to create."""
    marker = tmp_path / "pwned"
    sheets = [
        {"number": n, "category": "lever", "title_en": f"E{n}", "title_fr": t.format(marker=marker)}
        for n, t in enumerate([*titles, BENIGN])
    ]
    return write_catalogue(tmp_path / "hostile.json", sheets), marker


def _markers(marker: Path) -> list[str]:
    """The marker files some title managed to create."""
    return sorted(path.name for path in marker.parent.glob(f"{marker.name}*"))


def _script(shell: str, home: Path) -> Path:
    """The completion script of a shell, as `esskit --show-completion SHELL` writes it."""
    done = subprocess.run(
        [*esskit_command(), "--show-completion", shell],
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=30,
        check=True,
    )
    path = home / f"completion.{shell}"
    path.write_text(done.stdout)
    return path


def _complete(shell: str, line: str, **env: str) -> list[str]:
    """What esskit answers a shell (zsh: its `_arguments` call) for the line typed so far."""
    words = {
        "_ESSKIT_COMPLETE": f"complete_{shell}",
        "_TYPER_COMPLETE_ARGS": line,
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "COLUMNS": "80",
        **env,
    }
    result = CliRunner().invoke(app, [], env=words, prog_name="esskit")
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    return result.stdout.splitlines()


# Descriptions

_SHELL_SPECIAL = set("$`\\\"':[]{}<>|*~#=^\n\r\t\x00")
"""Characters that one of zsh's two readings, fish or Rich takes as more than text."""


@pytest.mark.parametrize("title", [*HOSTILE, *MARKUP])
def test_description_of_a_hostile_title_holds_nothing_a_shell_or_rich_reads(title: str) -> None:
    shown = completion.description(title.format(marker="/tmp/pwned"))
    assert not set(shown) & _SHELL_SPECIAL
    assert len(shown.split()) >= 2  # the words are kept


def test_description_of_the_reported_titles() -> None:
    assert completion.description(HOSTILE[0].format(marker="/tmp/p")) == (
        "Commande (touch /tmp/p1) publique"
    )
    assert completion.description(HOSTILE[1].format(marker="/tmp/p")) == (
        "a ) ; touch /tmp/p2 ; ws ("
    )
    assert completion.description(MARKUP[1]) == "bold gras /bold smile red heart"


def test_description_keeps_letters_of_every_script_digits_and_plain_punctuation() -> None:
    title = "Économie 2020 – «sociale», l’ESS & co ? 日本語 русский ελληνικά हिन्दी 1/2 %"
    assert completion.description(title) == title
    assert completion.description(BENIGN) == BENIGN_SHOWN


def test_description_is_one_line_with_single_spaces() -> None:
    title = "a\nb\r\nc\td\u2028e\u00a0f\u200bg  \u3000 h\x1b[31m"
    assert completion.description(title) == "a b c d e f g h 31m"


@pytest.mark.parametrize("width", [1, 2, 10, 40, 79])
def test_description_is_cut_to_its_width_with_an_ellipsis(width: int) -> None:
    for title in ["mot " * 40, "日本語のタイトル" * 10, "x" * 200]:
        shown = completion.description(title, width)
        cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in shown)
        assert cells <= width and shown.endswith("…"), (width, shown)
    short = completion.description("court", width)
    if width >= 5:
        assert short == "court"
    else:
        assert len(short) == width and short.endswith("…")


def test_description_width_follows_typer_and_rich_settings() -> None:
    width = completion.description_width
    assert width({"COLUMNS": "200"}) == completion.MAX_DESCRIPTION
    assert width({"COLUMNS": "40"}) == 39
    assert width({"TERMINAL_WIDTH": "30", "COLUMNS": "200"}) == 29
    assert width({"COLUMNS": "8"}) == 0 and completion.description("abc", 0) == ""


@given(st.text(), st.integers(min_value=11, max_value=200))
def test_any_title_comes_out_of_rich_as_it_went_in(title: str, columns: int) -> None:
    # what Typer does to every description: Rich renders it at the console's width
    from typer.rich_utils import rich_render_text

    shown = completion.description(title, completion.description_width({"COLUMNS": str(columns)}))
    os.environ["COLUMNS"] = str(columns)  # the conftest fixture puts it back after the test
    assert rich_render_text(shown) == shown
    assert not set(shown) & _SHELL_SPECIAL


def test_completion_with_markup_in_titles_offers_every_number_once(tmp_path: Path) -> None:
    path, _ = _hostile_catalogue(tmp_path, MARKUP)
    fish = _complete("fish", f"esskit -c {path} show ")
    assert [line.split("\t")[0] for line in fish] == ["0", "1", "2", "3"]
    zsh = "\n".join(_complete("zsh", f"esskit -c {path} show "))
    assert '"0":"a /nope b"' in zsh and "[" not in zsh.replace("'*: :((", "")


def test_fish_is_offered_no_wrapped_piece_of_a_long_title() -> None:
    for columns in ("80", "40", "200"):
        offered = _complete("fish", "esskit show ", COLUMNS=columns)
        assert [line.split("\t")[0] for line in offered] == [str(n) for n in range(25)]
        assert all(len(line.split("\t")[1]) < int(columns) for line in offered)
        assert offered[0].endswith("…") and offered[13].endswith("solidaire") == (columns != "40")


def test_zsh_script_reads_the_answer_unsplit() -> None:
    assert 'eval "$(env _TYPER_COMPLETE_ARGS=' in completion.script("zsh", "esskit")


# The real shells


def _need(shell: str) -> str:
    """The path of a shell, or skip the test saying it is missing."""
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed")
    return path


_ZPTY_DRIVER = r"""
zmodload zsh/zpty || exit 3
zmodload zsh/datetime
zpty z 'zsh -f -i'
zpty -w z "export PATH=${(q)PATH}; stty rows 50 cols 200; bindkey -e; PS1='> '; LISTMAX=1000"
zpty -w z "autoload -Uz compinit; compinit -u -D; source ${(q)1}; print -r -- READY-\$((6*7))"
zpty -r z out '*READY-42*'
zpty -r z out '*> '
zpty -w -n z "$2"$'\t'
out=
start=$EPOCHREALTIME
while (( EPOCHREALTIME - start < 15 )); do
  if zpty -rt z chunk; then out+=$chunk; [[ $out == *${~3}* ]] && break; else sleep 0.05; fi
done
sleep 0.5
while zpty -rt z chunk; do out+=$chunk; done
zpty -w z $'\x15'"print -r -- END-\$((6*7))"
zpty -r z rest '*END-42*'
zpty -d z
print -r -- "$out$rest"
"""
"""Drive an interactive zsh in a pseudo-terminal: source the script ($1), type the line ($2)
and TAB, wait for the listing to show $3, then end; print what the terminal showed."""


@pytest.mark.slow
@pytest.mark.parametrize("via", ["option", "environment"])
def test_zsh_runs_nothing_from_a_hostile_catalogue_at_tab(tmp_path: Path, via: str) -> None:
    zsh = _need("zsh")
    path, marker = _hostile_catalogue(tmp_path, HOSTILE)
    driver = tmp_path / "drive.zsh"
    driver.write_text(_ZPTY_DRIVER)
    line, env = (
        (f"esskit -c {path} show ", {})
        if via == "option"
        else ("esskit open ", {"ESSKIT_CATALOGUE": str(path)})
    )
    done = subprocess.run(
        [zsh, "-f", str(driver), str(_script("zsh", tmp_path)), line, "*Benin*"],
        capture_output=True,
        text=True,
        errors="replace",
        env=_env(tmp_path, SHELL=zsh, ZDOTDIR=str(tmp_path), **env),
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _markers(marker) == []
    shown = done.stdout
    assert BENIGN_SHOWN in shown and "Commande (touch" in shown, shown[-2000:]
    # the benign sheet's number, listed with the others (zsh pads the numbers as it lays them out)
    assert re.search(rf"\b{len(HOSTILE)} +-- ", shown), shown[-2000:]


@pytest.mark.slow
def test_fish_runs_nothing_and_offers_only_numbers(tmp_path: Path) -> None:
    fish = _need("fish")
    path, marker = _hostile_catalogue(tmp_path, [*HOSTILE, *MARKUP])
    script = _script("fish", tmp_path)
    done = _shell(
        [fish, "--no-config", "-c", f'source {script}; complete -C "esskit -c $CAT show "'],
        _env(tmp_path, SHELL=fish, CAT=str(path)),
    )
    assert done.returncode == 0, done.stderr
    offered = dict(line.split("\t") for line in done.stdout.splitlines())
    assert list(offered) == [str(n) for n in range(len(HOSTILE) + len(MARKUP) + 1)]
    assert offered[str(len(HOSTILE) + len(MARKUP))] == BENIGN_SHOWN
    assert _markers(marker) == []


@pytest.mark.slow
def test_fish_offers_the_packaged_numbers_and_no_wrapped_lines(tmp_path: Path) -> None:
    fish = _need("fish")
    script = _script("fish", tmp_path)
    done = _shell(
        [fish, "--no-config", "-c", f'source {script}; complete -C "esskit show "'],
        _env(tmp_path, SHELL=fish),
    )
    offered = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert (done.returncode, offered) == (0, [str(n) for n in range(25)])


@pytest.mark.slow
def test_bash_runs_nothing_and_gets_the_bare_numbers(tmp_path: Path) -> None:
    bash = _need("bash")
    path, marker = _hostile_catalogue(tmp_path, [*HOSTILE, *MARKUP])
    script = _script("bash", tmp_path)
    command = (
        f"source {script}\n"
        'COMP_WORDS=(esskit -c "$CAT" show ""); COMP_CWORD=4\n'
        "_esskit_completion esskit\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = _shell(
        [bash, "--norc", "--noprofile", "-c", command], _env(tmp_path, SHELL=bash, CAT=str(path))
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(n) for n in range(len(HOSTILE) + len(MARKUP) + 1)]
    assert _markers(marker) == []


# HOME


def _files(directory: Path) -> set[str]:
    """Every path under a directory, relative to it."""
    return {str(path.relative_to(directory)) for path in directory.rglob("*")}


@pytest.mark.parametrize("home", [None, "", "home", "./home", "/tmp/x\n/y"])
def test_install_refuses_a_home_that_is_not_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: str | None
) -> None:
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(completion.CompletionError, match="HOME"):
        completion.install("bash", "esskit", home)
    assert _files(tmp_path) == {"home"}


def test_install_refuses_a_home_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(completion.CompletionError, match="not a directory"):
        completion.install("bash", "esskit", str(tmp_path / "gone"))
    assert _files(tmp_path) == set()


@pytest.mark.slow
@pytest.mark.parametrize("home", [None, "", "home"], ids=["unset", "empty", "relative"])
def test_install_with_no_home_exits_2_in_one_line_and_writes_nothing(
    tmp_path: Path, home: str | None
) -> None:
    (tmp_path / "home").mkdir()
    env = _env(tmp_path)
    del env["HOME"]
    if home is not None:
        env["HOME"] = home
    before = {name: Path("/", name).exists() for name in (".bashrc", ".bash_completions")}
    done = _install_bash(env, cwd=tmp_path)
    assert done.returncode == 2 and one_line_error(done.stderr), done.stderr
    assert "HOME" in done.stderr and done.stdout == ""
    assert _files(tmp_path) == {"home"}
    assert before == {name: Path("/", name).exists() for name in before}


# Installing


def _source_line(home: Path) -> bytes:
    return f"source '{home}/.bash_completions/esskit.sh'\n".encode()


def test_install_bash_writes_the_script_then_one_source_line(tmp_path: Path) -> None:
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"# mine\nalias ll='ls -l'\n")
    path = completion.install("bash", "esskit", str(tmp_path))
    assert path == tmp_path / ".bash_completions" / "esskit.sh"
    assert path.read_text() == completion.script("bash", "esskit")
    assert rc.read_bytes() == b"# mine\nalias ll='ls -l'\n" + _source_line(tmp_path)


def test_a_second_install_changes_nothing(tmp_path: Path) -> None:
    completion.install("bash", "esskit", str(tmp_path))
    first = {
        name: (tmp_path / name).read_bytes() for name in (".bashrc", ".bash_completions/esskit.sh")
    }
    stamps = {name: (tmp_path / name).stat().st_mtime_ns for name in first}
    files = _files(tmp_path)
    completion.install("bash", "esskit", str(tmp_path))
    assert {name: (tmp_path / name).read_bytes() for name in first} == first
    assert {name: (tmp_path / name).stat().st_mtime_ns for name in first} == stamps
    assert _files(tmp_path) == files  # no temporary file left either


def test_install_adds_the_line_once_after_a_last_line_without_newline(tmp_path: Path) -> None:
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"export A=1")
    for _ in range(3):
        completion.install("bash", "esskit", str(tmp_path))
    assert rc.read_bytes() == b"export A=1\n" + _source_line(tmp_path)


def test_install_finds_the_line_already_there_even_indented_or_in_crlf(tmp_path: Path) -> None:
    rc = tmp_path / ".bashrc"
    held = b"x\r\n  " + _source_line(tmp_path).rstrip(b"\n") + b"\r\ny\r\n"
    rc.write_bytes(held)
    completion.install("bash", "esskit", str(tmp_path))
    assert rc.read_bytes() == held


def test_install_keeps_a_latin1_bashrc_byte_for_byte(tmp_path: Path) -> None:
    rc = tmp_path / ".bashrc"
    held = "# écrit en Latin-1 : déjà vu\nexport NOM='Hélène'\n".encode("latin-1") + b"\xff\xfe\n"
    rc.write_bytes(held)
    completion.install("bash", "esskit", str(tmp_path))
    assert rc.read_bytes() == held + _source_line(tmp_path)


def test_install_keeps_the_bashrc_permissions(tmp_path: Path) -> None:
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"x\n")
    rc.chmod(0o600)
    completion.install("bash", "esskit", str(tmp_path))
    assert stat.S_IMODE(rc.stat().st_mode) == 0o600 and rc.read_bytes().startswith(b"x\n")


def test_install_writes_through_a_symlinked_bashrc(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "bashrc").write_bytes(b"# kept in git\n")
    rc = tmp_path / ".bashrc"
    rc.symlink_to(dotfiles / "bashrc")
    completion.install("bash", "esskit", str(tmp_path))
    assert rc.is_symlink() and rc.readlink() == dotfiles / "bashrc"
    assert (dotfiles / "bashrc").read_bytes() == b"# kept in git\n" + _source_line(tmp_path)


def test_install_quotes_a_home_with_a_quote_in_it(tmp_path: Path) -> None:
    home = tmp_path / "o'neil dir"
    home.mkdir()
    completion.install("bash", "esskit", str(home))
    line = (home / ".bashrc").read_text()
    assert line == f"source '{tmp_path}/o'\\''neil dir/.bash_completions/esskit.sh'\n"
    bash = shutil.which("bash")
    if bash is not None:  # the line, read by bash, sources the script
        done = subprocess.run(
            [bash, "--norc", "-c", 'source "$HOME/.bashrc" 2>&1; complete -p esskit'],
            capture_output=True,
            text=True,
            env=_env(home),
            check=False,
        )
        assert "_esskit_completion" in done.stdout, done.stdout


def test_install_zsh_writes_its_function_and_one_line(tmp_path: Path) -> None:
    path = completion.install("zsh", "esskit", str(tmp_path))
    completion.install("zsh", "esskit", str(tmp_path))
    assert path == tmp_path / ".zfunc" / "_esskit"
    assert path.read_text().startswith("#compdef esskit\n")
    assert (tmp_path / ".zshrc").read_bytes() == (
        b"fpath+=~/.zfunc; autoload -Uz compinit; compinit\n"
    )


def test_install_fish_writes_its_completion_file_only(tmp_path: Path) -> None:
    path = completion.install("fish", "esskit", str(tmp_path))
    assert path == tmp_path / ".config" / "fish" / "completions" / "esskit.fish"
    assert path.read_text() == completion.script("fish", "esskit")
    assert _files(tmp_path) == {
        ".config",
        ".config/fish",
        ".config/fish/completions",
        str(path.relative_to(tmp_path)),
    }


def test_install_unknown_shell_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(completion.CompletionError, match="choose bash, zsh, fish"):
        completion.install("tcsh", "esskit", str(tmp_path))
    assert _files(tmp_path) == set()


def _block_the_script_directory(home: Path) -> Path:
    """Make writing the script fail: a read-only home, or (as root, whom permissions do not stop)
    a file where its directory should be; the path the error should name."""
    if os.geteuid() == 0:
        (home / ".bash_completions").write_text("not a directory")
        return home / ".bash_completions"
    home.chmod(0o500)
    return home / ".bash_completions"


def test_install_that_cannot_write_the_script_names_it_and_leaves_bashrc(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_bytes(b"keep\n")
    blocked = _block_the_script_directory(home)
    try:
        with pytest.raises(OSError) as caught:
            completion.install("bash", "esskit", str(home))
    finally:
        home.chmod(0o700)
    assert caught.value.filename == str(blocked)
    assert (home / ".bashrc").read_bytes() == b"keep\n"


@pytest.mark.slow
def test_install_blocked_is_one_line_naming_the_path_and_exit_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_bytes(b"keep\n")
    blocked = _block_the_script_directory(home)
    try:
        done = _install_bash(_env(home))
    finally:
        home.chmod(0o700)
    assert done.returncode == 2 and one_line_error(done.stderr), done.stderr
    assert done.stderr.startswith("esskit: cannot install completion: ")
    assert done.stderr.rstrip().endswith(f": {blocked}")
    assert (home / ".bashrc").read_bytes() == b"keep\n"


def _full_disk() -> None:
    """In the child: files may not grow past 64 KiB, as on a disk that is full (the signal that
    would kill the writer is ignored, so the write fails with EFBIG instead)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))


def _big_bashrc(home: Path) -> bytes:
    """A 20 000-line ~/.bashrc, each line different; its bytes."""
    held = b"".join(b"export LINE_%05d='kept'\n" % n for n in range(20_000))
    (home / ".bashrc").write_bytes(held)
    return held


@pytest.mark.slow
def test_install_on_a_full_disk_names_bashrc_and_leaves_it_whole(tmp_path: Path) -> None:
    held = _big_bashrc(tmp_path)
    done = _install_bash(_env(tmp_path), preexec_fn=_full_disk)
    assert done.returncode == 2 and one_line_error(done.stderr), done.stderr
    assert done.stderr == f"esskit: cannot install completion: File too large: {tmp_path}/.bashrc\n"
    assert (tmp_path / ".bashrc").read_bytes() == held
    # the script was written first and whole: a later .bashrc line would source all of it
    script = tmp_path / ".bash_completions" / "esskit.sh"
    assert script.read_text() == completion.script("bash", "esskit")
    assert _files(tmp_path) == {
        ".bashrc",
        ".bashrc.esskit-lock",
        ".bash_completions",
        ".bash_completions/esskit.sh",
    }


@pytest.mark.slow
def test_thirty_installs_at_once_keep_every_line_and_add_one(tmp_path: Path) -> None:
    held = _big_bashrc(tmp_path)
    runs = [
        subprocess.Popen(
            [*esskit_command(), "--install-completion", "bash"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(tmp_path),
        )
        for _ in range(30)
    ]
    results = [(*run.communicate(timeout=120), run.returncode) for run in runs]
    assert all(err == b"" and code == 0 for _, err, code in results), results[:3]
    assert (tmp_path / ".bashrc").read_bytes() == held + _source_line(tmp_path)
    assert len(list(tmp_path.glob(".bashrc*"))) == 2  # the file and its lock, no temporary one


@pytest.mark.parametrize(("value", "shell"), [("/usr/bin/zsh", "zsh"), ("bash", "bash")])
def test_detected_shell_reads_shell(value: str, shell: str) -> None:
    assert completion.detected_shell({"SHELL": value}) == shell


@pytest.mark.parametrize("value", [None, "", "/bin/tcsh", "/bin/zsh5"])
def test_an_unknown_shell_says_how_to_name_one(value: str | None) -> None:
    environ = {} if value is None else {"SHELL": value}
    with pytest.raises(completion.CompletionError, match="SHELL=bash esskit --install-completion"):
        completion.detected_shell(environ)
