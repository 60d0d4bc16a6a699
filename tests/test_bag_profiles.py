"""BagIt profiles: ``bag`` and ``archive --bag`` write bags that bagit-python validates and
that the ``bagit-profile`` package validates against the Beyond the Repository profile
(by default) and APTrust 2.2's (``--bag-profile aptrust``), the profiles read from
../shared/reference/specs/bagit-profiles/ (no network)."""

from __future__ import annotations

import json
import mimetypes
import os
import tarfile
from pathlib import Path

import bagit
import pytest
from conftest import FIXTURES, ROOT

bagit_profile = pytest.importorskip("bagit_profile")

PROFILES = ROOT.parent / "shared" / "reference" / "specs" / "bagit-profiles"
pytestmark = pytest.mark.skipif(not PROFILES.is_dir(), reason=f"{PROFILES} not found")


def profile(name: str):
    """The profile as bagit-profile reads it, from disk (its URL is the identifier the
    bag must carry; nothing is fetched)."""
    data = json.loads((PROFILES / f"{name}.bagit-profiles.json").read_text(encoding="utf-8"))
    return bagit_profile.Profile(data["BagIt-Profile-Info"]["BagIt-Profile-Identifier"], profile=data)


def collection_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


def assert_valid(bag_dir: Path, name: str) -> bagit.Bag:
    bag = bagit.Bag(str(bag_dir))
    bag.validate()
    checker = profile(name)
    assert checker.validate(bag), str(checker.report)
    return bag


def test_bag_is_btr_valid_by_default_and_holds_every_file(tmp_path, run_cli):
    out = tmp_path / "bag"
    proc = run_cli("bag", FIXTURES, "-o", out)
    assert proc.returncode == 0, proc.stderr
    bag = assert_valid(out, "btr-v1.0")
    assert profile("btr-v1.0").validate_serialization(str(out))
    assert bag.info["Source-Organization"] == "unspecified"
    assert bag.info["BagIt-Profile-Identifier"].endswith("btr-bagit-profile.json")
    payload = {name.removeprefix("data/") for name in bag.payload_entries()}
    # every file of the collection, the non-article ones too (README, profile JSON, script)
    assert payload == collection_files(FIXTURES)
    assert {"README.md", "profiles/example-courier.json", "warc/build_sample.py"} <= payload
    assert not (out / "archivekit-left-out.txt").exists()


def test_aptrust_bag_is_a_tar_valid_under_aptrust_2_2(tmp_path, run_cli):
    proc = run_cli("bag", FIXTURES, "-o", tmp_path / "huffpost.fixtures", "--bag-profile", "aptrust",
                   "--source-organization", "Example Library", "--info", "Title: HuffPost fixtures",
                   "--info", "Access: Consortia")
    assert proc.returncode == 0, proc.stderr
    tar_path = tmp_path / "huffpost.fixtures.tar"
    assert tar_path.is_file() and not (tmp_path / "huffpost.fixtures").exists()
    with tarfile.open(tar_path) as tar:
        names = tar.getnames()
        # APTrust: one top directory, named as the tar
        assert {n.split("/")[0] for n in names} == {"huffpost.fixtures"}
        tar.extractall(tmp_path / "x", filter="data")
    checker = profile("aptrust-v2.2")
    # bagit-profile guesses the serialization from the file name with mimetypes, which
    # calls .tar application/x-tar; the profile names it application/tar.
    mimetypes.add_type("application/tar", ".tar")
    assert checker.validate_serialization(str(tar_path))
    bag = assert_valid(tmp_path / "x" / "huffpost.fixtures", "aptrust-v2.2")
    assert "md5" in bag.algorithms
    assert bag.info["Source-Organization"] == "Example Library"
    assert "Title" not in bag.info  # it goes to aptrust-info.txt
    info = dict(line.split(": ", 1) for line in
                (tmp_path / "x" / "huffpost.fixtures" / "aptrust-info.txt").read_text().splitlines())
    assert info == {"Title": "HuffPost fixtures", "Access": "Consortia", "Storage-Option": "Standard"}
    # the directory form is refused, as the profile requires a serialized bag
    with pytest.raises(bagit_profile.ProfileValidationError):
        checker.validate_serialization(str(tmp_path / "x" / "huffpost.fixtures"))


def test_none_profile_is_plain_rfc_8493(tmp_path, run_cli):
    out = tmp_path / "bag"
    proc = run_cli("bag", FIXTURES / "text", "-o", out, "--bag-profile", "none", "-a", "sha384")
    assert proc.returncode == 0, proc.stderr
    bag = bagit.Bag(str(out))
    bag.validate()
    assert "BagIt-Profile-Identifier" not in bag.info and "Source-Organization" not in bag.info
    assert bag.algorithms == ["sha384"]


@pytest.mark.parametrize("args", [("-a", "md6"), ("-a", "sha384"),
                                  ("--bag-profile", "aptrust", "--info", "Access: Everyone")])
def test_bad_algorithm_or_profile_value_is_a_usage_error(tmp_path, run_cli, args):
    proc = run_cli("bag", FIXTURES / "text", "-o", tmp_path / "bag", *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "bag").exists()


def test_left_out_files_are_listed_with_why(tmp_path, run_cli):
    coll = tmp_path / "coll"
    coll.mkdir()
    (coll / "a.txt").write_text("one\n")
    (coll / ".hidden").write_text("two\n")
    os.symlink(coll / "a.txt", coll / "link.txt")
    proc = run_cli("bag", coll, "-o", tmp_path / "bag")
    assert proc.returncode == 0, proc.stderr
    listed = (tmp_path / "bag" / "archivekit-left-out.txt").read_text().splitlines()
    assert sorted(line.split("\t")[1] for line in listed) == [
        "hidden file", "symbolic link (not followed without --follow-symlinks)"]
    assert "left out of the bag" in proc.stderr
    bag = assert_valid(tmp_path / "bag", "btr-v1.0")
    assert "archivekit-left-out.txt" in (tmp_path / "bag" / "tagmanifest-sha256.txt").read_text()
    assert list(bag.payload_entries()) == ["data/a.txt"]


@pytest.mark.parametrize("name", ["btr", "aptrust"])
def test_archive_bag_follows_the_profile_and_holds_every_file(tmp_path, run_cli, name):
    out = tmp_path / "out"
    proc = run_cli("archive", FIXTURES, "-o", out, "--bag", "--bag-profile", name,
                   "--date", "2024-05-01", "--operator", "Example Library", "-q")
    assert proc.returncode == 1, proc.stderr  # the fixtures have findings
    summary = json.loads((out / "summary.json").read_text())
    if name == "btr":
        bag_dir = out / "bag"
        assert summary["outputs"]["bag"] == "bag"
    else:
        assert summary["outputs"]["bag"] == "bag.tar"
        with tarfile.open(out / "bag.tar") as tar:
            assert {n.split("/")[0] for n in tar.getnames()} == {"bag"}
            tar.extractall(tmp_path / "x", filter="data")
        bag_dir = tmp_path / "x" / "bag"
    bag = assert_valid(bag_dir, "btr-v1.0" if name == "btr" else "aptrust-v2.2")
    assert bag.info["Source-Organization"] == "Example Library"
    payload = {n.removeprefix("data/fixtures/") for n in bag.payload_entries()}
    assert payload == collection_files(FIXTURES)
