"""Page "Qualität" (see ui/quality_view.py)."""

from ui.quality_view import render

render()
