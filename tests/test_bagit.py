"""BagIt 1.0 bags: archivekit's bag validates with bagit-python; an edited bag is caught
by bagit-python and by ``archivekit verify --bag`` naming every faulty file."""

from __future__ import annotations

import json
from pathlib import Path

import bagit
import pytest
from test_verify import build_collection

from archivekit.export.bagit import BagError, check_bag, write_bag


def _bag(tmp_path: Path) -> Path:
    coll = build_collection(tmp_path / "coll", 4)
    (coll / "sub").mkdir()
    (coll / "sub" / "odd name %.txt").write_text("percent and space in the name\n")
    files = [(str(p), p.relative_to(coll).as_posix()) for p in sorted(coll.rglob("*.txt"))]
    return write_bag(files, tmp_path / "bag", info={"External-Identifier": "test-1"},
                     source_organization="Example Archive")


def test_bag_validates_with_bagit_python(tmp_path):
    out = _bag(tmp_path)
    bag = bagit.Bag(str(out))
    bag.validate()
    assert bag.version == "1.0"
    assert set(bag.algorithms) == {"sha256", "sha512"}
    info = bag.info
    assert info["Payload-Oxum"].endswith(".5")
    assert info["Source-Organization"] == "Example Archive"
    assert info["Bag-Count"] == "1 of 1"
    assert "Bagging-Date" in info
    assert (out / "tagmanifest-sha256.txt").exists() and (out / "tagmanifest-sha512.txt").exists()
    assert check_bag(out).problems == []
    assert not list(tmp_path.glob(".bag.tmp-*"))


def test_edited_bag_is_caught_by_both(tmp_path, run_cli):
    out = _bag(tmp_path)
    (out / "data" / "a00.txt").write_text("edited behind the bag's back\n")
    (out / "data" / "a01.txt").unlink()
    (out / "data" / "stowaway.txt").write_text("not in any manifest\n")
    with open(out / "data" / "a02.txt", "r+b") as handle:  # same size, one byte flipped
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(out)).validate()
    proc = run_cli("verify", "--bag", out, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    faults = {}
    for line in proc.stdout.splitlines():
        result = json.loads(line)
        if result["findings"]:
            faults[Path(result["path"]).relative_to(out).as_posix()] = \
                sorted(f["rule"] for f in result["findings"])
    assert faults == {
        "data/a00.txt": ["bag.changed"],
        "data/a01.txt": ["bag.missing"],
        "data/a02.txt": ["bag.changed"],
        "data/stowaway.txt": ["bag.unexpected"],
        "bag-info.txt": ["bag.oxum"],
    }


def test_tag_file_edit_is_caught(tmp_path):
    out = _bag(tmp_path)
    with open(out / "bag-info.txt", "a", encoding="utf-8") as handle:
        handle.write("Contact-Name: someone else\n")
    kinds = [(p.kind, p.path) for p in check_bag(out).problems]
    assert kinds == [("tag_changed", "bag-info.txt"), ("tag_changed", "bag-info.txt")]


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "a/../../b.txt", ""])
def test_names_that_escape_data_are_refused(tmp_path, name):
    src = tmp_path / "f.txt"
    src.write_text("x")
    with pytest.raises(BagError):
        write_bag([(str(src), name)], tmp_path / "bag")
    assert not (tmp_path / "bag").exists()
    assert not list(tmp_path.glob(".bag.tmp-*"))


def test_bag_verb(tmp_path, run_cli):
    coll = build_collection(tmp_path / "coll", 3)
    out = tmp_path / "out-bag"
    proc = run_cli("bag", coll, "-o", out, "--source-organization", "Example Archive",
                   "--info", "Contact-Name: A. Person")
    assert proc.returncode == 0, proc.stderr
    bagit.Bag(str(out)).validate()
    assert sorted(p.name for p in (out / "data").iterdir()) == ["a00.txt", "a01.txt", "a02.txt"]
    assert "Contact-Name: A. Person" in (out / "bag-info.txt").read_text()
    again = run_cli("bag", coll, "-o", out)
    assert again.returncode == 3 and "not an empty directory" in again.stderr


def test_verify_bag_verb_is_verify_dash_dash_bag(tmp_path, run_cli, fixtures_dir):
    bag = tmp_path / "bag"
    assert run_cli("bag", fixtures_dir / "html", "-o", bag).returncode == 0
    (bag / "data" / "extra.html").write_text("x")
    new = run_cli("verify-bag", bag, "-f", "json")
    old = run_cli("verify", "--bag", bag, "-f", "json")
    assert new.returncode == old.returncode == 1
    assert new.stdout == old.stdout and "bag.unexpected" in new.stdout
