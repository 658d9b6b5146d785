"""Signed SHA-256 manifests of a results folder, so a reviewer in another lab can
tell that nothing was added, removed or altered, and by whose key it was signed.

Theory of operation:
    * ``MANIFEST.json`` lists every regular file of the folder (except itself and
      ``MANIFEST.sig``) as {path, size, sha256}, sorted by path, plus the format,
      creation time, the lab name from ``run.json`` and, once signed, the signer's
      Ed25519 public key and its fingerprint (SHA-256 of the 32 raw key bytes, hex).
    * ``MANIFEST.sig`` is the base64 Ed25519 signature over the exact bytes of
      ``MANIFEST.json``. The signer's key sits inside the signed bytes, so it cannot
      be swapped without breaking the signature; whether that key is one the reviewer
      trusts is a separate question, answered by ``--trust`` public keys.

Invariants:
    * Only regular files are covered: a symlink, a device or a manifest path leaving
      the folder is refused (``IntegrityError``), never followed.
    * Files are hashed in fixed-size chunks: memory stays constant for big pcaps.
    * Signing only writes MANIFEST.json and MANIFEST.sig (each replaced atomically);
      results already recorded are never touched, and re-signing is safe.
    * Bad input (unreadable manifest, key file, passphrase) raises ``IntegrityError``
      with a one-line message naming the file; a folder that does not match its
      manifest is a ``VerifyResult`` with ``ok=False``, not an exception.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from harness.core.errors import UserError

MANIFEST_NAME = "MANIFEST.json"
SIGNATURE_NAME = "MANIFEST.sig"
FORMAT = "oran-harness-manifest/1"
ALGORITHM = "Ed25519"
CHUNK = 1 << 20          # 1 MiB per read: constant memory whatever the pcap size
_SKIPPED = frozenset({MANIFEST_NAME, SIGNATURE_NAME})


class IntegrityError(UserError):
    """Bad input to signing or verification; the message names the file."""


@dataclass(frozen=True)
class FileEntry:
    """One covered file: posix path relative to the folder, size in bytes, SHA-256 hex."""
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Signer:
    """The key that signed a manifest, as recorded inside it."""
    algorithm: str
    public_key: bytes            # 32 raw Ed25519 bytes
    fingerprint: str             # SHA-256 of public_key, hex


@dataclass(frozen=True)
class Manifest:
    format: str
    created: str                 # ISO 8601 UTC
    lab: str | None
    signer: Signer | None
    files: tuple[FileEntry, ...]


@dataclass(frozen=True)
class VerifyResult:
    """What verification found. ``ok`` only when the files match the manifest, the
    signature is good and, if trusted keys were given, the signer is one of them."""
    ok: bool
    signed: bool
    key_fingerprint: str | None
    trusted: bool
    added: tuple[str, ...]
    missing: tuple[str, ...]
    altered: tuple[str, ...]
    bad_signature: bool
    message: str


@dataclass(frozen=True)
class SigningConfig:
    """A lab profile's ``signing: {key: path, passphrase_env: NAME}`` section."""
    key: Path
    passphrase_env: str | None = None


# --- keys -------------------------------------------------------------------

def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the raw 32-byte public key: short enough to read out on a call."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def _passphrase(passphrase_env: str | None) -> bytes | None:
    if not passphrase_env:
        return None
    value = os.environ.get(passphrase_env)
    if value is None:
        raise IntegrityError(f"environment variable {passphrase_env} (the key passphrase) is not set")
    if not value:
        raise IntegrityError(f"environment variable {passphrase_env} (the key passphrase) is empty")
    return value.encode()


def generate_key(private_path: str | Path, public_path: str | Path, passphrase_env: str | None = None) -> str:
    """Create an Ed25519 key pair as PEM files; the private one gets mode 0600.

    Existing files are never overwritten, so a lab cannot lose its signing key by a typo.

    Args:
        private_path: PKCS#8 PEM, encrypted when ``passphrase_env`` names a set variable.
        public_path: SubjectPublicKeyInfo PEM, to hand to reviewers.
        passphrase_env: name of the environment variable holding the passphrase.

    Returns:
        The key fingerprint (hex).

    Raises:
        IntegrityError: a file exists already or cannot be written, or the variable is unset.
    """
    private_path, public_path = Path(private_path), Path(public_path)
    secret = _passphrase(passphrase_env)
    for path in (private_path, public_path):
        if path.exists() or path.is_symlink():
            raise IntegrityError(f"{path}: exists already; refusing to overwrite a key file")
    key = Ed25519PrivateKey.generate()
    encryption = (serialization.BestAvailableEncryption(secret) if secret
                  else serialization.NoEncryption())
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private_pem)
        os.chmod(private_path, 0o600)       # whatever the umask
        with open(public_path, "xb") as f:
            f.write(public_pem)
    except OSError as err:
        raise IntegrityError(f"{err.filename or private_path}: cannot write key file ({err.strerror})") from None
    return fingerprint(key.public_key())


def load_private_key(path: str | Path, passphrase_env: str | None = None) -> Ed25519PrivateKey:
    """Read a PEM Ed25519 private key.

    Raises:
        IntegrityError: missing, unreadable, wrong passphrase or not Ed25519.
    """
    path = Path(path)
    data = _read_bytes(path, "private key")
    secret = _passphrase(passphrase_env)
    try:
        key = serialization.load_pem_private_key(data, password=secret)
    except TypeError:
        if secret is None:
            raise IntegrityError(f"{path}: the private key is encrypted; give the environment variable "
                                 "holding its passphrase (passphrase_env / --passphrase-env)") from None
        raise IntegrityError(f"{path}: the private key is not encrypted, but a passphrase was given") from None
    except ValueError:
        hint = "wrong passphrase or " if secret else ""
        raise IntegrityError(f"{path}: cannot read the private key ({hint}not a PEM private key)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityError(f"{path}: the private key is not an Ed25519 key")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """Read a PEM Ed25519 public key (as written by ``generate_key``).

    Raises:
        IntegrityError: missing, unreadable or not an Ed25519 public key.
    """
    path = Path(path)
    data = _read_bytes(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        raise IntegrityError(f"{path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise IntegrityError(f"{path}: the public key is not an Ed25519 key")
    return key


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise IntegrityError(f"{path}: {what} file not found") from None
    except OSError as err:
        raise IntegrityError(f"{path}: cannot read {what} file ({err.strerror})") from None


# --- scanning ---------------------------------------------------------------

def sha256_file(path: Path) -> str:
    """SHA-256 hex of a file, read in ``CHUNK``-sized pieces."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except OSError as err:
        raise IntegrityError(f"{path}: cannot read ({err.strerror})") from None
    return digest.hexdigest()


def _folder(directory: str | Path) -> Path:
    folder = Path(directory)
    if folder.is_symlink():
        raise IntegrityError(f"{folder}: is a symlink; give the real results folder")
    if not folder.is_dir():
        raise IntegrityError(f"{folder}: not a folder")
    return folder


def list_files(directory: str | Path) -> dict[str, Path]:
    """Every regular file under the folder (posix relative path -> path), except
    MANIFEST.json/MANIFEST.sig at the top.

    Raises:
        IntegrityError: a symlink or a special file is found (named by its path).
    """
    folder = _folder(directory)
    found: dict[str, Path] = {}
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=_walk_error):
        base = Path(root)
        for name in sorted(dirs + files):
            full = base / name
            rel = full.relative_to(folder).as_posix()
            try:
                mode = full.lstat().st_mode
            except OSError as err:
                raise IntegrityError(f"{full}: cannot inspect ({err.strerror})") from None
            if stat.S_ISLNK(mode):
                raise IntegrityError(f"{folder}: refusing symlink {rel} (only regular files can be covered)")
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise IntegrityError(f"{folder}: refusing {rel}: not a regular file")
            if base == folder and name in _SKIPPED:
                continue
            found[rel] = full
    return dict(sorted(found.items()))


def _walk_error(err: OSError) -> None:
    raise IntegrityError(f"{err.filename}: cannot list folder ({err.strerror})")


def scan(directory: str | Path) -> tuple[FileEntry, ...]:
    """Size and SHA-256 of every covered file, sorted by path."""
    return tuple(FileEntry(rel, path.stat().st_size, sha256_file(path))
                 for rel, path in list_files(directory).items())


# --- manifest ---------------------------------------------------------------

def _lab_name(folder: Path) -> str | None:
    """The lab name from run.json (``lab.name``), or None when absent or unreadable."""
    try:
        run = json.loads((folder / "run.json").read_text())
    except (OSError, ValueError, RecursionError):
        return None
    lab = run.get("lab") if isinstance(run, dict) else None
    name = lab.get("name") if isinstance(lab, dict) else None
    return name if isinstance(name, str) else None


def manifest_bytes(manifest: Manifest) -> bytes:
    """The canonical serialisation: these exact bytes are written and signed."""
    doc: dict = {"format": manifest.format, "created": manifest.created, "lab": manifest.lab}
    if manifest.signer is not None:
        doc["signer"] = {"algorithm": manifest.signer.algorithm,
                         "public_key": base64.b64encode(manifest.signer.public_key).decode(),
                         "fingerprint": manifest.signer.fingerprint}
    head = json.dumps(doc, indent=1, ensure_ascii=False)[:-2]       # drop the closing "\n}"
    rows = ",\n  ".join(json.dumps({"path": e.path, "size": e.size, "sha256": e.sha256}, ensure_ascii=False)
                        for e in manifest.files)
    files = f"[\n  {rows}\n ]" if rows else "[]"
    return f'{head},\n "files": {files}\n}}\n'.encode()       # one file per line: readable diffs


def build_manifest(directory: str | Path, signer: Signer | None = None) -> Manifest:
    """Scan the folder into a Manifest (not written)."""
    folder = _folder(directory)
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    files = scan(folder)
    if not files:
        raise IntegrityError(f"{folder}: no files to cover; is this the results folder?")
    return Manifest(FORMAT, created, _lab_name(folder), signer, files)


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise IntegrityError(f"{path}: cannot write ({err.strerror})") from None


def write_manifest(directory: str | Path) -> Path:
    """Write an unsigned MANIFEST.json (and drop a stale MANIFEST.sig, which could
    only fail against it). Returns the manifest path."""
    folder = _folder(directory)
    manifest = build_manifest(folder)
    (folder / SIGNATURE_NAME).unlink(missing_ok=True)
    _replace(folder / MANIFEST_NAME, manifest_bytes(manifest))
    return folder / MANIFEST_NAME


def sign_dir(directory: str | Path, private_key_path: str | Path, passphrase_env: str | None = None) -> str:
    """Write MANIFEST.json naming the signer, then MANIFEST.sig over its exact bytes.

    Safe on a folder already signed: the manifest is rebuilt from the files as they
    are now and both files are replaced.

    Returns:
        The signer's key fingerprint (hex).

    Raises:
        IntegrityError: bad folder, key file or passphrase, or a symlink in the folder.
    """
    folder = _folder(directory)
    key = load_private_key(private_key_path, passphrase_env)
    public = key.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signer = Signer(ALGORITHM, raw, fingerprint(public))
    data = manifest_bytes(build_manifest(folder, signer))
    signature = base64.b64encode(key.sign(data)) + b"\n"
    (folder / SIGNATURE_NAME).unlink(missing_ok=True)    # never leave an old signature beside a new manifest
    _replace(folder / MANIFEST_NAME, data)
    _replace(folder / SIGNATURE_NAME, signature)
    return signer.fingerprint


def read_manifest(directory: str | Path) -> tuple[Manifest, bytes]:
    """Parse and check MANIFEST.json; returns it with its exact bytes.

    Raises:
        IntegrityError: missing, not JSON, or a field of the wrong shape, naming
            ``<folder>/MANIFEST.json`` (with line:column for JSON errors).
    """
    path = _folder(directory) / MANIFEST_NAME
    if path.is_symlink():
        raise IntegrityError(f"{path}: is a symlink; refusing it")
    data = _read_bytes(path, "manifest")
    try:
        doc = json.loads(data)
    except UnicodeDecodeError:
        raise IntegrityError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise IntegrityError(f"{path}:{err.lineno}:{err.colno}: not valid JSON ({err.msg})") from None
    except RecursionError:
        raise IntegrityError(f"{path}: not readable JSON (nested too deep)") from None
    except ValueError as err:            # an integer of more than 4,300 digits
        raise IntegrityError(f"{path}: not readable JSON ({err})") from None
    return _parse_manifest(doc, path), data


def _parse_manifest(doc, path: Path) -> Manifest:
    def bad(where: str, why: str) -> IntegrityError:
        return IntegrityError(f"{path}: {where} {why}")

    if not isinstance(doc, dict):
        raise bad("the top level", "must be a JSON object")
    if doc.get("format") != FORMAT:
        raise bad("format", f"is {doc.get('format')!r}, expected {FORMAT!r}")
    created, lab = doc.get("created"), doc.get("lab")
    if not isinstance(created, str):
        raise bad("created", "must be a string")
    if lab is not None and not isinstance(lab, str):
        raise bad("lab", "must be a string or null")
    signer = _parse_signer(doc.get("signer"), bad) if "signer" in doc else None
    files = doc.get("files")
    if not isinstance(files, list):
        raise bad("files", "must be a list")
    entries: list[FileEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(files):
        where = f"files[{i}]"
        if not isinstance(item, dict) or set(item) != {"path", "size", "sha256"}:
            raise bad(where, "must be an object with exactly path, size and sha256")
        rel, size, digest = item["path"], item["size"], item["sha256"]
        if not isinstance(rel, str) or not _safe_relative(rel):
            raise bad(f"{where}.path", f"{rel!r} is not a relative path inside the folder")
        if rel in _SKIPPED:
            raise bad(f"{where}.path", f"{rel!r} cannot be covered by the manifest")
        if rel in seen:
            raise bad(f"{where}.path", f"{rel!r} is listed twice")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise bad(f"{where}.size", "must be a non-negative integer")
        if not isinstance(digest, str) or len(digest) != 64 or digest.strip("0123456789abcdef"):
            raise bad(f"{where}.sha256", "must be 64 lower-case hex digits")
        seen.add(rel)
        entries.append(FileEntry(rel, size, digest))
    return Manifest(FORMAT, created, lab, signer, tuple(entries))


def _parse_signer(raw, bad) -> Signer:
    if not isinstance(raw, dict) or raw.get("algorithm") != ALGORITHM:
        raise bad("signer", f"must be an object with algorithm {ALGORITHM!r}")
    try:
        key = base64.b64decode(str(raw.get("public_key")), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise bad("signer.public_key", "must be 32 bytes, base64")
    if not isinstance(raw.get("fingerprint"), str):
        raise bad("signer.fingerprint", "must be a string")
    return Signer(ALGORITHM, key, raw["fingerprint"])


def _safe_relative(rel: str) -> bool:
    """A posix path that stays inside the folder: not absolute, no '..', '.', '' or '\\'."""
    if not rel or "\\" in rel or "\0" in rel or rel.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/")) and PurePosixPath(rel).as_posix() == rel


# --- verification -----------------------------------------------------------

def _compare(folder: Path, manifest: Manifest) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    on_disk = list_files(folder)
    listed = {e.path: e for e in manifest.files}
    added = tuple(p for p in on_disk if p not in listed)
    missing = tuple(sorted(p for p in listed if p not in on_disk))
    altered = []
    for rel, entry in sorted(listed.items()):
        path = on_disk.get(rel)
        if path is None:
            continue
        if path.stat().st_size != entry.size or sha256_file(path) != entry.sha256:
            altered.append(rel)
    return added, missing, tuple(altered)


def _check_signature(folder: Path, manifest: Manifest, data: bytes) -> tuple[bool, str | None, str]:
    """(bad_signature, fingerprint, problem) for the signature file beside the manifest."""
    signer = manifest.signer
    if signer is None:
        return True, None, f"{MANIFEST_NAME} names no signer"
    public = Ed25519PublicKey.from_public_bytes(signer.public_key)
    actual = fingerprint(public)
    if actual != signer.fingerprint:
        return True, actual, "signer.fingerprint does not match signer.public_key"
    try:
        signature = base64.b64decode(_read_bytes(folder / SIGNATURE_NAME, "signature").strip(), validate=True)
        public.verify(signature, data)
    except (binascii.Error, InvalidSignature):
        return True, actual, f"{SIGNATURE_NAME} is not a valid signature of {MANIFEST_NAME} by key {actual}"
    return False, actual, ""


def verify_dir(directory: str | Path, trusted_public_keys: list[str | Path] | None = None) -> VerifyResult:
    """Check a folder against its MANIFEST.json and MANIFEST.sig.

    Args:
        directory: the results folder.
        trusted_public_keys: PEM public keys the reviewer trusts; when given, a
            signature by any other key makes the result not ok.

    Returns:
        A VerifyResult; ``ok`` needs a good signature and no added, missing or altered file.

    Raises:
        IntegrityError: the folder, the manifest or a trusted key file cannot be read
            or is malformed, or the folder holds a symlink.
    """
    folder = _folder(directory)
    trusted = {fingerprint(load_public_key(p)) for p in (trusted_public_keys or [])}
    manifest, data = read_manifest(folder)
    added, missing, altered = _compare(folder, manifest)
    sig_path = folder / SIGNATURE_NAME
    signed = sig_path.exists()
    bad_signature, key_fp, problem = (_check_signature(folder, manifest, data) if signed
                                      else (False, None, f"not signed ({SIGNATURE_NAME} is missing)"))
    is_trusted = signed and not bad_signature and key_fp in trusted
    problems = [f"{len(names)} {what}" for what, names in
                (("added", added), ("missing", missing), ("altered", altered)) if names]
    files_ok = not (added or missing or altered)
    if trusted_public_keys and signed and not bad_signature and not is_trusted:
        problem = f"signed by key {key_fp}, which is not among the {len(trusted)} trusted key(s)"
    ok = files_ok and signed and not bad_signature and (is_trusted or not trusted_public_keys)
    if ok:
        trust = "a trusted key" if is_trusted else "a key not checked against any trusted key"
        message = f"{len(manifest.files)} files match {MANIFEST_NAME}; signed by {trust} {key_fp}"
    else:
        parts = [] if files_ok else [", ".join(problems)]
        if not problem:
            problem = f"signature by key {key_fp} is valid"
        message = "; ".join(parts + [problem])
    return VerifyResult(ok, signed, key_fp, is_trusted, added, missing, altered, bad_signature, message)


# --- lab profile ------------------------------------------------------------

def signing_config(section: object, profile: str | Path) -> SigningConfig:
    """Read a lab profile's ``signing`` mapping; a relative key path is taken from
    the profile's folder, so a profile and its key can move together.

    Raises:
        IntegrityError: naming the profile, when the section has the wrong shape.
    """
    profile = Path(profile)
    if not isinstance(section, dict):
        raise IntegrityError(f"{profile}: signing must be a mapping {{key: path, passphrase_env: NAME}}")
    unknown = sorted(set(section) - {"key", "passphrase_env"})
    if unknown:
        raise IntegrityError(f"{profile}: signing has unknown key(s) {', '.join(map(str, unknown))}")
    key, env = section.get("key"), section.get("passphrase_env")
    if not isinstance(key, str) or not key:
        raise IntegrityError(f"{profile}: signing.key must be the path of a PEM private key")
    if env is not None and (not isinstance(env, str) or not env):
        raise IntegrityError(f"{profile}: signing.passphrase_env must be an environment variable name")
    path = Path(key).expanduser()
    return SigningConfig(path if path.is_absolute() else profile.parent / path, env)
