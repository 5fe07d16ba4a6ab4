"""Per-browser-session state: settings overrides and the chat history.

The settings object (env / ``.env``) holds the defaults; what a user changes in the app is
kept in ``st.session_state`` and applied with ``Settings.override``, so it never leaks into other
sessions or the process-wide settings.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from rag.settings import Settings, get_settings

_OVERRIDES = "quelle_overrides"
MESSAGES = "quelle_messages"

# Only these fields may be changed from the UI (the sidebar and the collection picker).
SESSION_FIELDS = ("top_k", "retrieval_mode", "collection")


def base_settings() -> Settings:
    return get_settings()


def overrides() -> dict[str, Any]:
    return st.session_state.setdefault(_OVERRIDES, {})


def set_override(field: str, value: Any) -> None:
    if field not in SESSION_FIELDS:
        raise ValueError(f"{field} cannot be changed from the UI")
    base = base_settings()
    current = overrides()
    if base.value(field) == value:
        current.pop(field, None)  # back to the default: nothing to remember
    else:
        current[field] = value


def session_settings() -> Settings:
    """The settings this session works with (defaults plus its own changes)."""
    over = overrides()
    base = base_settings()
    return base.override(**over) if over else base


def messages() -> list[dict[str, Any]]:
    """Chat turns, oldest first: ``{"role", "content", "answer"?}``."""
    return st.session_state.setdefault(MESSAGES, [])


def new_conversation() -> None:
    st.session_state[MESSAGES] = []
