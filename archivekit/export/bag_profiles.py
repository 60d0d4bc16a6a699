"""BagIt profiles: bags a receiving repository takes as they are (``--bag-profile``).

* ``btr`` (the default): the Beyond the Repository profile 1.0 — ``BagIt-Profile-
  Identifier``, ``Source-Organization`` (given, else the operator, else
  ``unspecified``), ``Bagging-Date``, ``Payload-Oxum``; md5, sha1, sha256 or sha512
  manifests (sha256 and sha512 by default).
* ``aptrust``: APTrust's 2.2 profile — what BTR writes, an md5 manifest (added to the
  algorithms asked for), ``aptrust-info.txt`` (``Title``, ``Access``, ``Storage-Option``,
  ``Description``), serialized as ``NAME.tar`` holding the one directory ``NAME/``.
* ``none``: a plain RFC 8493 bag.

:func:`collection_files` lists every file of the collection (not only the articles)
and what it leaves out, with why; the bag lists those in ``archivekit-left-out.txt``.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from archivekit.errors import InputError, UsageError
from archivekit.export.bagit import (
    BAG_ALGORITHMS,
    DEFAULT_ALGORITHMS,
    bag_name,
    swap_dir,
    unique_name,
    write_bag,
)
from archivekit.safepath import remove_planted, walk_tree

BTR_ID = "https://raw.githubusercontent.com/dpscollaborative/btr_bagit_profile/master/btr-bagit-profile.json"
APTRUST_ID = "https://raw.githubusercontent.com/APTrust/preservation-services/master/profiles/aptrust-v2.2.json"
LEFT_OUT_FILE = "archivekit-left-out.txt"
APTRUST_INFO = "aptrust-info.txt"
APTRUST_LABELS = ("Title", "Access", "Storage-Option", "Description")
APTRUST_ACCESS = ("Consortia", "Institution", "Restricted")
APTRUST_STORAGE = ("Standard", "Glacier-OH", "Glacier-OR", "Glacier-VA", "Glacier-Deep-OH",
                   "Glacier-Deep-OR", "Glacier-Deep-VA", "Wasabi-OR", "Wasabi-VA")
UNSPECIFIED_ORGANIZATION = "unspecified"


@dataclass(frozen=True)
class BagProfile:
    name: str
    identifier: str | None            # BagIt-Profile-Identifier, None: no profile
    allowed: tuple[str, ...]          # manifest algorithms the profile allows
    required: tuple[str, ...] = ()    # manifest algorithms it requires
    tar: bool = False                 # serialized as NAME.tar
    source_organization: bool = True  # Source-Organization always written


PROFILES: dict[str, BagProfile] = {
    "btr": BagProfile("btr", BTR_ID, allowed=("md5", "sha1", "sha256", "sha512")),
    "aptrust": BagProfile("aptrust", APTRUST_ID, allowed=("md5", "sha1", "sha256", "sha512"),
                          required=("md5",), tar=True),
    "none": BagProfile("none", None, allowed=BAG_ALGORITHMS, source_organization=False),
}


def get_profile(name: str) -> BagProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"unknown bag profile {name!r} (choose from {', '.join(PROFILES)})") from None


def algorithms_for(profile: BagProfile, asked: Iterable[str] | None) -> tuple[str, ...]:
    """The manifest algorithms: those asked for (else the defaults) plus the profile's
    required ones. An algorithm that is unknown, or that the profile does not allow, is a
    usage error."""
    chosen = list(dict.fromkeys(a.lower() for a in (asked or DEFAULT_ALGORITHMS)))
    for alg in chosen:
        if alg not in BAG_ALGORITHMS:
            raise UsageError(f"unknown bag algorithm {alg!r} (choose from {', '.join(BAG_ALGORITHMS)})")
        if alg not in profile.allowed:
            raise UsageError(f"the {profile.name} bag profile does not allow {alg} manifests "
                             f"(allowed: {', '.join(profile.allowed)})")
    return tuple(dict.fromkeys([*profile.required, *chosen]))


@dataclass
class CollectionFiles:
    files: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (path, why)

    def keyed(self, inputs: list[str], root: str | None = None) -> list[tuple[str, str]]:
        """``(path, name under data/)`` for the files (``bag``): names relative to the
        collection root, as the ledger keys them."""
        from archivekit.ledger.keys import collection_root, ledger_key

        base = collection_root(inputs, root)
        return [(p, ledger_key(p, base)) for p in self.files]


def collection_files(inputs: Iterable[str], *, follow_symlinks: bool = False) -> CollectionFiles:
    """Every regular file under the inputs, sorted per input; what is left out, and why
    (standard input, hidden entries, symbolic links not followed, unreadable files and
    directories)."""
    out = CollectionFiles()
    for raw in inputs:
        if raw == "-":
            out.left_out.append(("-", "standard input is not a file"))
            continue
        try:
            mode = os.stat(raw).st_mode if follow_symlinks else os.lstat(raw).st_mode
        except OSError as exc:
            raise InputError(f"{raw}: {exc.strerror or 'cannot access'}") from None
        if stat.S_ISDIR(mode):
            _walk(raw, follow_symlinks, out)
        else:
            _take(raw, mode, out)
    return out


def _take(path: str, mode: int, out: CollectionFiles) -> None:
    if stat.S_ISLNK(mode):
        out.left_out.append((path, "symbolic link (not followed without --follow-symlinks)"))
    elif not stat.S_ISREG(mode):
        out.left_out.append((path, "not a regular file"))
    elif not os.access(path, os.R_OK):
        out.left_out.append((path, "not readable"))
    else:
        out.files.append(path)


def _walk(root: str, follow_symlinks: bool, out: CollectionFiles) -> None:
    errors: list[OSError] = []
    # With --follow-symlinks, each real directory is walked once (as the collector of
    # check does): a link back to an ancestor (a loop) is left out, and so is a second
    # link to a directory already walked.
    for dirpath, dirnames, filenames, again in walk_tree(root, follow_symlinks, errors):
        if again:
            first, loop = again
            out.left_out.append((dirpath, f"a symbolic link loop (back to {first})" if loop
                                 else f"the directory {first} again"))
            continue
        for name in sorted(d for d in dirnames if d.startswith(".")):
            out.left_out.append((os.path.join(dirpath, name), "hidden directory"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if name.startswith("."):
                out.left_out.append((path, "hidden file"))
                continue
            try:
                mode = os.stat(path).st_mode if follow_symlinks else os.lstat(path).st_mode
            except OSError as exc:
                out.left_out.append((path, f"cannot access: {exc.strerror or exc}"))
                continue
            _take(path, mode, out)
    for exc in errors:
        out.left_out.append((exc.filename, f"cannot list directory: {exc.strerror or exc}"))


def left_out_text(left_out: list[tuple[str, str]]) -> str:
    return "".join(f"{' '.join(path.split())}\t{why}\n" for path, why in left_out)


def aptrust_info(info: dict[str, list[str]], title: str) -> str:
    """``aptrust-info.txt`` from the ``--info`` lines labelled Title, Access,
    Storage-Option or Description (which leave bag-info.txt); defaults Institution and
    Standard."""
    values = {label: (info.pop(label, None) or [None])[-1] for label in APTRUST_LABELS}
    values["Title"] = values["Title"] or title
    values["Access"] = values["Access"] or "Institution"
    values["Storage-Option"] = values["Storage-Option"] or "Standard"
    if values["Access"] not in APTRUST_ACCESS:
        raise UsageError(f"APTrust Access {values['Access']!r}: choose from {', '.join(APTRUST_ACCESS)}")
    if values["Storage-Option"] not in APTRUST_STORAGE:
        raise UsageError(f"APTrust Storage-Option {values['Storage-Option']!r}: choose from "
                         f"{', '.join(APTRUST_STORAGE)}")
    return "".join(f"{label}: {' '.join(str(value).split())}\n"
                   for label, value in values.items() if value)


def write_profiled_bag(files: Iterable[tuple[str, str]], out_dir: str | os.PathLike, *,
                       profile: str = "btr", algorithms: Iterable[str] | None = None,
                       info: dict[str, list[str]] | None = None,
                       source_organization: str | None = None, title: str | None = None,
                       left_out: list[tuple[str, str]] = (), overwrite: bool = False) -> Path:
    """Write the bag at ``out_dir`` under ``profile``; returns what was written (the
    directory, or ``out_dir`` + ``.tar`` for APTrust; ``overwrite`` replaces an old tar)."""
    chosen = get_profile(profile)
    algs = algorithms_for(chosen, algorithms)
    info = {label: list(values) for label, values in (info or {}).items()}
    out = Path(out_dir)
    if out.suffix == ".tar":
        out = out.with_suffix("")
    tag_files: dict[str, str] = {}
    if chosen.name == "aptrust":
        tag_files[APTRUST_INFO] = aptrust_info(info, title or out.name)
    if left_out:
        tag_files[LEFT_OUT_FILE] = left_out_text(list(left_out))
    extra: dict[str, list[str]] = {}
    if chosen.identifier:
        extra["BagIt-Profile-Identifier"] = [chosen.identifier]
    extra.update(info)
    organization = source_organization
    if organization is None and chosen.source_organization:
        organization = UNSPECIFIED_ORGANIZATION
    if not chosen.tar:
        return write_bag(files, out, algorithms=algs, info=extra, source_organization=organization,
                         tag_files=tag_files)
    target = out.with_name(out.name + ".tar")
    if target.exists() and not overwrite:
        raise UsageError(f"{target}: exists")
    work = out.with_name(f".{out.name}.build-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    try:
        bag = write_bag(files, work / out.name, algorithms=algs, info=extra,
                        source_organization=organization, tag_files=tag_files)
        serialize_tar(bag, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def serialize_tar(bag: Path, target: Path, top: str | None = None) -> Path:
    """``bag`` as an uncompressed tar whose one top directory is the tar's own name (what
    APTrust requires), entries sorted, owner and times fixed so the bytes are the same
    for the same bag. Written under a temporary name and renamed."""
    top = top or target.name.removesuffix(".tar")
    partial = target.with_name(target.name + ".open")
    # Midnight of the bagging day: the same bag gives the same bytes all day.
    mtime = int(datetime.combine(date.today(), time(), UTC).timestamp())

    def member(path: Path, name: str) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.mtime = mtime
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        if path.is_dir():
            info.type, info.mode = tarfile.DIRTYPE, 0o755
        else:
            info.size, info.mode = path.stat().st_size, 0o644
        return info

    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(member(bag, top))
        for path in sorted(bag.rglob("*"), key=lambda p: p.relative_to(bag).as_posix()):
            info = member(path, f"{top}/{path.relative_to(bag).as_posix()}")
            if info.isdir():
                tar.addfile(info)
            else:
                with open(path, "rb") as handle:
                    tar.addfile(info, handle)
    os.replace(partial, target)
    return target


def _named(paths: Iterable[str], inputs: list[str]) -> list[tuple[str, str]]:
    """``(path, name under data/)``: two inputs of one base name (a/x.html, b/x.html) get
    x.html and x-2.html."""
    taken: set[str] = set()
    out = []
    for path in paths:
        name = unique_name(bag_name(path, inputs), taken)
        taken.add(name.casefold())
        out.append((path, name))
    return out


def bag_collection(out_dir: Path, inputs: Iterable[str], read: Iterable[str], *,
                   profile: str = "btr", source_organization: str | None = None,
                   title: str | None = None) -> Path:
    """``archive``/``export``'s bag: every file of the collection (``read``: the files the
    run read, kept even where the walk would leave them out) as ``out_dir/bag/`` (for
    APTrust ``out_dir/bag.tar``), built beside the old one and swapped in."""
    inputs = list(inputs)
    found = collection_files(inputs)
    read = [p for p in read if os.path.isfile(p)]
    own = os.path.abspath(out_dir) + os.sep
    taken = dict.fromkeys(p for p in [*found.files, *read] if not os.path.abspath(p).startswith(own))
    left_out = [(p, why) for p, why in found.left_out if p not in taken]
    left_out += [(p, "in the output directory") for p in found.files if p not in taken]
    files = sorted(_named(taken, inputs), key=lambda pair: pair[1])
    if get_profile(profile).tar:  # bag.tar, replaced in one rename
        return write_profiled_bag(files, out_dir / "bag", profile=profile, title=title,
                                  source_organization=source_organization, left_out=left_out,
                                  overwrite=True)
    final = out_dir / "bag"
    fresh = out_dir / ".bag.new"
    # Leftovers of a killed run: write_bag's ".<name>.tmp-<pid>" and our own.
    for stale in (fresh, *out_dir.glob("..bag.new.tmp-*")):
        remove_planted(stale.parent, stale.name)  # a planted link: the link, never its target
        shutil.rmtree(stale, ignore_errors=True)
    written = write_profiled_bag(files, fresh, profile=profile, source_organization=source_organization,
                                 title=title, left_out=left_out)
    return swap_dir(written, final)
