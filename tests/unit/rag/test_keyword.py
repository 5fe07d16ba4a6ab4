"""German analyzer and the persistent keyword index (no embedding model needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.components.keyword import (
    AnalyzerOptions,
    CompoundSplitter,
    GermanAnalyzer,
    KeywordIndex,
    fold,
)
from rag.components.keyword.index import FILE_NAME
from rag.components.store import DocumentRecord
from rag.index import Index
from rag.types import Chunk
from tests.conftest import make_settings

TEXTS = {
    "vertrag:1": "Die Frist für die Kündigung beträgt vier Wochen zum Monatsende.",
    "vertrag:2": "Der Arbeitnehmer hat Anspruch auf 30 Arbeitstage Erholungsurlaub im Jahr.",
    "vertrag:3": "Die Probezeit dauert sechs Monate. Während der Probezeit gilt eine kurze Frist.",
    "handbuch:1": "Die Kündigungsfristen richten sich nach dem Bürgerlichen Gesetzbuch.",
    "handbuch:2": "Die Wärmepumpe schaltet bei Störungen in den Notbetrieb.",
    "handbuch:3": "Der Urlaubsanspruch verfällt am 31. März des Folgejahres.",
    "bib:1": "Die Leihfrist für Bücher beträgt vier Wochen; Medien können verlängert werden.",
    "bib:2": "Für verspätete Rückgabe wird eine Säumnisgebühr von 0,50 Euro je Tag erhoben.",
    "bib:3": "Die Bibliothek ist montags geschlossen. Die Straße vor dem Haus wird saniert.",
}


def chunk(cid: str, text: str) -> Chunk:
    return Chunk(
        chunk_id=cid,
        doc_id=cid.split(":")[0],
        source=cid.split(":")[0] + ".pdf",
        text=text,
        page_start=1,
        page_end=1,
        char_start=0,
        char_end=len(text),
        chunk_index=int(cid.split(":")[1]),
        content_hash=str(hash(text)),
    )


@pytest.fixture
def index(tmp_path: Path) -> KeywordIndex:
    kw = KeywordIndex.open(tmp_path / "kw")
    kw.add([chunk(c, t) for c, t in TEXTS.items()])
    return kw


def top_ids(kw: KeywordIndex, query: str, k: int = 3) -> list[str]:
    return [cid for cid, _ in kw.search(query, k)]


# --- analyzer ----------------------------------------------------------------------------


def test_umlaut_spellings_meet_in_one_stem() -> None:
    an = GermanAnalyzer()
    forms = ["Kündigung", "KÜNDIGUNG", "Kuendigung", "kündigung"]
    assert len({an.stem(t) for f in forms for t in an.tokens(f)}) == 1
    assert an.stems(an.tokens("Straße")) == an.stems(an.tokens("Strasse"))
    assert fold("Größe Maß") == "grosse mass"


def test_stop_words_and_instruction_words() -> None:
    an = GermanAnalyzer()
    assert an.tokens("Die Frist und der Urlaub") == ["frist", "urlaub"]
    # Question words and command verbs are dropped from queries only.
    assert an.query_tokens("Nennen Sie die Frist für die Kündigung") == ["frist", "kundigung"]
    assert an.query_tokens("Wann verfällt der Urlaub?") == ["verfallt", "urlaub"]
    assert "nennen" in an.tokens("Wir nennen die Frist")
    # "Erklärung" is a topic word, not the command "Erkläre".
    assert "erklarung" in an.query_tokens("Erkläre die Erklärung")
    # A query made only of such words still searches for something.
    assert an.query_tokens("Wer?") == ["wer"]


def test_compound_splitter_uses_known_words() -> None:
    sp = CompoundSplitter({"kundigung", "frist", "arbeit", "vertrag", "urlaub", "anspruch"})
    assert sp.split(fold("Kündigungsfrist")) == ("kundigung", "frist")
    assert sp.split(fold("Kündigungsfristen")) == ("kundigung", "frist")  # inflected head
    assert sp.split(fold("Arbeitsvertrag")) == ("arbeit", "vertrag")  # linking -s-
    assert sp.split(fold("Urlaubsanspruch")) == ("urlaub", "anspruch")
    assert sp.split(fold("Arbeitsvertragsfrist")) == ("arbeit", "vertrag", "frist")
    assert sp.split("verwaltung") == ()  # no known parts: left whole
    assert sp.split("frist") == ()


def test_signature_changes_with_options() -> None:
    assert AnalyzerOptions().signature() != AnalyzerOptions(compounds=False).signature()


# --- search ------------------------------------------------------------------------------


def test_compound_query_finds_its_parts_and_the_reverse(index: KeywordIndex) -> None:
    assert top_ids(index, "Kündigungsfrist", 2)[0] in {"vertrag:1", "handbuch:1"}
    assert set(top_ids(index, "Kündigungsfrist", 2)) == {"vertrag:1", "handbuch:1"}
    assert "handbuch:1" in top_ids(index, "Frist der Kündigung", 2)
    assert top_ids(index, "Wie lange ist die Kündigungsfrist?", 2)[0] in {
        "vertrag:1",
        "handbuch:1",
    }


def test_unseen_compound_counts_through_its_parts() -> None:
    texts = {**TEXTS, "bib:4": "Im Lesesaal stehen aktuelle Zeitschriften bereit.",
             "vertrag:5": "Jedes Jahr gibt es 30 Tage bezahlten Urlaub."}
    kw = KeywordIndex()
    kw.add([chunk(c, t) for c, t in texts.items()])
    question = "Wie viele Urlaubstage stehen mir zu?"
    feats = kw.query_features(question)
    # "Urlaubstage" occurs nowhere, so its parts carry it with full weight; "viele" is part
    # of the question ("Wie viele ...?"), not its topic.
    assert "urlaubstag" not in kw._feature_ids
    assert feats["urlaub"] == feats["tag"] == 1.0 and "viel" not in feats
    # With parts at the usual 0.25, "stehen" alone put the reading-room chunk first.
    assert top_ids(kw, question, 1) == ["vertrag:5"]
    # A compound that does occur keeps its parts down-weighted next to itself.
    seen = kw.query_features("Urlaubsanspruch")
    assert seen["urlaubsanspruch"] == 1.0 and seen["urlaub"] == seen["anspruch"] == 0.25


def test_without_compounds_the_parts_do_not_match(tmp_path: Path) -> None:
    kw = KeywordIndex(analyzer=GermanAnalyzer(AnalyzerOptions(compounds=False)))
    kw.add_texts(TEXTS.items())
    assert "handbuch:1" not in top_ids(kw, "Frist der Kündigung", 3)


def test_inflection_and_umlaut_variants_match(index: KeywordIndex) -> None:
    assert top_ids(index, "Waermepumpen Stoerung", 1) == ["handbuch:2"]
    assert top_ids(index, "Säumnisgebühren", 1) == ["bib:2"]
    assert top_ids(index, "Strasse", 1) == ["bib:3"]


def test_scores_are_sorted_positive_and_limited(index: KeywordIndex) -> None:
    hits = index.search("Urlaub Anspruch", 5)
    assert hits[0][0] in {"vertrag:2", "handbuch:3"}
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    assert index.search("Zeppelin", 5) == []
    assert index.search("", 5) == []
    assert len(index.search("die Frist", 2)) == 2


def test_allowed_ids_restrict_results(index: KeywordIndex) -> None:
    assert {c for c, _ in index.search("vier Wochen", 10)} == {"vertrag:1", "bib:1"}
    hits = index.search("vier Wochen", 10, allowed_ids={"bib:1", "bib:2", "gone:9"})
    assert [c for c, _ in hits] == ["bib:1"]
    assert index.search("vier Wochen", 10, allowed_ids=set()) == []


def test_scores_for_matches_search(index: KeywordIndex) -> None:
    hits = dict(index.search("Leihfrist Bücher", 9))
    got = index.scores_for("Leihfrist Bücher", ["bib:1", "bib:3", "missing"])
    assert got[0] == pytest.approx(hits["bib:1"])
    assert got[1] == 0.0 and got[2] == 0.0


# --- updates and persistence -------------------------------------------------------------


def test_upsert_replaces_and_delete_removes(index: KeywordIndex) -> None:
    index.add([chunk("bib:3", "Die Ausleihe von Spielen ist kostenlos.")])
    assert top_ids(index, "Straße saniert", 3) == []
    assert top_ids(index, "Spiele ausleihen", 1) == ["bib:3"]
    index.delete(["bib:3", "not-there"])
    assert "bib:3" not in index.ids()
    assert top_ids(index, "Spiele", 3) == []
    assert index.ids() == set(TEXTS) - {"bib:3"}


def test_save_and_open_roundtrip(index: KeywordIndex, tmp_path: Path) -> None:
    before = index.search("Frist Kündigung", 5)
    index.save()
    assert not index.dirty
    assert [p.name for p in (tmp_path / "kw").iterdir()] == [FILE_NAME]  # no temp leftovers
    again = KeywordIndex.open(tmp_path / "kw")
    assert not again.needs_rebuild
    assert again.ids() == set(TEXTS)
    after = again.search("Frist Kündigung", 5)
    assert [c for c, _ in after] == [c for c, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before])


def test_save_after_deletes_compacts_vocabulary(index: KeywordIndex, tmp_path: Path) -> None:
    index.delete([c for c in TEXTS if c != "bib:1"])
    index.save()
    again = KeywordIndex.open(tmp_path / "kw")
    assert again.ids() == {"bib:1"}
    assert top_ids(again, "Leihfrist", 1) == ["bib:1"]
    assert len(again._terms) < 15  # the deleted chunks' words are gone from the file


def test_missing_file_is_an_empty_index(tmp_path: Path) -> None:
    kw = KeywordIndex.open(tmp_path / "nothing")
    assert kw.ids() == set() and not kw.needs_rebuild
    assert kw.search("Frist", 3) == []


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty"])
def test_corrupt_file_opens_empty_and_asks_for_rebuild(
    index: KeywordIndex, tmp_path: Path, damage: str
) -> None:
    index.save()
    f = tmp_path / "kw" / FILE_NAME
    data = f.read_bytes()
    f.write_bytes(
        {"garbage": b"not a zip file", "truncate": data[: len(data) // 2], "empty": b""}[damage]
    )
    kw = KeywordIndex.open(tmp_path / "kw")
    assert kw.needs_rebuild and kw.load_error
    assert kw.ids() == set()
    kw.rebuild(TEXTS.items())
    kw.save()
    assert not kw.needs_rebuild
    assert KeywordIndex.open(tmp_path / "kw").ids() == set(TEXTS)


def test_other_analyzer_settings_make_the_file_stale(index: KeywordIndex, tmp_path: Path) -> None:
    index.save()
    other = GermanAnalyzer(AnalyzerOptions(stem=False))
    kw = KeywordIndex.open(tmp_path / "kw", analyzer=other)
    assert kw.needs_rebuild and "analyzer" in (kw.load_error or "")


def test_clear_and_rebuild(index: KeywordIndex, tmp_path: Path) -> None:
    index.clear()
    assert index.ids() == set() and index.search("Frist", 3) == []
    index.rebuild([("x:0", "Die Leihfrist beträgt vier Wochen.")])
    assert index.ids() == {"x:0"}
    assert top_ids(index, "Leihfrist", 1) == ["x:0"]


def test_failed_save_keeps_previous_file(
    index: KeywordIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.save()
    index.add_texts([("new:0", "Ein neuer Abschnitt über Zeppeline.")])

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError):
        index.save()
    assert [p.name for p in (tmp_path / "kw").iterdir()] == [FILE_NAME]
    assert KeywordIndex.open(tmp_path / "kw").ids() == set(TEXTS)


def test_bulk_index_stays_consistent_with_numpy_reference() -> None:
    """The vectorised postings equal a straightforward BM25 computed term by term."""
    rng = np.random.default_rng(0)
    words = ["haus", "garten", "auto", "fenster", "dach", "keller", "tür", "zimmer", "boden"]
    docs = {f"d:{i}": " ".join(rng.choice(words, size=rng.integers(1, 12))) for i in range(60)}
    an = GermanAnalyzer(AnalyzerOptions(compounds=False))
    kw = KeywordIndex(analyzer=an)
    kw.add_texts(docs.items())
    k1, b = kw.params.k1, kw.params.b
    toks = {c: an.stems(an.tokens(t)) for c, t in docs.items()}
    avgdl = np.mean([len(v) for v in toks.values()])
    query = "Haus Keller Dach"
    q = an.stems(an.query_tokens(query))
    n = len(docs)
    expected = {}
    for c, t in toks.items():
        s = 0.0
        for term in q:
            df = sum(term in v for v in toks.values())
            tf = t.count(term)
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(t) / avgdl)) if tf else 0.0
        expected[c] = s
    got = dict(kw.search(query, n))
    for c, s in expected.items():
        assert got.get(c, 0.0) == pytest.approx(s, rel=1e-5)


# --- consistency with Chroma through the Index ---------------------------------------------


def _write_doc(index: Index, doc_id: str, version: str, texts: list[str]) -> DocumentRecord:
    """Write a document version the way ingest does: chunks first, then the switch."""
    prefix = f"{doc_id}:{version}"
    chunks = [
        Chunk(f"{prefix}:{i}", doc_id, f"{doc_id}.txt", t, 1, 1, 0, len(t), i, f"{prefix}{i}")
        for i, t in enumerate(texts)
    ]
    index.add_chunks(chunks, index.embedder.embed_documents(texts))
    record = DocumentRecord(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        path=f"/tmp/{doc_id}.txt",
        version=version,
        chunk_prefix=prefix,
        pages=1,
        chunks=len(chunks),
        ingested_at="2026-01-01T00:00:00+00:00",
        embedding_model=index.embedder.model_id,
    )
    index.activate(record)
    return record


def _in_sync(index: Index) -> bool:
    return index.keyword.ids() == set(index.store.chunk_ids())


@pytest.fixture
def small_index(tmp_path: Path, store_mode: str, embedder: object) -> Index:
    return Index(make_settings(tmp_path, store_mode), embedder)  # type: ignore[arg-type]


def test_keyword_index_follows_chroma_through_updates(small_index: Index) -> None:
    idx = small_index
    _write_doc(idx, "vertrag", "v1", list(TEXTS.values())[:3])
    _write_doc(idx, "bib", "v1", list(TEXTS.values())[6:])
    assert _in_sync(idx) and len(idx.keyword) == 6
    _write_doc(idx, "vertrag", "v2", ["Die Kündigungsfrist beträgt drei Monate."])
    assert _in_sync(idx)
    assert {c.rsplit(":", 1)[0] for c in idx.keyword.ids()} == {"vertrag:v2", "bib:v1"}
    hits = idx.search("Frist der Kündigung", 3, mode="bm25")
    assert hits[0].chunk.chunk_id == "vertrag:v2:0"
    idx.delete_document("bib")
    assert _in_sync(idx) and idx.keyword.ids() == {"vertrag:v2:0"}
    # A new process reads the saved keyword file: same ids, no rebuild needed.
    again = Index(idx.settings, idx.embedder)
    kw = KeywordIndex.open(again.keyword_dir)
    assert not kw.needs_rebuild and kw.ids() == {"vertrag:v2:0"}
    assert _in_sync(again)


def test_interrupted_ingest_is_collected_in_both(small_index: Index) -> None:
    idx = small_index
    _write_doc(idx, "bib", "v1", list(TEXTS.values())[6:])
    texts = ["Ein Abschnitt einer Version, die nie aktiviert wurde."]
    chunk = Chunk("bib:v2:0", "bib", "bib.txt", texts[0], 1, 1, 0, len(texts[0]), 0, "x")
    idx.add_chunks([chunk], idx.embedder.embed_documents(texts))  # crash before activate
    assert _in_sync(idx)
    assert idx.search("nie aktiviert", 3, mode="bm25") == []  # not live
    idx.collect_garbage()
    assert _in_sync(idx) and "bib:v2:0" not in idx.keyword.ids()


@pytest.mark.parametrize("damage", ["delete", "garbage", "extra"])
def test_drifted_keyword_index_is_rebuilt_from_chroma(small_index: Index, damage: str) -> None:
    idx = small_index
    _write_doc(idx, "vertrag", "v1", list(TEXTS.values())[:3])
    file = idx.keyword_dir / FILE_NAME
    if damage == "delete":
        file.unlink()
    elif damage == "garbage":
        file.write_bytes(b"\x00garbage")
    else:  # a chunk Chroma never got (a crash between the two writes)
        kw = KeywordIndex.open(idx.keyword_dir)
        kw.add_texts([("ghost:v1:0", "Gespenst")])
        kw.save()
    live = {f"vertrag:v1:{i}" for i in range(3)}
    # A reader repairs its own copy in memory and finds the live chunks.
    reader = Index(idx.settings, idx.embedder)
    assert live <= reader.keyword.ids()
    assert reader.search("Probezeit", 1, mode="bm25")[0].chunk.chunk_id == "vertrag:v1:2"
    assert reader.search("Gespenst", 3, mode="bm25") == []
    # A writer makes the file equal to Chroma again and saves it.
    writer = Index(idx.settings, idx.embedder)
    with writer.write_lock():
        assert writer.keyword.ids() == set(writer.store.chunk_ids()) == live
    assert KeywordIndex.open(writer.keyword_dir).ids() == live
