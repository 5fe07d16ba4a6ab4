"""Page "Bibliothek" (see ui/library_view.py)."""

from ui.library_view import render

render()
