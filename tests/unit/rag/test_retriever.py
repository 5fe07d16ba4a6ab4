"""The LangChain retriever over the demo corpus."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

from rag.components.store import make_filter
from rag.index import Index
from rag.retriever import QuelleRetriever
from tests.conftest import load_qa


def test_retriever_returns_documents_with_citation_metadata(corpus_index: Index) -> None:
    row = next(r for r in load_qa() if r.get("doc") and r["kind"] == "direct")
    retriever = QuelleRetriever(index=corpus_index, k=3)
    docs = retriever.invoke(row["question"])
    assert 1 <= len(docs) <= 3
    assert all(isinstance(d, Document) for d in docs)
    meta = docs[0].metadata
    for key in ("source", "page", "page_start", "page_end", "char_start", "char_end",
                "chunk_index", "content_hash", "doc_id", "chunk_id", "score"):
        assert key in meta
    assert docs[0].id == meta["chunk_id"]

    # It composes with LangChain runnables like any retriever.
    chain = retriever | RunnableLambda(lambda ds: sorted({d.metadata["source"] for d in ds}))
    assert row["doc"] in chain.invoke(row["question"])


def test_retriever_filters(corpus_index: Index) -> None:
    row = next(r for r in load_qa() if r.get("doc"))
    other = next(d.source for d in corpus_index.documents() if d.source != row["doc"])
    retriever = QuelleRetriever(index=corpus_index, k=5, filters=make_filter([other]))
    assert {d.metadata["source"] for d in retriever.invoke(row["question"])} == {other}
    pages = QuelleRetriever(index=corpus_index, k=5, filters=make_filter([row["doc"]], (2, 2)))
    for d in pages.invoke(row["question"]):
        assert d.metadata["page_start"] <= 2 <= d.metadata["page_end"]
