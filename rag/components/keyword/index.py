"""Persistent German BM25 index, kept in step with the Chroma collection by chunk id.

bm25s builds its score matrix in one go and has no incremental update, so this index keeps
every chunk's analysed surface tokens (term ids + counts) and rebuilds the BM25 postings
lazily on the first search after a change. The rebuild is two sparse matrix products in
scipy (doc x surface term, surface term x feature), O(number of postings), about a second at
100k chunks. Scoring is Lucene BM25 as in bm25s.

Features are stems (PyStemmer German) plus, for compounds, the stems of their parts with a
lower weight. The surface-term -> feature mapping is cached per term (and saved), so only new
words are stemmed and split; it is recomputed in full when the vocabulary (the compound
lexicon) has grown by a quarter, so parts that arrive later still get used.

The file is one ``.npz`` written atomically (temp file + fsync + rename). A missing file is an
empty index; an unreadable or stale one (other analyzer) opens empty with
``needs_rebuild = True`` so the caller can refill it from Chroma's stored texts.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from rag.components.keyword.analyzer import (
    LINKS,
    AnalyzerOptions,
    CompoundSplitter,
    GermanAnalyzer,
)
from rag.types import Chunk

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
FILE_NAME = "keyword.npz"
# Recompute all compound splits once the vocabulary has grown by this factor.
_RESPLIT_GROWTH = 1.25


@dataclass(frozen=True)
class BM25Params:
    k1: float = 0.9
    b: float = 0.75
    # Weight of a compound's parts next to the compound itself, in documents and queries.
    doc_part_weight: float = 0.25
    query_part_weight: float = 0.25
    # ... unless the compound itself never occurs in the corpus ("Urlaubstage" against
    # "Erholungsurlaub", "Arbeitstage"): then its parts carry its meaning alone.
    unseen_compound_part_weight: float = 1.0
    # Weight of indexed compounds formed from two query words ("Frist der Kündigung" ->
    # "Kündigungsfrist"); finds compounds whose parts never occur alone in the corpus.
    query_join_weight: float = 0.25
    # Weight of word-pair features (only with AnalyzerOptions.bigrams).
    bigram_weight: float = 0.5
    # Also match words by their first ``prefix_len`` letters (0 = off), a light stand-in for
    # derivations the stemmer keeps apart ("Komponist" / "Komposition").
    prefix_len: int = 0
    prefix_weight: float = 0.2


@dataclass
class _Postings:
    """Feature-major (CSC) BM25 weights over the current chunk order."""

    order: list[str]  # position -> chunk id
    position: dict[str, int]
    indptr: np.ndarray  # int64, n_features + 1
    docs: np.ndarray  # int32 doc positions
    weights: np.ndarray  # float32 BM25 term weights (idf * saturated tf)


class KeywordIndex:
    """BM25 over German chunks with upsert/delete by chunk id. Thread-safe."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        analyzer: GermanAnalyzer | None = None,
        params: BM25Params | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.analyzer = analyzer or GermanAnalyzer()
        self.params = params or BM25Params()
        self._lock = threading.RLock()
        self.needs_rebuild = False
        self.load_error: str | None = None
        self._reset()
        self._dirty = False

    def _reset(self) -> None:
        self._terms: list[str] = []  # surface vocabulary, id -> token
        self._term_ids: dict[str, int] = {}
        self._docs: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # id -> (term ids, counts)
        self._features: list[str] = []  # stems, id -> stem
        self._feature_ids: dict[str, int] = {}
        # Per surface term id: (feature ids, weights), None until computed.
        self._term_map: list[tuple[np.ndarray, np.ndarray] | None] = []
        self._pending: list[int] = []  # term ids whose features are not computed yet
        self._splitter: CompoundSplitter | None = None
        self._split_vocab = 0  # vocabulary size the splitter's lexicon was made from
        self._postings: _Postings | None = None

    # --- persistence ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        analyzer: GermanAnalyzer | None = None,
        params: BM25Params | None = None,
    ) -> KeywordIndex:
        """Open (or create) the index stored in folder ``path``; never raises on bad data."""
        index = cls(path, analyzer, params)
        file = index.file
        if file is None or not file.exists():
            return index
        try:
            index._load(file)
        except Exception as exc:  # noqa: BLE001 - any unreadable file means "rebuild"
            log.warning("Keyword index %s unreadable (%s); it must be rebuilt", file, exc)
            index._reset()
            index.needs_rebuild = True
            index.load_error = f"{type(exc).__name__}: {exc}"
        return index

    @property
    def file(self) -> Path | None:
        return self.path / FILE_NAME if self.path is not None else None

    def _load(self, file: Path) -> None:
        with np.load(file, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"format {meta.get('format')} != {FORMAT_VERSION}")
            if meta.get("analyzer") != self.analyzer.signature:
                raise ValueError(f"analyzer {meta.get('analyzer')} != {self.analyzer.signature}")
            ids = json.loads(z["ids"].tobytes().decode("utf-8"))
            terms = json.loads(z["terms"].tobytes().decode("utf-8"))
            offsets = z["offsets"].astype(np.int64)
            term_ids = z["term_ids"].astype(np.int32)
            counts = z["counts"].astype(np.int32)
            features = json.loads(z["features"].tobytes().decode("utf-8"))
            map_ptr = z["map_ptr"].astype(np.int64)
            map_feat = z["map_feat"].astype(np.int32)
            map_w = z["map_w"].astype(np.float32)
        if len(offsets) != len(ids) + 1 or not offsets[-1] == len(term_ids) == len(counts):
            raise ValueError("inconsistent document arrays")
        if len(term_ids) and (term_ids.min() < 0 or term_ids.max() >= len(terms)):
            raise ValueError("term id out of range")
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate chunk ids")
        self._terms = list(terms)
        self._term_ids = {t: i for i, t in enumerate(self._terms)}
        self._docs = {
            cid: (term_ids[offsets[i] : offsets[i + 1]], counts[offsets[i] : offsets[i + 1]])
            for i, cid in enumerate(ids)
        }
        # The term -> feature cache is an optimisation: if it is off, recompute it.
        if (
            len(map_ptr) == len(terms) + 1
            and map_ptr[-1] == len(map_feat) == len(map_w)
            and (not len(map_feat) or 0 <= map_feat.min() <= map_feat.max() < len(features))
        ):
            self._features = list(features)
            self._feature_ids = {f: i for i, f in enumerate(self._features)}
            self._term_map = [
                (map_feat[map_ptr[i] : map_ptr[i + 1]], map_w[map_ptr[i] : map_ptr[i + 1]])
                for i in range(len(terms))
            ]
            self._split_vocab = int(meta.get("split_vocab", len(terms)))
        else:
            self._term_map = [None] * len(terms)
            self._pending = list(range(len(terms)))

    def save(self) -> None:
        """Write the index atomically; a crash leaves the previous file intact."""
        with self._lock:
            if self.path is None:
                raise ValueError("in-memory index has no path")
            self._compact_vocab()
            self._ensure_term_map()
            ids = list(self._docs)
            arrays = [self._docs[c] for c in ids]
            offsets = _offsets([len(a[0]) for a in arrays])
            maps = [m for m in self._term_map if m is not None]
            meta = {
                "format": FORMAT_VERSION,
                "analyzer": self.analyzer.signature,
                "split_vocab": self._split_vocab,
            }
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".keyword-", suffix=".tmp", dir=self.path)
            try:
                with os.fdopen(fd, "wb") as fh:
                    np.savez(
                        fh,
                        meta=_json_bytes(meta),
                        ids=_json_bytes(ids),
                        terms=_json_bytes(self._terms),
                        offsets=offsets,
                        term_ids=_concat([a[0] for a in arrays], np.int32),
                        counts=np.minimum(_concat([a[1] for a in arrays], np.int32), 65535).astype(
                            np.uint16
                        ),
                        features=_json_bytes(self._features),
                        map_ptr=_offsets([len(m[0]) for m in maps]),
                        map_feat=_concat([m[0] for m in maps], np.int32),
                        map_w=_concat([m[1] for m in maps], np.float32),
                    )
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.file)  # type: ignore[arg-type]
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _fsync_dir(self.path)
            self._dirty = False
            self.needs_rebuild = False
            self.load_error = None

    def _compact_vocab(self) -> None:
        """Drop surface terms no chunk uses any more (after many deletes) before saving."""
        if not self._terms:
            return
        used = np.zeros(len(self._terms), dtype=bool)
        for tids, _ in self._docs.values():
            used[tids] = True
        if used.mean() > 0.8:
            return
        remap = (np.cumsum(used) - 1).astype(np.int32)
        self._terms = [t for t, u in zip(self._terms, used, strict=True) if u]
        self._term_ids = {t: i for i, t in enumerate(self._terms)}
        self._docs = {c: (remap[tids], cnt) for c, (tids, cnt) in self._docs.items()}
        # The lexicon shrank: recompute splits and features from scratch.
        self._features, self._feature_ids = [], {}
        self._term_map = [None] * len(self._terms)
        self._pending = list(range(len(self._terms)))
        self._splitter = None
        self._split_vocab = 0
        self._postings = None

    # --- updates --------------------------------------------------------------------------

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Insert or replace chunks (by ``chunk_id``)."""
        self.add_texts((c.chunk_id, c.text) for c in chunks)

    def add_texts(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Insert or replace ``(chunk_id, text)`` pairs."""
        with self._lock:
            for cid, text in pairs:
                counts = Counter(self.analyzer.tokens(text))
                tids = np.fromiter(
                    (self._term_id(t) for t in counts), dtype=np.int32, count=len(counts)
                )
                self._docs[cid] = (tids, np.fromiter(counts.values(), np.int32, len(counts)))
            self._changed()

    def delete(self, chunk_ids: Iterable[str]) -> None:
        with self._lock:
            n = len(self._docs)
            for cid in chunk_ids:
                self._docs.pop(cid, None)
            if len(self._docs) != n:
                self._changed()

    def clear(self) -> None:
        with self._lock:
            self._reset()
            self._dirty = True

    def rebuild(self, id_text_pairs: Iterable[tuple[str, str]]) -> None:
        """Replace the whole content, e.g. from Chroma's stored texts after drift."""
        with self._lock:
            self._reset()
            self.add_texts(id_text_pairs)
            self._dirty = True

    def _changed(self) -> None:
        self._postings = None
        self._dirty = True

    def _term_id(self, term: str) -> int:
        tid = self._term_ids.get(term)
        if tid is None:
            tid = self._term_ids[term] = len(self._terms)
            self._terms.append(term)
            self._term_map.append(None)
            self._pending.append(tid)
        return tid

    # --- queries --------------------------------------------------------------------------

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._docs)

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._docs

    @property
    def dirty(self) -> bool:
        """True when there are changes that :meth:`save` has not written yet."""
        return self._dirty

    def query_features(self, query: str) -> dict[str, float]:
        """Weighted stems of a query (compound parts down-weighted)."""
        with self._lock:
            self._ensure_term_map()
            an = self.analyzer
            feats: dict[str, float] = {}
            toks = an.query_tokens(query)
            for tok in toks:
                stem = an.stem(tok)
                if " " in tok:  # word pair
                    feats[stem] = feats.get(stem, 0.0) + self.params.bigram_weight
                    continue
                feats[stem] = feats.get(stem, 0.0) + 1.0
                pl = self.params.prefix_len
                if pl and len(tok) > pl and tok.isalpha():
                    pf = "^" + tok[:pl]
                    feats[pf] = feats.get(pf, 0.0) + self.params.prefix_weight
                if an.options.compounds and self._splitter is not None:
                    part_w = (self.params.query_part_weight if stem in self._feature_ids
                              else self.params.unseen_compound_part_weight)
                    for part in self._splitter.split(tok):
                        ps = an.stem(part)
                        if ps != stem:
                            feats[ps] = feats.get(ps, 0.0) + part_w
            if an.options.compounds and self.params.query_join_weight > 0:
                for stem in join_compounds(toks, an, self._feature_ids, an.options.min_part):
                    feats.setdefault(stem, self.params.query_join_weight)
            return feats

    def query(self, query: str) -> KeywordScores:
        """Score every chunk once; the result answers top-k and per-id look-ups."""
        with self._lock:
            p = self._ensure_postings()
            scores = np.zeros(len(p.order), dtype=np.float32)
            for feat, qw in self.query_features(query).items():
                col = self._feature_ids.get(feat)
                if col is None or col + 1 >= len(p.indptr):
                    continue
                lo, hi = p.indptr[col], p.indptr[col + 1]
                scores[p.docs[lo:hi]] += qw * p.weights[lo:hi]
            return KeywordScores(scores, p.order, p.position)

    def search(
        self, query: str, k: int, allowed_ids: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top ``k`` ``(chunk_id, bm25)`` with a positive score, best first."""
        return self.query(query).top(k, allowed_ids)

    def scores_for(self, query: str, chunk_ids: Sequence[str]) -> list[float]:
        """BM25 scores of the given chunks (0.0 for unknown ids)."""
        return self.query(query).get(chunk_ids)

    # --- features and postings ------------------------------------------------------------

    def _ensure_term_map(self) -> None:
        """Stem and split every surface term that has no cached features yet."""
        an = self.analyzer
        grown = len(self._terms) >= _RESPLIT_GROWTH * max(self._split_vocab, 1)
        if self._splitter is None or grown:
            # The lexicon is the live vocabulary; only cached splits can be stale, so they
            # are dropped when the vocabulary has grown enough to matter.
            self._splitter = CompoundSplitter(
                self._term_ids.keys(), an.options.min_part, an.options.head_only
            )
            if grown:
                if self._split_vocab:
                    self._term_map = [None] * len(self._terms)
                    self._pending = list(range(len(self._terms)))
                    self._postings = None
                self._split_vocab = len(self._terms)
        part_w = self.params.doc_part_weight
        pending, self._pending = self._pending, []
        for tid in pending:
            if self._term_map[tid] is not None:
                continue
            term = self._terms[tid]
            stem = an.stem(term)
            if " " in term:  # word pair
                self._term_map[tid] = (
                    np.asarray([self._feature(stem)], np.int32),
                    np.asarray([self.params.bigram_weight], np.float32),
                )
                continue
            feats, weights = [self._feature(stem)], [1.0]
            pl = self.params.prefix_len
            if pl and len(term) > pl and term.isalpha():
                feats.append(self._feature("^" + term[:pl]))
                weights.append(self.params.prefix_weight)
            if an.options.compounds and part_w > 0:
                for part in self._splitter.split(term):
                    ps = an.stem(part)
                    if ps != stem:
                        feats.append(self._feature(ps))
                        weights.append(part_w)
            self._term_map[tid] = (np.asarray(feats, np.int32), np.asarray(weights, np.float32))

    def _feature(self, stem: str) -> int:
        fid = self._feature_ids.get(stem)
        if fid is None:
            fid = self._feature_ids[stem] = len(self._features)
            self._features.append(stem)
        return fid

    def _ensure_postings(self) -> _Postings:
        if self._postings is None:
            self._ensure_term_map()
            self._postings = self._build_postings()
        return self._postings

    def _build_postings(self) -> _Postings:
        prm = self.params
        order = list(self._docs)
        n_docs, n_terms, n_feat = len(order), len(self._terms), len(self._features)
        arrays = [self._docs[c] for c in order]
        doc_terms = sp.csr_matrix(
            (
                _concat([a[1] for a in arrays], np.float32),
                _concat([a[0] for a in arrays], np.int32),
                _offsets([len(a[0]) for a in arrays]),
            ),
            shape=(n_docs, n_terms),
        )
        maps = [
            m if m is not None else (np.zeros(0, np.int32), np.zeros(0, np.float32))
            for m in self._term_map
        ]
        term_feats = sp.csr_matrix(
            (
                _concat([m[1] for m in maps], np.float32),
                _concat([m[0] for m in maps], np.int32),
                _offsets([len(m[0]) for m in maps]),
            ),
            shape=(n_terms, n_feat),
        )
        # Weighted tf of every (doc, feature), then feature-major for query-time slicing.
        tf = (doc_terms @ term_feats).tocsc()
        tf.sum_duplicates()
        docs = tf.indices.astype(np.int32)
        freq = tf.data.astype(np.float32)
        df = np.diff(tf.indptr)
        # Document length counts words only: neither compound parts nor word pairs.
        is_word = np.fromiter((" " not in t for t in self._terms), dtype=bool, count=n_terms)
        dl = np.asarray(doc_terms @ is_word.astype(np.float32), dtype=np.float32).ravel()
        avgdl = float(dl.mean()) if n_docs else 1.0
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)  # Lucene
        norm = prm.k1 * (1.0 - prm.b + prm.b * dl[docs] / max(avgdl, 1e-9))
        weights = np.repeat(idf, df) * freq * (prm.k1 + 1.0) / (freq + norm)
        return _Postings(
            order=order,
            position={c: i for i, c in enumerate(order)},
            indptr=tf.indptr.astype(np.int64),
            docs=docs,
            weights=weights.astype(np.float32),
        )


def join_compounds(
    tokens: Sequence[str], analyzer: GermanAnalyzer, known_stems: Container[str], min_part: int
) -> list[str]:
    """Stems of known compounds made of two query words, modifier first.

    Tries the usual linking elements and the modifier without its final -e
    ("Schule" + "Buch" -> "Schulbuch"). The caller keeps only stems of the index.
    """
    words = list(dict.fromkeys(t for t in tokens if len(t) >= min_part and t.isalpha()))
    found: list[str] = []
    for a in words:
        bases = [a, a[:-1]] if a.endswith("e") else [a]
        for b in words:
            if a == b:
                continue
            for base in bases:
                for link in LINKS:
                    stem = analyzer.stem(base + link + b)
                    if stem in known_stems and stem not in found:
                        found.append(stem)
    return found


@dataclass(frozen=True)
class KeywordScores:
    """BM25 scores of one query over all chunks (a snapshot; later updates do not apply)."""

    scores: np.ndarray
    order: list[str]
    position: dict[str, int]

    def top(self, k: int, allowed_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` ``(chunk_id, score)`` with a positive score, best first."""
        scores = self.scores
        if allowed_ids is not None:
            mask = np.zeros(len(self.order), dtype=bool)
            mask[[self.position[c] for c in allowed_ids if c in self.position]] = True
            scores = np.where(mask, scores, 0.0)
        return _top_k(scores, self.order, k)

    def get(self, chunk_ids: Sequence[str]) -> list[float]:
        """Scores of the given chunks (0.0 for unknown ids)."""
        pos = self.position
        return [float(self.scores[pos[c]]) if c in pos else 0.0 for c in chunk_ids]


def _offsets(lengths: Sequence[int]) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    if len(lengths):
        np.cumsum(np.asarray(lengths, dtype=np.int64), out=out[1:])
    return out


def _concat(arrays: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def _top_k(scores: np.ndarray, order: list[str], k: int) -> list[tuple[str, float]]:
    if k <= 0 or not len(scores):
        return []
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(order[i], float(scores[i])) for i in top if scores[i] > 0.0]


def _json_bytes(obj: object) -> np.ndarray:
    return np.frombuffer(json.dumps(obj, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)


def _fsync_dir(path: Path) -> None:
    # Makes the rename durable; not possible on every platform (Windows), so best effort.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["AnalyzerOptions", "BM25Params", "KeywordIndex", "KeywordScores"]
