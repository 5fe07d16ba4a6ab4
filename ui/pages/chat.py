"""Page "Fragen" (see ui/chat_view.py)."""

from ui.chat_view import render

render()
