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
import re
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from archivekit import __version__
from archivekit.errors import InputError
from archivekit.limits import DEFAULT_LIMITS
from archivekit.record import ERROR, Finding, Result
from archivekit.rules import Rule
from archivekit.safepath import (
    UnsafeName,
    check_relative,
    create_fresh,
    open_regular,
    open_under,
    portable_name,
    read_bounded,
)

DEFAULT_ALGORITHMS = ("sha256", "sha512")
BAG_ALGORITHMS = ("sha256", "sha512", "sha384", "sha224", "sha1", "md5")
CHUNK = 1 << 20


class BagError(InputError):
    """A bag that cannot be written (bad payload name, existing output...)."""


_AMBIGUOUS = re.compile(r"%(?=25|0[aAdD])")
# What a '%' that starts a literal %25, %0A or %0D in a payload name is stored as.
PERCENT_STAND_IN = "\uff05"  # FULLWIDTH PERCENT SIGN


def unambiguous_name(name: str) -> str:
    """The payload name every bag reader reads the same way.

    RFC 8493 2.1.3 percent-encodes CR, LF and %; bagit-python (what Archivematica and many
    repositories run) decodes only %0A and %0D and never %25. A name holding a literal
    ``%25``, ``%0A`` or ``%0D`` therefore reads differently in the two, whichever way it
    is written: its '%' is stored as U+FF05 (％), which neither decodes.
    """
    return _AMBIGUOUS.sub(PERCENT_STAND_IN, name)


def _encode(name: str) -> str:
    # Names are unambiguous_name()s: only CR and LF need encoding.
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


def _hash_fd(fd: int, algorithms: Iterable[str], copy_to: Path | None = None
             ) -> tuple[dict[str, str], int]:
    """Digests and size of what ``fd`` holds (closed after), copied to ``copy_to`` if given."""
    hashers = _hashers(algorithms)
    size = 0
    with os.fdopen(fd, "rb") as src:
        dst = os.fdopen(create_fresh(copy_to), "wb") if copy_to is not None else None
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


def _hash_file(path: str | Path, algorithms: Iterable[str], copy_to: Path | None = None
               ) -> tuple[dict[str, str], int]:
    # The collector decided about links; a FIFO or device is refused here, never read.
    return _hash_fd(open_regular(path, follow_symlinks=True), algorithms, copy_to)


def _bag_info(source_organization: str | None, oxum: str, bag_count: str,
              info: dict | None) -> str:
    """The text of ``bag-info.txt``."""
    fields: list[tuple[str, str]] = []
    if source_organization:
        fields.append(("Source-Organization", source_organization))
    fields += [("Bagging-Date", date.today().isoformat()),
               ("Bag-Software-Agent", f"archivekit {__version__}"),
               ("Payload-Oxum", oxum),
               ("Bag-Count", bag_count)]
    for label, value in (info or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            fields.append((label, str(item)))
    return "".join(f"{k}: {' '.join(str(v).split())}\n" for k, v in fields)


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
    if out.is_symlink():
        raise BagError(f"{out}: is a symbolic link, not written through")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BagError(f"{out}: exists and is not an empty directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    elif tmp.exists():
        shutil.rmtree(tmp)
    try:
        (tmp / "data").mkdir(parents=True)
        manifests: dict[str, list[str]] = {a: [] for a in algorithms}
        names: set[str] = set()
        octets = count = 0
        for source, name in files:
            # A file name that is not UTF-8 is stored (and listed) with its stray bytes as %XX.
            name = unambiguous_name(payload_name(portable_name(name)))
            if name.casefold() in names:
                raise BagError(f"payload name {name!r} given twice")
            names.add(name.casefold())
            target = tmp / "data" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                digests, size = _hash_file(source, algorithms, copy_to=target)
            except OSError as exc:  # gone or replaced (by a FIFO...) since it was listed
                raise BagError(f"{source}: cannot read for the bag: {exc.strerror or exc}") from None
            octets += size
            count += 1
            for alg in algorithms:
                manifests[alg].append(f"{digests[alg]}  data/{_encode(name)}\n")
        _write(tmp / "bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        for alg in algorithms:
            _write(tmp / f"manifest-{alg}.txt", "".join(manifests[alg]))
        _write(tmp / "bag-info.txt", _bag_info(source_organization, f"{octets}.{count}",
                                               bag_count, info))
        _write_tag_files(tmp, algorithms, tag_files or {})
        if out.exists():
            out.rmdir()
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _write_tag_files(tmp: Path, algorithms: tuple[str, ...], extra: dict[str, str]) -> None:
    """Write the extra tag files, then one tag manifest per algorithm listing every tag file."""
    for tag_name, text in extra.items():
        _write(tmp / payload_name(tag_name), text)
    listed = ["bagit.txt", "bag-info.txt", *extra] + [f"manifest-{a}.txt" for a in algorithms]
    for alg in algorithms:
        lines = [f"{_hash_file(tmp / t, [alg])[0][alg]}  {t}\n" for t in listed]
        _write(tmp / f"tagmanifest-{alg}.txt", "".join(lines))


def _write(path: Path, text: str) -> None:
    with open(create_fresh(path), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


# --- where a bag goes ------------------------------------------------------------------
def bag_name(path: str, inputs: Iterable[str]) -> str:
    """The name under data/: the path relative to the input it was found under."""
    absolute = os.path.abspath(path)
    for raw in inputs:
        root = os.path.abspath(raw)
        if os.path.isdir(root) and absolute.startswith(root.rstrip(os.sep) + os.sep):
            base = os.path.basename(root.rstrip(os.sep)) or "collection"
            return f"{base}/{os.path.relpath(absolute, root)}".replace(os.sep, "/")
    return os.path.basename(path)


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem-N.suffix`` (N = 2, 3, ...) when its casefold is in ``taken``."""
    if name.casefold() not in taken:
        return name
    head, _, last = name.rpartition("/")
    stem, dot, suffix = last.partition(".")
    for n in range(2, len(taken) + 3):
        candidate = f"{head}/{stem}-{n}{dot}{suffix}" if head else f"{stem}-{n}{dot}{suffix}"
        if candidate.casefold() not in taken:
            return candidate
    raise BagError(f"no free payload name for {name!r}")  # pragma: no cover - unreachable


def swap_dir(fresh: Path, target: Path) -> Path:
    """Put the finished bag ``fresh`` in the place of ``target`` (a rerun replaces a bag)."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)
    return target


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


def _read_tag_file(bag: Path, name: str) -> str:
    """The text of the tag file ``bag/name``: a regular file inside the bag, no link
    followed, at most ``max_tag_file_bytes``; OSError or UnicodeDecodeError otherwise."""
    limit = DEFAULT_LIMITS.max_tag_file_bytes
    fd = open_under(bag, name)
    return read_bounded(fd, limit, str(bag / name), "limit max_tag_file_bytes").decode("utf-8")


def _why(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _read_manifest(path: Path, problems: list[BagProblem], bag: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    try:
        text = _read_tag_file(bag, path.name)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(BagProblem("invalid", path.name, f"cannot read {path.name}: {_why(exc)}"))
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


def _inside(name: str) -> bool:
    """Whether a manifest entry names a path inside the bag (relative, no '..')."""
    try:
        return check_relative(name) == name
    except UnsafeName:
        return False


def _payload_on_disk(bag: Path, problems: list[BagProblem]) -> list[str]:
    """Every regular file under data/, walked without following links; links and other
    non-regular entries are findings, never read."""
    data = bag / "data"
    try:
        mode = os.lstat(data).st_mode
    except OSError:
        return []
    if stat.S_ISLNK(mode):
        problems.append(BagProblem("invalid", "data", "data is a symbolic link: not followed"))
        return []
    if not stat.S_ISDIR(mode):
        return []
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(data, followlinks=False):
        for name in list(dirnames):
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                dirnames.remove(name)
                filenames.append(name)
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = Path(full).relative_to(bag).as_posix()
            try:
                mode = os.lstat(full).st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode):
                problems.append(BagProblem("invalid", rel, "a symbolic link in the payload: "
                                           "not followed"))
            elif not stat.S_ISREG(mode):
                problems.append(BagProblem("invalid", rel, "not a regular file: not read"))
            else:
                found.append(rel)
    return sorted(found)


def check_bag(bag_dir: str | os.PathLike) -> BagCheck:
    """Every problem of the bag at ``bag_dir``. Nothing outside the bag is opened: manifest
    entries must be relative paths inside it, no symbolic link is followed, FIFOs and
    devices are findings, tag files are read up to ``max_tag_file_bytes``."""
    bag = Path(bag_dir)
    problems: list[BagProblem] = []
    if bag.is_symlink() or not bag.is_dir():
        return BagCheck([], [BagProblem("invalid", "", f"{bag}: not a directory")])
    _check_declaration(bag, problems)
    manifests = _payload_manifests(bag, problems)
    listed = sorted(set().union(*manifests.values())) if manifests else []
    on_disk = _payload_on_disk(bag, problems)
    octets = _check_listed(bag, listed, set(on_disk), manifests, problems)
    octets += _check_unlisted(bag, on_disk, set(listed), problems)
    _check_oxum(bag, octets, len(on_disk), problems)
    _check_tag_manifests(bag, problems)
    return BagCheck(sorted(set(listed) | set(on_disk)), problems)


def _check_declaration(bag: Path, problems: list[BagProblem]) -> None:
    try:
        text = _read_tag_file(bag, "bagit.txt").lstrip("\ufeff")
        if not text.startswith("BagIt-Version:"):
            problems.append(BagProblem("invalid", "bagit.txt", "bagit.txt does not start with "
                                       "BagIt-Version"))
    except FileNotFoundError:
        problems.append(BagProblem("invalid", "bagit.txt", "no bagit.txt: not a bag"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(BagProblem("invalid", "bagit.txt", f"cannot read bagit.txt: {_why(exc)}"))


def _payload_manifests(bag: Path, problems: list[BagProblem]) -> dict[str, dict[str, str]]:
    manifests: dict[str, dict[str, str]] = {}
    for path in sorted(bag.glob("manifest-*.txt")):
        alg = path.name[len("manifest-"):-len(".txt")]
        if alg not in BAG_ALGORITHMS:
            problems.append(BagProblem("invalid", path.name, f"unsupported algorithm {alg}"))
            continue
        manifests[alg] = _read_manifest(path, problems, bag)
    if not manifests:
        problems.append(BagProblem("invalid", "", "no payload manifest (manifest-<alg>.txt)"))
    return manifests


def _check_listed(bag: Path, listed: list[str], disk_set: set[str],
                  manifests: dict[str, dict[str, str]], problems: list[BagProblem]) -> int:
    """Hash every manifest entry found on disk; returns the payload octets read."""
    octets = 0
    for name in listed:
        if not name.startswith("data/") or not _inside(name):
            problems.append(BagProblem("invalid", name, "manifest entry outside data/"))
            continue
        if name not in disk_set:
            problems.append(BagProblem("missing", name, "listed in the manifest, not in the bag"))
            continue
        algs = [a for a in manifests if name in manifests[a]]
        absent = [a for a in manifests if name not in manifests[a]]
        try:
            digests, size = _hash_fd(open_under(bag, name), algs)
        except (OSError, UnsafeName) as exc:
            problems.append(BagProblem("unreadable", name, f"cannot read: {_why(exc)}"))
            continue
        octets += size
        bad = [a for a in algs if digests[a] != manifests[a][name]]
        if bad:
            problems.append(BagProblem("changed", name, f"{', '.join(bad)} digest differs "
                                       "from the manifest"))
        if absent:
            problems.append(BagProblem("invalid", name, f"not in manifest-{absent[0]}.txt"))
    return octets


def _check_unlisted(bag: Path, on_disk: list[str], listed_set: set[str],
                    problems: list[BagProblem]) -> int:
    """Report payload files no manifest names; returns their octets."""
    octets = 0
    for name in on_disk:
        if name not in listed_set:
            problems.append(BagProblem("unexpected", name, "in data/ but in no manifest"))
            try:
                octets += os.lstat(bag / name).st_size
            except OSError:
                pass
    return octets


def _check_tag_manifests(bag: Path, problems: list[BagProblem]) -> None:
    for path in sorted(bag.glob("tagmanifest-*.txt")):
        alg = path.name[len("tagmanifest-"):-len(".txt")]
        if alg not in BAG_ALGORITHMS:
            continue
        for name, digest in _read_manifest(path, problems, bag).items():
            if not _inside(name) or name.split("/")[0] == "data":
                # Never opened: hashing /etc/hostname or ../x would tell whether a guessed
                # digest of a file outside the bag is right.
                problems.append(BagProblem("invalid", name, f"{path.name} lists a path outside "
                                           "the bag's tag files: not read"))
                continue
            try:
                actual = _hash_fd(open_under(bag, name), [alg])[0][alg]
            except FileNotFoundError:
                problems.append(BagProblem("tag_missing", name, f"listed in {path.name}, absent"))
                continue
            except (OSError, UnsafeName) as exc:
                problems.append(BagProblem("invalid", name, f"listed in {path.name}, "
                                           f"not read: {_why(exc)}"))
                continue
            if actual != digest:
                problems.append(BagProblem("tag_changed", name, f"{alg} digest differs from "
                                           f"{path.name}"))


def _check_oxum(bag: Path, octets: int, count: int, problems: list[BagProblem]) -> None:
    try:
        lines = _read_tag_file(bag, "bag-info.txt").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        if not isinstance(exc, FileNotFoundError):
            problems.append(BagProblem("invalid", "bag-info.txt",
                                       f"cannot read bag-info.txt: {_why(exc)}"))
        return
    for line in lines:
        label, _, value = line.partition(":")
        if label.strip().lower() == "payload-oxum":
            expected = value.strip()
            if expected != f"{octets}.{count}":
                problems.append(BagProblem("oxum", "bag-info.txt", f"Payload-Oxum {expected}, "
                                           f"payload is {octets}.{count}"))


# --- the bag's findings, for the reporters (verify-bag) --------------------------------
RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("bag.changed", ERROR, "a payload file's digest differs from the manifest",
         "The file changed after the bag was written (or is damaged). Restore it from a good "
         "copy; if the change is wanted, write a new bag."),
    Rule("bag.missing", ERROR, "a file the manifest lists is not in the bag",
         "A payload file was deleted or renamed. Restore it, or write a new bag."),
    Rule("bag.unexpected", ERROR, "a file in data/ that no manifest lists",
         "A file was added to the payload after the bag was written. Remove it, or write a "
         "new bag that includes it."),
    Rule("bag.unreadable", ERROR, "a payload file cannot be read",
         "An I/O or permission error while hashing the file. Check the file system."),
    Rule("bag.tag_changed", ERROR, "a tag file's digest differs from the tag manifest",
         "bag-info.txt or a manifest was edited after the bag was written. Restore it, or "
         "regenerate the tag manifests if the edit is wanted."),
    Rule("bag.tag_missing", ERROR, "a tag file the tag manifest lists is absent",
         "A tag file was deleted. Restore it, or write a new bag."),
    Rule("bag.oxum", ERROR, "Payload-Oxum disagrees with the payload's size and file count",
         "Files were added, removed or resized. Check the bag.changed, bag.missing and "
         "bag.unexpected findings."),
    Rule("bag.invalid", ERROR, "not a valid bag: no bagit.txt, a bad manifest line or algorithm",
         "The directory does not follow RFC 8493 (bagit.txt, manifest-<alg>.txt with "
         "'<digest> <path>' lines under data/). Write the bag again."),
)}
KIND_RULE = {rule_id.removeprefix("bag."): rule_id for rule_id in RULES}


def bag_results(bag_dir: str) -> Iterator[Result]:
    """One result per payload file of the bag (and per bag-level problem), with its
    findings: what ``verify-bag`` reports."""
    checked = check_bag(bag_dir)
    by_path: dict[str, list[Finding]] = {}
    for problem in checked.problems:
        by_path.setdefault(problem.path, []).append(Finding(
            rule=KIND_RULE[problem.kind], severity=ERROR, message=problem.message))
    for name in sorted(set(checked.payload) | set(by_path)):
        yield Result(path=f"{bag_dir.rstrip('/')}/{name}" if name else bag_dir, uri=None,
                     profile=None, findings=by_path.get(name, []))


def report_rules() -> dict[str, dict[str, str]]:
    """The bag rules as the reporters take them (id -> severity and message)."""
    return {kind_rule: {"severity": ERROR, "message": kind.replace("_", " ")}
            for kind, kind_rule in KIND_RULE.items()}
