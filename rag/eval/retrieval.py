"""``rag eval retrieval``: retrieval quality and latency on a gold data set.

Two formats:

* DPR (``*.jsonl[.gz]`` with ``context``, ``context_uuid`` and question lists, as in
  shared/data/wikipedia-de-dpr): every ``context`` becomes one chunk of one scratch document;
  the gold chunk of a question is its own passage.
* corpora/qa.jsonl (``question, doc, page, answer, kind``): the files next to it are ingested
  with the project's ingest; a hit is correct when it comes from ``doc`` and covers ``page``.
  Unanswerable rows are skipped.

Everything is written to a temporary store (embedded Chroma), never to the user's store.
Latency is measured per question around ``Index.search`` (query embedding + search).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ingest.pipeline import Ingestor, expand_paths
from rag.components.store import DocumentRecord
from rag.eval.qa_check import is_gold, load_gold
from rag.index import Index
from rag.settings import Settings, get_settings
from rag.types import Chunk, SearchHit

METRIC_KEYS = (
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "p50_ms",
    "p95_ms",
    "queries",
    "passages",
)
_EMBED_BATCH = 64
_DPR_DOC = "dpr"


class DatasetError(ValueError):
    pass


@dataclass(frozen=True)
class Query:
    text: str
    is_gold: Callable[[SearchHit], bool]


@dataclass
class Metrics:
    ranks: list[int | None]  # 1-based rank of the first correct hit, None if not in top k
    latencies_ms: list[float]
    passages: int

    def to_json(self) -> dict[str, Any]:
        n = max(len(self.ranks), 1)  # an empty run reports zeros, not a division error

        def recall(k: int) -> float:
            return sum(1 for r in self.ranks if r is not None and r <= k) / n

        hits10 = [r for r in self.ranks if r is not None and r <= 10]
        lat = np.asarray(self.latencies_ms) if self.latencies_ms else np.asarray([math.nan])
        return {
            "recall@1": round(recall(1), 4),
            "recall@5": round(recall(5), 4),
            "recall@10": round(recall(10), 4),
            "mrr@10": round(sum(1.0 / r for r in hits10) / n, 4),
            # One relevant passage per question, so the ideal DCG is 1.
            "ndcg@10": round(sum(1.0 / math.log2(r + 1) for r in hits10) / n, 4),
            "p50_ms": round(float(np.percentile(lat, 50)), 1),
            "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "queries": len(self.ranks),
            "passages": self.passages,
        }


# --- data sets ---------------------------------------------------------------------------


def _open_text(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        yield from fh


def _rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for no, line in enumerate(_open_text(path), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path.name}, Zeile {no}: kein gültiges JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise DatasetError(f"{path.name}, Zeile {no}: JSON-Objekt erwartet")
        rows.append(row)
    if not rows:
        raise DatasetError(f"{path.name} enthält keine Zeilen")
    return rows


def is_dpr(rows: Sequence[dict[str, Any]]) -> bool:
    return "context" in rows[0]


def dpr_passages(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Unique ``(passage id, title, text)`` in file order."""
    seen: dict[str, tuple[str, str, str]] = {}
    for r in rows:
        pid = str(r.get("context_uuid") or hashlib.sha1(r["context"].encode()).hexdigest())
        seen.setdefault(pid, (pid, str(r.get("title", "")), str(r["context"])))
    return list(seen.values())


def dpr_questions(rows: Sequence[dict[str, Any]], field: str) -> list[tuple[str, str]]:
    """``(question, gold passage id)`` for every question in ``field``."""
    out: list[tuple[str, str]] = []
    for r in rows:
        pid = str(r.get("context_uuid") or hashlib.sha1(r["context"].encode()).hexdigest())
        qs = r.get(field) or []
        if isinstance(qs, str):
            qs = [qs]
        out.extend((str(q), pid) for q in qs if str(q).strip())
    if not out:
        raise DatasetError(f"keine Fragen im Feld '{field}'")
    return out


def sample(items: list[Any], limit: int | None, seed: int) -> list[Any]:
    """A fixed-seed sample of ``limit`` items, kept in file order (all if no limit)."""
    if limit is None or limit >= len(items):
        return items
    if limit < 1:
        raise DatasetError("--limit muss mindestens 1 sein")
    keep = sorted(random.Random(seed).sample(range(len(items)), limit))
    return [items[i] for i in keep]


# --- indexing ----------------------------------------------------------------------------


def scratch_settings(store_dir: Path, mode: str, base: Settings | None = None) -> Settings:
    """The user's settings (model, fusion, ...; or ``base``) but an embedded store in
    ``store_dir``."""
    return (base or get_settings()).override(
        store_dir=store_dir, chroma_host="", collection="quelle-eval", retrieval_mode=mode
    )


def corpus_files(dataset: Path) -> list[Path]:
    """The corpus of a gold file: every document next to it, minus its own README."""
    return [p for p in expand_paths([dataset.parent])
            if p.resolve() != dataset.resolve() and not p.name.lower().startswith("readme")]


def ingest_corpus(index: Index, dataset: Path, show_progress: bool = False) -> None:
    """Ingest :func:`corpus_files` into ``index``; a failed file is a warning."""
    report = Ingestor(index.settings, index).run(corpus_files(dataset),
                                                 show_progress=show_progress)
    for r in report.by_status("failed"):
        print(f"Warnung: {r.error}", file=sys.stderr)


def vector_cache_file(cache_dir: Path, model_id: str, texts: Sequence[str]) -> Path:
    """Where the passage vectors of ``texts`` under ``model_id`` are cached."""
    h = hashlib.sha256(model_id.encode())
    for t in texts:
        h.update(hashlib.sha256(t.encode()).digest())
    return Path(cache_dir) / "eval-vectors" / f"{h.hexdigest()[:24]}.npy"


def vectors_id(embedder: Any) -> str:
    """What passage vectors depend on: the model id, and whether the ONNX backend embeds
    passages with its int8 copy (same model id, slightly different vectors)."""
    return str(getattr(embedder, "vectors_id", None) or embedder.model_id)


def passage_vectors(embedder: Any, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
    """Passage embeddings, computed once per (model, passages) and cached in ``cache_dir``.

    Embedding the 2,500 dev passages takes minutes on a laptop CPU; the cache lets the nine
    mode x question-field runs share them. Query vectors are never cached: their time is
    part of the measured latency.
    """
    file = vector_cache_file(cache_dir, vectors_id(embedder), texts) if cache_dir else None
    if file is not None and file.exists():
        try:
            vecs = np.load(file, allow_pickle=False)
            if vecs.shape == (len(texts), embedder.dimension):
                return vecs
        except (OSError, ValueError):
            pass  # unreadable cache: embed again
    bar = _bar(len(texts), "Passagen einbetten")
    parts = []
    for start in range(0, len(texts), _EMBED_BATCH):
        batch = list(texts[start : start + _EMBED_BATCH])
        parts.append(np.asarray(embedder.embed_documents(batch), dtype=np.float32))
        bar.update(len(batch))
    bar.close()
    vecs = np.concatenate(parts) if parts else np.zeros((0, embedder.dimension), np.float32)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(".tmp.npy")
        np.save(tmp, vecs)
        tmp.replace(file)
    return vecs


def index_passages(
    index: Any,
    passages: Sequence[tuple[str, str, str]],
    source: str,
    cache_dir: Path | None = None,
) -> dict:
    """Write passages as the chunks of one document; returns passage id -> chunk id."""
    digest = hashlib.sha1("\n".join(p for p, _, _ in passages).encode()).hexdigest()
    prefix = f"{_DPR_DOC}:{digest[:12]}"
    chunks = [
        Chunk(
            chunk_id=f"{prefix}:{i}",
            doc_id=_DPR_DOC,
            source=title or source,
            text=text,
            page_start=1,
            page_end=1,
            char_start=0,
            char_end=len(text),
            chunk_index=i,
            content_hash=hashlib.sha1(text.encode()).hexdigest(),
        )
        for i, (_, title, text) in enumerate(passages)
    ]
    vecs = passage_vectors(index.embedder, [c.text for c in chunks], cache_dir)
    for start in range(0, len(chunks), 1000):
        index.add_chunks(chunks[start : start + 1000], vecs[start : start + 1000])
    index.activate(
        DocumentRecord(
            doc_id=_DPR_DOC,
            source=source,
            path=source,
            version=digest,
            chunk_prefix=prefix,
            pages=1,
            chunks=len(chunks),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            embedding_model=index.embedder.model_id,
        )
    )
    return {pid: c.chunk_id for (pid, _, _), c in zip(passages, chunks, strict=True)}


def _dpr_setup(index: Any, rows: list[dict[str, Any]], args: argparse.Namespace) -> tuple:
    passages = dpr_passages(rows)
    pairs = sample(dpr_questions(rows, args.questions), args.limit, args.seed)
    cache = None if args.no_cache else index.settings.cache_dir
    chunk_of = index_passages(index, passages, args.dataset.name, cache)

    def gold(cid: str) -> Callable[[SearchHit], bool]:
        return lambda h: h.chunk.chunk_id == cid

    return [Query(q, gold(chunk_of[pid])) for q, pid in pairs], len(passages)


def _qa_setup(index: Any, args: argparse.Namespace) -> tuple:
    items, _skipped = load_gold(_open_text(args.dataset))
    items = sample(items, args.limit, args.seed)
    ingest_corpus(index, args.dataset, show_progress=sys.stderr.isatty())

    def gold(item: Any) -> Callable[[SearchHit], bool]:
        return lambda h: is_gold(h, item)

    return [Query(i.question, gold(i)) for i in items], index.store.count()


# --- evaluation --------------------------------------------------------------------------


def evaluate(index: Any, queries: Sequence[Query], mode: str, k: int, passages: int) -> Metrics:
    if queries:  # warm-up: the first query pays for lazy loading (keyword postings, HNSW)
        index.search(queries[0].text, k, mode=mode)
    ranks: list[int | None] = []
    lat: list[float] = []
    bar = _bar(len(queries), f"Fragen ({mode})")
    for q in queries:
        t0 = time.perf_counter()
        hits = index.search(q.text, k, mode=mode)
        lat.append((time.perf_counter() - t0) * 1000.0)
        ranks.append(next((i for i, h in enumerate(hits, start=1) if q.is_gold(h)), None))
        bar.update(1)
    bar.close()
    return Metrics(ranks, lat, passages)


def run(args: argparse.Namespace) -> int:
    path: Path = args.dataset.expanduser().resolve()
    args.dataset = path
    if not path.is_file():
        print(f"Datensatz nicht gefunden: {path}", file=sys.stderr)
        return 2
    try:
        rows = _rows(path)
        with tempfile.TemporaryDirectory(prefix="quelle-eval-") as tmp:
            index = Index(scratch_settings(Path(tmp), args.mode))
            if is_dpr(rows):
                queries, passages = _dpr_setup(index, rows, args)
                kind = f"DPR, Feld {args.questions}"
            else:
                queries, passages = _qa_setup(index, args)
                kind = "Datei + Seite"
            metrics = evaluate(index, queries, args.mode, max(args.k, 10), passages)
    except DatasetError as exc:
        print(f"Fehler im Datensatz: {exc}", file=sys.stderr)
        return 2
    result = metrics.to_json()
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"Datensatz: {path.name} ({kind}) · Modus: {args.mode}")
    print(f"Passagen: {result['passages']} · Fragen: {result['queries']}")
    print(
        "R@1 {recall@1:.3f} · R@5 {recall@5:.3f} · R@10 {recall@10:.3f} · "
        "MRR@10 {mrr@10:.3f} · nDCG@10 {ndcg@10:.3f}".format(**result)
    )
    print(
        "Latenz je Frage (Einbettung + Suche): p50 {p50_ms:.1f} ms · p95 {p95_ms:.1f} ms".format(
            **result
        )
    )
    return 0


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    # disable=None: no bar when stderr is not a terminal (CI logs, --json in pipes).
    return tqdm(total=total, desc=desc, unit="", file=sys.stderr, disable=None, leave=False)
