"""Sentence selection as a ranking problem: candidate sentences of the retrieved passages,
a few inspectable features each, and a logistic model fitted on data we own.

Features (``FEATURES``; all computed from the question and the retrieved passages only):

* ``cos``, ``cos_gap``: e5 similarity to the question, and its distance to the best one;
* ``rare_overlap``: the question's content terms found in the sentence, weighted by how rare
  they are *among the candidate sentences* (a company name in every sentence weighs nothing);
* ``type_match`` / ``type_missing``: the question asks for an amount, date, duration, person,
  place or code (answer_types) and the sentence holds one / holds none; ``type_new``: one
  that the question does not already contain ("8 Stunden" in "mehr als 8 Stunden?");
* ``heading``, ``short``, ``repeated``, ``doc_start``: titles, headings, running headers,
  table headers without values and a document's opening lines (parties, address) are
  penalised;
* ``rank``, ``passage_score``: where the passage came in the search;
* ``doc_named``, ``doc_other``: the question names terms of this sentence's document / of
  another retrieved document only (two near-identical policies of two companies).

The model file (``sentence_model.json`` beside this module) holds the weights, the feature
scaling and the answerability model; ``benchmarks/fit_answer_model.py`` writes it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.components.embeddings.base import Embedder, at_query_time
from rag.components.keyword.analyzer import GermanAnalyzer, fold
from rag.components.llm.answer_types import (
    AnswerType,
    answer_spans,
    expected_type,
    has_any_value,
    is_typed,
)
from rag.text.sentences import split_sentences
from rag.types import SearchHit

MODEL_FILE = Path(__file__).with_name("sentence_model.json")
_MIN_WORDS = 3
_NO_LETTERS = re.compile(r"^[\W\d_]+$")
_END = re.compile(r"[.!?…:;)\"“”]$")

FEATURES = (
    "cos", "cos_gap", "rare_overlap", "type_match", "type_missing", "heading", "short",
    "repeated", "rank", "passage_score", "doc_named", "doc_other", "has_value", "type_new",
    "doc_start", "ctx_cos", "rule_yesno", "topic_cos", "names_here",
)
# Question-level features of the answerability model: how good the best sentences look in
# absolute terms (the ranker's raw scores, not its softmax: a table of ten similar rows
# spreads the probability without making the best row a worse answer), what the best one
# shares with the question beyond the document's names, and how much of the question the
# passages cover at all.
ANSWERABILITY_FEATURES = (
    "best_score", "top3_score", "top_topic_cos", "top_overlap", "coverage", "rare_missing",
    "numbers_missing",
)


@dataclass(frozen=True)
class Candidate:
    """One sentence (or table row: a line) of a retrieved passage."""

    hit_rank: int
    start: int  # offset in the chunk text
    end: int
    text: str  # whitespace-folded
    hit: SearchHit
    context: str = ""  # the sentence before it in the passage (its heading, its subject)


@dataclass
class Ranked:
    """Candidates with features and probabilities, best first, plus question evidence."""

    question: str
    qtype: AnswerType
    candidates: list[Candidate]
    features: np.ndarray  # (n, len(FEATURES))
    probs: np.ndarray  # P(sentence holds the answer)
    evidence: dict[str, float] = field(default_factory=dict)  # ANSWERABILITY_FEATURES


def candidates(hits: Sequence[SearchHit]) -> list[Candidate]:
    """The sentences worth quoting; a sentence quoted twice (overlapping chunks) once."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits):
        text = hit.chunk.text
        previous = ""
        for start, end in split_sentences(text):
            sent = " ".join(text[start:end].split())
            before, previous = previous, sent
            if len(sent.split()) < _MIN_WORDS or _NO_LETTERS.match(sent):
                continue
            key = sent.casefold()
            if key in seen:
                continue
            seen.add(key)
            out.append(Candidate(rank, start, end, sent, hit, before))
    return out


@lru_cache(maxsize=1)
def _analyzer() -> GermanAnalyzer:
    return GermanAnalyzer()


def content_terms(text: str) -> list[str]:
    """Stemmed content words of a question (question and command words dropped)."""
    an = _analyzer()
    return list(dict.fromkeys(an.stems(an.query_tokens(text))))


def _terms(text: str) -> set[str]:
    an = _analyzer()
    return set(an.stems(an.tokens(text)))


def _matches(term: str, terms: set[str], folded: str) -> bool:
    """A question term in a text: the same stem, or (compounds) a long part of a word."""
    return term in terms or (len(term) >= 5 and term in folded)


# A code of letters and a number ("LW 12", "E17", "DIN A3", "W-09").
_CODE = re.compile(r"\b[A-ZÄÖÜ][A-Za-zÄÖÜäöü]{0,3}[ -]?\d+[A-Za-z]?\b")


def missing_key_numbers(question: str, passages: Sequence[str]) -> list[str]:
    """Codes of the question ("LW 12", "E17", "A2") that no passage contains, as a whole
    ("LW 12" is not found in "12 Jahre" and "LW 9"). A bare number is no key: "eine
    23-Jährige" or "unter 14 Jahren" describe the asker, the documents state ranges."""
    text = " ".join(passages).casefold()
    missing = []
    for code in _CODE.findall(question):
        letters, digits = re.match(r"(\D+?)[\s-]?(\d.*)$", code.casefold()).groups()  # type: ignore[union-attr]
        if letters.strip() in _NOT_CODE_PREFIX:
            continue  # "Ab 18", "Am 12." start a sentence
        if not re.search(rf"\b{re.escape(letters)}[\s-]?{re.escape(digits)}\b", text):
            missing.append(code)
    return missing


# Words before a number that make it no code: "Ab 18 Jahren", "Am 12. März", "Nr 4".
_NOT_CODE_PREFIX = {"am", "ab", "an", "auf", "aus", "bei", "bis", "da", "das", "dem", "den",
                    "der", "die", "ein", "für", "im", "in", "je", "mit", "nach", "nr", "pro",
                    "seit", "um", "und", "von", "vor", "zu", "zum", "zur", "über", "wer",
                    "wie", "was", "wo", "sind", "ist", "hat"}


def _title_like(line: str) -> bool:
    """A document's first line that is a title, not already a sentence of the text."""
    return bool(line) and not re.search(r"[.!?]$", line) and len(line.split()) <= 15


def _heading_like(c: Candidate) -> bool:
    words = c.text.split()
    if _END.search(c.text):
        return False
    # A line without final punctuation: a title, heading or table header unless it holds
    # a value (a table row "Tagegeld | 28 Euro" stays a candidate).
    return len(words) <= 12 and not has_any_value(c.text)


def featurize(question: str, cands: Sequence[Candidate], hits: Sequence[SearchHit],
              embedder: Embedder, doc_heads: Mapping[str, str] | None = None,
              ) -> tuple[np.ndarray, dict[str, float]]:
    """The feature matrix of ``cands`` and the question-level evidence."""
    qtype = expected_type(question)
    n = len(cands)
    feats = np.zeros((n, len(FEATURES)), dtype=np.float64)
    passages = [h.chunk.text for h in hits]
    evidence = dict.fromkeys(ANSWERABILITY_FEATURES, 0.0)
    evidence["numbers_missing"] = float(bool(missing_key_numbers(question, passages)))
    qterms = content_terms(question)
    sent_terms = [_terms(c.text) for c in cands]
    sent_folded = [fold(c.text) for c in cands]
    # Terms that name a document (its title line, its file name) say which document, not
    # which sentence: they count for doc_named only.
    titles = [_source_words(h) for h in hits]
    titles += [line for head in (doc_heads or {}).values()
               if _title_like(line := head.split("\n", 1)[0].strip())]
    title_terms, title_folded = _terms(" ".join(titles)), fold(" ".join(titles))
    # Acronyms of a document head ("abgekürzt KWV Talbrück") name it as well.
    heads_text = " ".join((doc_heads or {}).values())
    acronyms = {fold(a) for a in re.findall(r"\b[A-ZÄÖÜ]{2,6}\b", heads_text)}
    name_terms = {t for t in qterms
                  if _matches(t, title_terms, title_folded) or t in acronyms}
    # Rarity within the candidates: a term in every sentence carries no weight.
    idf = {}
    for t in qterms:
        df = sum(_matches(t, s, f) for s, f in zip(sent_terms, sent_folded, strict=True))
        idf[t] = math.log((n + 1) / (df + 0.5)) if n else 0.0
    all_text = " ".join(passages)
    all_terms, all_folded = _terms(all_text), fold(all_text)
    present = [t for t in qterms if _matches(t, all_terms, all_folded)]
    evidence["coverage"] = len(present) / len(qterms) if qterms else 1.0
    # Rare = not a word every document of this kind has; weight by idf among candidates.
    weight = {t: max(idf.get(t, 0.0), 0.0) for t in qterms}
    total = sum(weight.values())
    missing_w = sum(w for t, w in weight.items() if t not in present)
    evidence["rare_missing"] = missing_w / total if total > 0 else 0.0
    if not n:
        return feats, evidence

    # Which documents the question names: terms found in some but not all retrieved docs.
    docs: dict[str, str] = {}
    for h in hits:
        docs[h.chunk.doc_id] = docs.get(h.chunk.doc_id, "") + " " + h.chunk.text
    for doc_id, head in (doc_heads or {}).items():
        if doc_id in docs:
            docs[doc_id] += " " + head
    for h in hits:
        docs[h.chunk.doc_id] += " " + _source_words(h)
    doc_terms = {d: (_terms(t), fold(t)) for d, t in docs.items()}
    naming = {t for t in qterms
              if 0 < sum(_matches(t, s, f) for s, f in doc_terms.values()) < len(doc_terms)}

    qfolded = fold(question)
    emb = at_query_time(embedder)
    q = emb.embed_queries([question])[0]
    sentences = emb.embed_documents([c.text for c in cands])
    cos = sentences @ q
    # The sentence with the one before it: "Verwenden Sie keinen Hochdruckreiniger" answers
    # a question about the Lamellen that the previous sentence names.
    ctx_cos = emb.embed_documents([f"{c.context} {c.text}".strip() for c in cands]) @ q
    # Without the names: e5 rates "Zusätzlich zahlt die Brandauer Messtechnik GmbH ..." close
    # to every question that names Brandauer, whatever it asks.
    topic = _without_names(question, name_terms)
    topic_cos = cos if topic == question else sentences @ emb.embed_queries([topic])[0]
    yesno = qtype == "yesno"
    top_score = max((h.score for h in hits), default=1.0) or 1.0
    possible = sum(v for t, v in idf.items() if v > 0 and t not in name_terms)
    typed = is_typed(qtype)
    hit_texts = [(h, " ".join(h.chunk.text.split()).casefold()) for h in hits]
    for i, c in enumerate(cands):
        terms, folded = sent_terms[i], sent_folded[i]
        matched = sum(idf[t] for t in qterms if t not in name_terms
                      and _matches(t, terms, folded) and idf[t] > 0)
        spans = answer_spans(c.text, qtype)
        dterms, dfold = doc_terms[c.hit.chunk.doc_id]
        named_here = sum(_matches(t, dterms, dfold) for t in naming)
        feats[i] = (
            float(cos[i]),
            0.0,  # cos_gap, below
            matched / possible if possible > 0 else 0.0,
            float(typed and bool(spans)),
            float(typed and not spans),
            float(_heading_like(c)),
            float(len(c.text.split()) < 6),
            float(_repeated(c, hit_texts)),
            1.0 / (1 + c.hit_rank),
            c.hit.score / top_score,
            named_here / len(naming) if naming else 0.0,
            (len(naming) - named_here) / len(naming) if naming else 0.0,
            float(has_any_value(c.text)),
            float(any(fold(c.text[a:b]) not in qfolded for a, b in spans)),
            float(c.hit.chunk.chunk_index == 0 and c.start < 300),
            float(ctx_cos[i]),
            float(yesno and bool(_RULE.search(c.text))),
            float(topic_cos[i]),
            sum(_matches(t, terms, folded) for t in name_terms) / len(name_terms)
            if name_terms else 0.0,
        )
    feats[:, 1] = feats[:, 0] - feats[:, 0].max()
    return feats, evidence


# Words of a rule (permission, prohibition, obligation): what a yes/no question asks about.
_RULE = re.compile(
    r"\b(?:nicht|kein\w*|nur|verboten|untersagt|unzulässig|gestattet|erlaubt|zulässig"
    r"|erforderlich|bedarf|bedürfen|darf|dürfen|muss|müssen|ist zu|sind zu|ausgeschlossen"
    r"|genehmigung\w*|zustimmung\w*)\b", re.I)


def _without_names(question: str, name_terms: set[str]) -> str:
    """``question`` without the words that name a document (company, club, house)."""
    if not name_terms:
        return question
    an = _analyzer()
    kept = [w for w in question.split()
            if not any(an.stem(t) in name_terms or fold(t) in name_terms
                       for t in an.words(w))]
    return " ".join(kept) or question


def _repeated(c: Candidate, hit_texts: Sequence[tuple[SearchHit, str]]) -> bool:
    """The same line stands on several pages (a running header the cleanup kept);
    ``hit_texts`` pairs each hit with its whitespace-folded, casefolded text."""
    key = c.text.casefold()
    pages = {(h.chunk.doc_id, h.chunk.page_start) for h, text in hit_texts if key in text}
    return len(pages) > 1


def _source_words(hit: SearchHit) -> str:
    """The file name as words ("reisekostenrichtlinie_brandauer.pdf" names Brandauer)."""
    return hit.chunk.source.replace("_", " ").replace(".", " ")


@dataclass(frozen=True)
class LinearModel:
    """Logistic regression over standardised features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def score(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def prob(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.score(x)))

    def to_json(self) -> dict[str, object]:
        return {"features": list(self.names), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "weights": self.weights.round(6).tolist(),
                "bias": round(float(self.bias), 6)}

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> LinearModel:
        names = tuple(d["features"])  # type: ignore[arg-type]
        return cls(names, np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                   np.asarray(d["weights"], float), float(d["bias"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class AnswerModel:
    """The shipped model file: sentence ranker, answerability model and its threshold."""

    version: int
    sentence: LinearModel
    answerable: LinearModel
    threshold: float  # answerability probability below which the answer is refused
    second_sentence: float  # a further sentence is quoted if its prob >= this x the best

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AnswerModel:
        d = json.loads(path.read_text("utf-8"))
        if d.get("sentence", {}).get("features") != list(FEATURES) or \
                d.get("answerable", {}).get("features") != list(ANSWERABILITY_FEATURES):
            raise ValueError(f"{path.name}: features do not match this version of Quelle")
        return cls(int(d["version"]), LinearModel.from_json(d["sentence"]),
                   LinearModel.from_json(d["answerable"]), float(d["threshold"]),
                   float(d["second_sentence"]))


def softmax(scores: np.ndarray) -> np.ndarray:
    if not len(scores):
        return scores
    e = np.exp(scores - scores.max())
    return e / e.sum()


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> AnswerModel:
    return AnswerModel.load(path)


def rank(question: str, hits: Sequence[SearchHit], embedder: Embedder,
         model: AnswerModel, doc_heads: Mapping[str, str] | None = None) -> Ranked:
    """Candidates of ``hits`` ordered by the model, with the question's evidence filled in."""
    cands = candidates(hits)
    feats, evidence = featurize(question, cands, hits, embedder, doc_heads)
    # The ranker is a conditional logit: a softmax over the question's candidates.
    scores = model.sentence.score(feats) if len(cands) else np.zeros(0)
    order = np.argsort(-scores, kind="stable")
    cands = [cands[i] for i in order]
    feats, scores = feats[order], scores[order]
    add_top_evidence(evidence, feats, scores)
    return Ranked(question, expected_type(question), cands, feats, softmax(scores), evidence)


def add_top_evidence(evidence: dict[str, float], feats: np.ndarray,
                     scores: np.ndarray) -> None:
    """Evidence from the best candidates (``feats``/``scores`` sorted best first)."""
    if not len(scores):
        return
    col = {name: i for i, name in enumerate(FEATURES)}
    evidence["best_score"] = float(scores[0])
    evidence["top3_score"] = float(scores[:3].mean())
    evidence["top_topic_cos"] = float(feats[0, col["topic_cos"]])
    evidence["top_overlap"] = float(feats[0, col["rare_overlap"]])


# A code of the question ("LW 12", "E17") that no passage contains: e5 rates a
# passage about the LW 9 as close as a real match, so this rule caps the model's estimate.
MISSING_NUMBER_CONFIDENCE = 0.05


def answerability(ranked: Ranked, model: AnswerModel) -> float:
    """P(the passages answer the question), from the question-level evidence."""
    if not ranked.candidates:
        return 0.0
    x = np.array([[ranked.evidence[f] for f in ANSWERABILITY_FEATURES]])
    p = float(model.answerable.prob(x)[0])
    return min(p, MISSING_NUMBER_CONFIDENCE) if ranked.evidence["numbers_missing"] else p

