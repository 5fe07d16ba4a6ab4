"""German keyword (BM25) search: analyzer and persistent index."""

from rag.components.keyword.analyzer import (
    AnalyzerOptions,
    CompoundSplitter,
    GermanAnalyzer,
    fold,
)
from rag.components.keyword.index import BM25Params, KeywordIndex, KeywordScores

__all__ = [
    "AnalyzerOptions",
    "BM25Params",
    "CompoundSplitter",
    "GermanAnalyzer",
    "KeywordIndex",
    "KeywordScores",
    "fold",
]
