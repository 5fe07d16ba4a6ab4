"""`--collection` on the rag commands and `rag collections list|delete`, run as a user runs
them (subprocesses, scratch store, real model and Chroma)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.apps.test_cli import rag


def test_collections_are_separate_stores(tmp_path: Path) -> None:
    store = tmp_path / "store"
    note = tmp_path / "notiz.txt"
    note.write_text("Das Lastenfahrrad steht im Hof und wird montags gewartet.", "utf-8")
    out = json.loads(rag(["ingest", str(note), "--collection", "fahrrad", "--json"],
                         store).stdout)
    assert [Path(p).name for p in out["ingested"]] == ["notiz.txt"]

    hits = json.loads(rag(["search", "Lastenfahrrad", "--collection", "fahrrad", "--json"],
                          store).stdout)
    assert hits and hits[0]["source"] == "notiz.txt"
    # The default collection does not see it.
    assert json.loads(rag(["docs", "list", "--json"], store).stdout) == []
    assert json.loads(rag(["search", "Lastenfahrrad", "--json"], store).stdout) == []

    rows = json.loads(rag(["collections", "list", "--json"], store).stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["fahrrad"]["documents"] == 1 and by_name["fahrrad"]["chunks"] >= 1
    assert by_name["fahrrad"]["embedding_model"]

    bad = rag(["docs", "list", "--collection", "../x"], store, check_rc=2)
    assert "Ungültiger Sammlungsname" in bad.stderr
    unconfirmed = rag(["collections", "delete", "fahrrad"], store, check_rc=2)
    assert "--yes" in unconfirmed.stderr
    rag(["collections", "delete", "fahrrad", "--yes"], store)
    assert "fahrrad" not in {r["name"] for r in json.loads(
        rag(["collections", "list", "--json"], store).stdout)}
    assert not (store / "keyword" / "fahrrad").exists()
