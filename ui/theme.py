"""Small CSS touches: German texts for Streamlit's file-upload dropzone.

Streamlit has no setting for the dropzone's own words ("Upload", "200MB per file"), so
they are hidden and replaced by German ones via CSS ``content``. Keyed widgets carry the
class ``st-key-<key>``, which scopes each text to its uploader.
"""

from __future__ import annotations

import streamlit as st

DOCUMENT_UPLOADERS = ("upload-chat", "upload-library")
GOLD_UPLOADER = "quelle-gold-upload"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _after(selectors: list[str]) -> str:
    return ", ".join(f"{s}::after" for s in selectors)


def _dropzone_rules(keys: tuple[str, ...], button: str, hint: str) -> str:
    scopes = [f".st-key-{k}" for k in keys]
    btn = [f'{s} [data-testid="stFileUploaderDropzone"] button p' for s in scopes]
    ins = [f'{s} [data-testid="stFileUploaderDropzoneInstructions"] span' for s in scopes]
    return (
        f"{', '.join(btn)} {{ font-size: 0; }}\n"
        f"{_after(btn)} {{ content: {_css_string(button)}; font-size: 0.875rem; }}\n"
        f"{', '.join(ins)} {{ font-size: 0; }}\n"
        f"{_after(ins)} {{ content: {_css_string(hint)}; font-size: 0.875rem; }}\n"
    )


def inject(max_file_mb: int) -> None:
    css = _dropzone_rules(DOCUMENT_UPLOADERS, "Dateien auswählen",
                          f"oder hierher ziehen • höchstens {max_file_mb} MB je Datei • "
                          "PDF, DOCX, ODT, HTML, EML, TXT, MD")
    css += _dropzone_rules((GOLD_UPLOADER,), "Datei auswählen",
                           "oder hierher ziehen • JSONL")
    st.html(f"<style>{css}</style>")
