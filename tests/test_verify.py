"""verify against the ledger: a collection changed on disk in every way, one verify run,
the exact category and field list for each article."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

BANNER = ("This article exists as part of the online archive for HuffPost Australia, "
          "which closed in 2021.")
FOOTER = ("This article exists as part of the online archive for HuffPost Australia. "
          "Certain site features have been disabled. If you have questions or concerns, "
          "please check our FAQ or contact support@huffpost.com.")
_WORDS = ("harbour council ferry weekend storm rainfall coastal residents minister budget "
          "school teachers river bridge farmers drought market prices festival museum "
          "volunteers library tram signal orchard wetlands surveyors lighthouse quarry "
          "cyclists pantry archive timber wool kelp ridge").split()


def make_article(seed: int, *, credit: str = "Mara Quill via Reuters", paragraphs: int = 8) -> str:
    """A valid rendered-text article in the archive's shape, with invented wording."""
    rng = random.Random(seed)
    headline = " ".join(rng.choice(_WORDS).title() for _ in range(7))
    body = []
    for index in range(paragraphs):
        sentence = " ".join(rng.choice(_WORDS) for _ in range(45)).capitalize()
        body.append(sentence + (", the council told Reuters." if index == 0 else "."))
    caption = "Volunteers near the " + " ".join(rng.choice(_WORDS) for _ in range(5)) + "."
    image = "\n".join([caption, credit, caption, "Close"])
    return "\n\n".join([BANNER, headline, headline, *body, image, FOOTER]) + "\n"


def build_collection(root: Path, count: int = 12) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"a{i:02}.txt").write_text(make_article(i), encoding="utf-8")
    return root


def json_results(stdout: str) -> dict[str, dict]:
    out = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            data = json.loads(line)
            out[data["path"]] = data
    return out


def fingerprint_in_process(coll: Path, ledger: Path) -> None:
    """The library path of ``archivekit fingerprint`` (saves a CLI start-up per test)."""
    from archivekit.checker import Checker
    from archivekit.fingerprint import fingerprint_paths
    from archivekit.ledger import Ledger

    with Ledger(ledger) as book:
        for _ in fingerprint_paths([str(coll)], book, Checker(keep_record=True)):
            pass


def verify_in_process(coll: Path, ledger: Path, **options) -> dict[str, dict]:
    from archivekit.checker import Checker
    from archivekit.ledger import Ledger
    from archivekit.verify import VerifyOptions, verify_paths

    with Ledger(ledger, create=False) as book:
        return {Path(r.path).name: r.to_dict() for r in verify_paths(
            [str(coll)], book, Checker(keep_record=True), VerifyOptions(**options))}


def _reformat(text: str) -> str:
    # Markup-only change for a text page: wider spacing, doubled blank lines.
    return text.replace("\n\n", "\n\n\n").replace(". ", ".  ")


def change_in_every_way(coll: Path, tmp_path: Path) -> bool:
    """Change a fingerprinted ``build_collection(coll)`` on disk in every way verify tells
    apart (verify it with --follow-symlinks). Returns whether chmod 000 made a08
    unreadable (not when running as root)."""
    a = lambda n: coll / f"a{n:02}.txt"  # noqa: E731
    a(0).write_text(a(0).read_text().replace("Mara Quill via Reuters", "Mara Quill via AAP"))
    a(1).write_text(_reformat(a(1).read_text()))
    a(2).unlink()
    (coll / "zz-new.txt").write_text(make_article(1000), encoding="utf-8")
    a(3).rename(coll / "renamed.txt")
    shutil.copy(a(4), coll / "copy-of-4.txt")
    text = a(5).read_text()
    (coll / "near-copy-of-5.txt").write_text(text.replace("the council told Reuters",
                                                          "the council told Reuters on Monday"))
    a(6).unlink()
    # A dangling link, followed with --follow-symlinks: the open fails, as for a file that
    # vanished or lost its permissions (works as root too).
    os.symlink(tmp_path / "nowhere.txt", a(6))
    # A headline and a body edit together: both fields named.
    lines = a(7).read_text().split("\n\n")
    lines[1] = lines[2] = "A Different Headline Entirely"
    lines[4] = lines[4] + " An added sentence."
    a(7).write_text("\n\n".join(lines))
    chmod_done = False
    if os.geteuid() != 0:
        a(8).chmod(0)
        chmod_done = True
    return chmod_done


def test_every_category_in_one_run(tmp_path, run_cli):
    coll = build_collection(tmp_path / "coll")
    ledger = tmp_path / "fixity.db"
    done = run_cli("fingerprint", coll, "--ledger", ledger)
    assert done.returncode == 0, done.stderr
    chmod_done = change_in_every_way(coll, tmp_path)

    proc = run_cli("verify", coll, "--ledger", ledger, "--format", "json", "--follow-symlinks")
    got = {Path(p).name: (r["fingerprint"]["categories"], r["fingerprint"].get("fields", []))
           for p, r in json_results(proc.stdout).items()}
    expected = {
        "a00.txt": (["changed"], ["images/0/credit"]),
        "a01.txt": (["changed"], []),
        "a02.txt": (["missing"], []),
        "zz-new.txt": (["new"], []),
        "renamed.txt": (["moved"], []),
        "a04.txt": (["unchanged"], []),
        "copy-of-4.txt": (["duplicate"], []),
        "a05.txt": (["unchanged"], []),
        "near-copy-of-5.txt": (["near_duplicate"], []),
        "a06.txt": (["unreadable"], []),
        "a07.txt": (["changed"], ["headline", "body"]),
        "a08.txt": (["unreadable"] if chmod_done else ["unchanged"], []),
        "a09.txt": (["unchanged"], []),
        "a10.txt": (["unchanged"], []),
        "a11.txt": (["unchanged"], []),
    }
    assert got == expected
    results = json_results(proc.stdout)
    by_name = {Path(p).name: r for p, r in results.items()}
    rules = {name: sorted(f["rule"] for f in r["findings"]) for name, r in by_name.items()}
    assert rules["a00.txt"] == ["fixity.changed"]
    assert by_name["a00.txt"]["findings"][0]["pointer"] == "/images/0/credit"
    assert rules["a01.txt"] == ["fixity.markup_only"]
    assert by_name["a01.txt"]["fingerprint"]["markup_only"] is True
    assert rules["a02.txt"] == ["fixity.missing"]
    assert rules["renamed.txt"] == ["fixity.moved"]
    assert by_name["renamed.txt"]["fingerprint"]["moved_from"].endswith("a03.txt")
    assert by_name["copy-of-4.txt"]["fingerprint"]["other"].endswith("a04.txt")
    assert by_name["near-copy-of-5.txt"]["fingerprint"]["other"].endswith("a05.txt")
    assert rules["a06.txt"] == ["fixity.unreadable"]
    assert rules["a07.txt"] == ["fixity.changed", "fixity.changed"]
    # An unreadable file is input that could not be read: exit 3, as for check.
    assert proc.returncode == 3, proc.stderr
    if not chmod_done:
        pytest.skip("running as root: chmod 000 does not make a file unreadable "
                    "(the dangling link covered 'unreadable')")


def test_exit_codes_and_reporters(tmp_path, run_cli):
    from lxml import etree

    coll = build_collection(tmp_path / "coll", 3)
    ledger = tmp_path / "l.db"
    fingerprint_in_process(coll, ledger)
    clean = run_cli("verify", coll, "--ledger", ledger)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "3 articles" in clean.stdout
    (coll / "a01.txt").unlink()
    failed = run_cli("verify", coll, "--ledger", ledger, "--format", "junit")
    assert failed.returncode == 1
    suites = etree.fromstring(failed.stdout.encode())
    assert len(suites.findall(".//testcase")) == 3
    sarif = json.loads(run_cli("verify", coll, "--ledger", ledger, "-f", "sarif").stdout)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["fixity.missing"]


def test_collection_moved_as_a_whole_still_verifies(tmp_path, run_cli):
    coll = build_collection(tmp_path / "first-home", 4)
    ledger = tmp_path / "l.db"
    fingerprint_in_process(coll, ledger)
    moved = tmp_path / "elsewhere" / "second-home"
    moved.parent.mkdir()
    coll.rename(moved)
    results = verify_in_process(moved, ledger)
    assert {r["fingerprint"]["category"] for r in results.values()} == {"unchanged"}
    assert len(results) == 4


def test_near_distance_option_and_duplicates_within_the_ledger(tmp_path):
    coll = build_collection(tmp_path / "coll", 3)
    text = (coll / "a00.txt").read_text()
    (coll / "b-copy.txt").write_text(text)
    (coll / "c-near.txt").write_text(text.replace("Reuters.", "Reuters today."))
    ledger = tmp_path / "l.db"
    fingerprint_in_process(coll, ledger)
    (coll / "d-near-new.txt").write_text(text.replace("Reuters.", "Reuters today."))
    results = verify_in_process(coll, ledger)
    # Both in the ledger: the later path carries the relation, the earlier stays clean.
    assert results["a00.txt"]["fingerprint"]["categories"] == ["unchanged"]
    assert results["b-copy.txt"]["fingerprint"]["categories"] == ["unchanged", "duplicate"]
    # Near-duplicates are looked for around content the ledger does not know yet.
    assert results["c-near.txt"]["fingerprint"]["categories"] == ["unchanged"]
    assert results["d-near-new.txt"]["fingerprint"]["categories"] == ["duplicate"]
    (coll / "d-near-new.txt").write_text(text.replace("Reuters.", "Reuters yesterday."))
    results = verify_in_process(coll, ledger)
    assert results["d-near-new.txt"]["fingerprint"]["categories"] == ["near_duplicate"]
    off = verify_in_process(coll, ledger, near_distance=0)
    assert off["d-near-new.txt"]["fingerprint"]["categories"] == ["new"]


def test_verify_records_fixity_events_and_history_shows_them(tmp_path, run_cli):
    coll = build_collection(tmp_path / "coll", 2)
    ledger = tmp_path / "l.db"
    fingerprint_in_process(coll, ledger)
    verify_in_process(coll, ledger)
    shown = run_cli("history", coll / "a00.txt", "--ledger", ledger, "--json")
    assert shown.returncode == 0, shown.stderr
    events = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [e["type"] for e in events] == ["message digest calculation", "validation",
                                           "fixity check"]
    assert all(e["agent"].startswith("archivekit ") for e in events)
    assert events[2]["outcome"] == "success"
    text = run_cli("history", "a00.txt", "nope.txt", "--ledger", ledger)
    assert text.returncode == 1 and "fixity check" in text.stdout
    assert "no events for nope.txt" in text.stderr
    db = sqlite3.connect(ledger)
    assert [s for (s,) in db.execute("SELECT status FROM runs ORDER BY id")] == \
        ["complete", "complete"]


def test_verify_without_ledger_is_a_one_line_error(tmp_path, run_cli):
    coll = build_collection(tmp_path / "coll", 1)
    proc = run_cli("verify", coll, "--ledger", tmp_path / "absent.db")
    assert proc.returncode == 3
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("archivekit: error:")
    assert not (tmp_path / "absent.db").exists()
