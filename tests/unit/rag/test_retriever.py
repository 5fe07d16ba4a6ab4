"""The LangChain retriever over the demo corpus."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

from rag.components.llm.factory import make_llm
from rag.components.store import make_filter
from rag.index import Index
from rag.retrieval.langchain import QuelleRetriever
from rag.settings import Settings
from tests.conftest import load_qa
from tests.support.tiny_llm import tiny_llama_dir


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


def test_the_readme_lcel_chain(corpus_index: Index,
                               tmp_path_factory: pytest.TempPathFactory) -> None:
    """The README's chain, run as written, then answered by a real (tiny) Llama-3."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnablePassthrough

    from rag.retrieval.langchain import format_documents

    retriever = QuelleRetriever(index=corpus_index, k=4)
    prompt = ChatPromptTemplate.from_messages([
        ("system", "Du bist ein freundlicher und hilfreicher deutscher KI-Assistent."),
        ("human", "Kontext:\n{context}\n\nFrage: {question}"),
    ])
    chain = {"context": retriever | format_documents, "question": RunnablePassthrough()} | prompt
    question = "Wie hoch ist das Tagegeld im Inland?"
    value = chain.invoke(question)
    system, human = value.to_messages()
    assert system.content == "Du bist ein freundlicher und hilfreicher deutscher KI-Assistent."
    assert human.content.startswith("Kontext:\n[1] ")
    assert human.content.endswith(f"Frage: {question}")
    gold = corpus_index.search(question, 4)
    first = f"[1] {gold[0].chunk.source}, S. {gold[0].chunk.page_start}\n{gold[0].chunk.text}"
    assert first in human.content and "[4] " in human.content

    # Any chat model can follow; here Quelle's own transformers backend on a tiny Llama-3.
    llm = make_llm(Settings(_env_file=None, llm_backend="transformers",  # type: ignore[call-arg]
                            llm_model=str(tiny_llama_dir(tmp_path_factory)),
                            llm_max_new_tokens=5))
    roles = {"system": "system", "human": "user"}
    answer_chain = chain | RunnableLambda(
        lambda pv: llm.generate([{"role": roles[m.type], "content": m.content}
                                 for m in pv.to_messages()])) | StrOutputParser()
    answer = answer_chain.invoke(question)
    assert isinstance(answer, str) and answer.strip()
