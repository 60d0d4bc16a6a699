"""BagIt 1.0 bags (RFC 8493): write one, and check one reporting every fault at once.

:func:`write_bag` copies each payload file into ``data/`` while hashing it with every
algorithm in the same pass, then writes the manifests, ``bag-info.txt`` and the tag
manifests. The bag is built under a temporary name beside ``out_dir`` and renamed when
complete, so an interrupted run never leaves a half bag under the final name.

:func:`check_bag` reads a bag and lists every problem: changed, missing and unexpected
payload files, changed tag files, a wrong Payload-Oxum. Unlike a validator that stops
at the first failing stage, it always hashes the whole payload.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from archivekit import __version__
from archivekit.safepath import portable_name

DEFAULT_ALGORITHMS = ("sha256", "sha512")
BAG_ALGORITHMS = ("sha256", "sha512", "sha384", "sha224", "sha1", "md5")
CHUNK = 1 << 20


class BagError(Exception):
    """A bag that cannot be written (bad payload name, existing output...)."""


_ESCAPES = ("%25", "%0a", "%0d")


def _encode(name: str) -> str:
    # RFC 8493 2.1.3 percent-encodes CR, LF and %. bagit-python (what Archivematica and
    # many repositories run) decodes only %0A and %0D, so a lone % is left as is where it
    # cannot be read as an escape; a name holding a literal escape sequence gets %25.
    if any(e in name.lower() for e in _ESCAPES):
        name = name.replace("%", "%25")
    return name.replace("\n", "%0A").replace("\r", "%0D")


def _decode(name: str) -> str:
    return name.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r") \
        .replace("%0d", "\r").replace("%25", "%")


def payload_name(name: str) -> str:
    """The normalised name under ``data/``; refuses names that would escape it."""
    parts = name.replace("\\", "/").split("/")
    if not name or name.startswith("/") or os.path.isabs(name) or any(
            p in ("", ".", "..") for p in parts) or "\0" in name:
        raise BagError(f"payload name {name!r} is empty, absolute or escapes data/")
    return "/".join(parts)


def _hashers(algorithms: Iterable[str]) -> dict[str, hashlib._Hash]:
    out = {}
    for alg in algorithms:
        if alg not in BAG_ALGORITHMS:
            raise BagError(f"unsupported bag algorithm {alg!r} (choose from "
                           f"{', '.join(BAG_ALGORITHMS)})")
        out[alg] = hashlib.new(alg)
    return out


def _hash_file(path: str | Path, algorithms: Iterable[str], copy_to: Path | None = None
               ) -> tuple[dict[str, str], int]:
    hashers = _hashers(algorithms)
    size = 0
    with open(path, "rb") as src:
        dst = open(copy_to, "wb") if copy_to is not None else None
        try:
            while chunk := src.read(CHUNK):
                size += len(chunk)
                for h in hashers.values():
                    h.update(chunk)
                if dst is not None:
                    dst.write(chunk)
        finally:
            if dst is not None:
                dst.close()
    return {a: h.hexdigest() for a, h in hashers.items()}, size


def write_bag(files: Iterable[tuple[str, str]], out_dir: str | os.PathLike, *,
              algorithms: Iterable[str] = DEFAULT_ALGORITHMS, info: dict | None = None,
              source_organization: str | None = None, bag_count: str = "1 of 1",
              tag_files: dict[str, str] | None = None) -> Path:
    """Write a BagIt 1.0 bag at ``out_dir`` from ``(source path, name under data/)`` pairs.

    ``info`` adds lines to ``bag-info.txt`` (a list value writes the label once per item);
    ``tag_files`` more tag files (name -> text, e.g. ``aptrust-info.txt``), in the tag manifests.
    ``out_dir`` must not exist or be an empty directory. Returns its path.
    """
    algorithms = tuple(dict.fromkeys(algorithms))
    _hashers(algorithms)
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BagError(f"{out}: exists and is not an empty directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        (tmp / "data").mkdir(parents=True)
        manifests: dict[str, list[str]] = {a: [] for a in algorithms}
        names: set[str] = set()
        octets = count = 0
        for source, name in files:
            # A file name that is not UTF-8 is stored (and listed) with its stray bytes as %XX.
            name = payload_name(portable_name(name))
            if name.casefold() in names:
                raise BagError(f"payload name {name!r} given twice")
            names.add(name.casefold())
            target = tmp / "data" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            digests, size = _hash_file(source, algorithms, copy_to=target)
            octets += size
            count += 1
            for alg in algorithms:
                manifests[alg].append(f"{digests[alg]}  data/{_encode(name)}\n")
        _write(tmp / "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        for alg in algorithms:
            _write(tmp / f"manifest-{alg}.txt", "".join(manifests[alg]))
        fields: list[tuple[str, str]] = []
        if source_organization:
            fields.append(("Source-Organization", source_organization))
        fields += [("Bagging-Date", date.today().isoformat()),
                   ("Bag-Software-Agent", f"archivekit {__version__}"),
                   ("Payload-Oxum", f"{octets}.{count}"),
                   ("Bag-Count", bag_count)]
        for label, value in (info or {}).items():
            for item in value if isinstance(value, list | tuple) else [value]:
                fields.append((label, str(item)))
        _write(tmp / "bag-info.txt", "".join(f"{k}: {' '.join(str(v).split())}\n"
                                              for k, v in fields))
        for tag_name, text in (tag_files or {}).items():
            _write(tmp / payload_name(tag_name), text)
        listed = ["bagit.txt", "bag-info.txt", *(tag_files or {})] + [
            f"manifest-{a}.txt" for a in algorithms]
        for alg in algorithms:
            lines = [f"{_hash_file(tmp / t, [alg])[0][alg]}  {t}\n" for t in listed]
            _write(tmp / f"tagmanifest-{alg}.txt", "".join(lines))
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


# --- checking a bag --------------------------------------------------------------------
@dataclass(slots=True)
class BagProblem:
    kind: str       # invalid, changed, missing, unexpected, tag_changed, tag_missing, oxum
    path: str       # relative to the bag ('data/x.html', 'bag-info.txt', '' for the bag)
    message: str


@dataclass(slots=True)
class BagCheck:
    payload: list[str]          # every payload path named by a manifest or found in data/
    problems: list[BagProblem]


def _read_manifest(path: Path, problems: list[BagProblem], bag: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(BagProblem("invalid", path.name, f"cannot read {path.name}: {exc}"))
        return entries
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = _decode(name.lstrip(" *"))
        if not digest or not name:
            problems.append(BagProblem("invalid", path.name, f"line {number}: not "
                                       "'<digest> <path>'"))
            continue
        entries[name] = digest.lower()
    return entries


def check_bag(bag_dir: str | os.PathLike) -> BagCheck:
    bag = Path(bag_dir)
    problems: list[BagProblem] = []
    if not bag.is_dir():
        return BagCheck([], [BagProblem("invalid", "", f"{bag}: not a directory")])
    declaration = bag / "bagit.txt"
    try:
        text = declaration.read_text(encoding="utf-8-sig")
        if not text.startswith("BagIt-Version:"):
            problems.append(BagProblem("invalid", "bagit.txt", "bagit.txt does not start with "
                                       "BagIt-Version"))
    except OSError:
        problems.append(BagProblem("invalid", "bagit.txt", "no bagit.txt: not a bag"))
    manifests: dict[str, dict[str, str]] = {}
    for path in sorted(bag.glob("manifest-*.txt")):
        alg = path.name[len("manifest-"):-len(".txt")]
        if alg not in BAG_ALGORITHMS:
            problems.append(BagProblem("invalid", path.name, f"unsupported algorithm {alg}"))
            continue
        manifests[alg] = _read_manifest(path, problems, bag)
    if not manifests:
        problems.append(BagProblem("invalid", "", "no payload manifest (manifest-<alg>.txt)"))
    listed = sorted(set().union(*manifests.values())) if manifests else []
    on_disk = sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*")
                     if p.is_file() or p.is_symlink()) if (bag / "data").is_dir() else []
    disk_set = set(on_disk)
    octets = 0
    for name in listed:
        if not name.startswith("data/") or ".." in name.split("/"):
            problems.append(BagProblem("invalid", name, "manifest entry outside data/"))
            continue
        if name not in disk_set:
            problems.append(BagProblem("missing", name, "listed in the manifest, not in the bag"))
            continue
        algs = [a for a in manifests if name in manifests[a]]
        absent = [a for a in manifests if name not in manifests[a]]
        try:
            digests, size = _hash_file(bag / name, algs)
        except OSError as exc:
            problems.append(BagProblem("unreadable", name, f"cannot read: {exc.strerror or exc}"))
            continue
        octets += size
        bad = [a for a in algs if digests[a] != manifests[a][name]]
        if bad:
            problems.append(BagProblem("changed", name, f"{', '.join(bad)} digest differs "
                                       "from the manifest"))
        if absent:
            problems.append(BagProblem("invalid", name, f"not in manifest-{absent[0]}.txt"))
    listed_set = set(listed)
    for name in on_disk:
        if name not in listed_set:
            problems.append(BagProblem("unexpected", name, "in data/ but in no manifest"))
            try:
                octets += (bag / name).stat().st_size
            except OSError:
                pass
    _check_oxum(bag, octets, len(on_disk), problems)
    for path in sorted(bag.glob("tagmanifest-*.txt")):
        alg = path.name[len("tagmanifest-"):-len(".txt")]
        if alg not in BAG_ALGORITHMS:
            continue
        for name, digest in _read_manifest(path, problems, bag).items():
            try:
                actual = _hash_file(bag / name, [alg])[0][alg]
            except OSError:
                problems.append(BagProblem("tag_missing", name, f"listed in {path.name}, absent"))
                continue
            if actual != digest:
                problems.append(BagProblem("tag_changed", name, f"{alg} digest differs from "
                                           f"{path.name}"))
    return BagCheck(sorted(listed_set | disk_set), problems)


def _check_oxum(bag: Path, octets: int, count: int, problems: list[BagProblem]) -> None:
    try:
        lines = (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    for line in lines:
        label, _, value = line.partition(":")
        if label.strip().lower() == "payload-oxum":
            expected = value.strip()
            if expected != f"{octets}.{count}":
                problems.append(BagProblem("oxum", "bag-info.txt", f"Payload-Oxum {expected}, "
                                           f"payload is {octets}.{count}"))
