#!/usr/bin/env python3
"""Write the demo corpus's Word documents (``corpora/*.docx``) from ``sources/docx/``.

``sources/docx/NAME.toml`` becomes ``NAME.docx`` (format: see the comment at the top of
each source). Output is deterministic: fixed document properties and fixed timestamps
inside the ZIP archive, so re-running gives byte-identical files with the same
python-docx version.

Usage: ``python corpora/make_docx.py [--out DIR]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tomllib
import zipfile
from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources" / "docx"
FIXED = dt.datetime(2026, 3, 12, 16, 0, 0)
ZIP_TIME = (2026, 3, 12, 16, 0, 0)
# python-docx of the committed files: its template is part of the bytes, so the byte-for-byte
# check in tests/unit/corpora/test_corpora.py applies only with this version.
BUILD_ENV = {"python-docx": "1.2.0"}


def local_env() -> dict[str, str]:
    from importlib.metadata import version

    return {"python-docx": version("python-docx")}


def render(source: Path) -> bytes:
    data = tomllib.loads(source.read_text("utf-8"))
    d = docx.Document()
    props = d.core_properties
    props.title, props.author, props.subject = data["title"], data["author"], data["subject"]
    props.created = props.modified = FIXED
    props.last_modified_by = data["author"]
    props.revision = 1
    section = d.sections[0]
    section.header.paragraphs[0].text = data["header"]
    section.footer.paragraphs[0].text = data["footer"]
    for block in data["block"]:
        if "heading" in block:
            d.add_heading(" ".join(block["heading"].split()), level=block.get("level", 1))
        elif "p" in block:
            d.add_paragraph(" ".join(block["p"].split()))
        elif "table" in block:
            header, rows = block["table"]["header"], block["table"]["rows"]
            table = d.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = text
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
        else:
            raise ValueError(f"{source.name}: unknown block {sorted(block)}")
    raw = io.BytesIO()
    d.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(blob: bytes) -> bytes:
    """The same archive with fixed member timestamps (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, zin.read(info))
    return out.getvalue()


def build(out_dir: Path, verbose: bool = True) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(SOURCES.glob("*.toml")):
        path = out_dir / (source.stem + ".docx")
        path.write_bytes(render(source))
        written.append(path)
        if verbose:
            print(f"{path.name}: {path.stat().st_size} bytes")
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: corpora/)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    build(args.out, verbose=not args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
