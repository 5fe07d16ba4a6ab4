"""What every embedding backend offers to chunking, the store and retrieval."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

# e5 models are trained with these prefixes; without them retrieval gets measurably worse.
E5_PROMPTS: dict[str, str] = {"query": "query: ", "passage": "passage: "}

# Plain e5 checkpoints (not the instruct variants) expect "query: " / "passage: ".
_E5_NAME = re.compile(r"(^|[/_-])(multilingual-)?e5-(small|base|large)(-v2)?($|[@/_-])", re.I)


def is_e5_name(model_id: str) -> bool:
    return bool(_E5_NAME.search(model_id))


def pick_prompts(saved: Mapping[str, str] | None, model_id: str) -> tuple[str, str]:
    """(query prompt, passage prompt) from a model's saved prompts, else e5's convention."""
    saved = {k: v for k, v in (saved or {}).items() if v}
    query = saved.get("query")
    passage = saved.get("passage") or saved.get("document")
    if query is None and passage is None and is_e5_name(model_id):
        return E5_PROMPTS["query"], E5_PROMPTS["passage"]
    return query or "", passage or ""


_core_cap: int | None = None  # set by limit_cores


def limit_cores(n: int | None) -> None:
    """Use at most ``n`` cores for inference in this process (None = all it may run on).

    Several server workers share the machine's cores: each one running as many threads
    as there are cores would oversubscribe them (ONNX Runtime's threads spin-wait)."""
    global _core_cap
    _core_cap = None if n is None else max(1, n)


def usable_cores() -> int:
    """CPU cores this process may run on (containers, taskset), for intra-op threads."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return min(n, _core_cap) if _core_cap else n


def longest_first(texts: Sequence[str]) -> np.ndarray:
    """Indices longest first, so that each batch pads to similar lengths (less wasted
    compute). Characters are a good enough proxy for tokens and cost no tokenizer pass."""
    return np.argsort([-len(t) for t in texts], kind="stable")


def count_untruncated(tokenizer: Any, text: str) -> int:
    """Tokens of ``text`` in a Rust ``tokenizers.Tokenizer``, without special tokens.

    Embedding switches truncation and padding on in the shared tokenizer; a count must see
    the whole text, so they are switched off first. The caller holds the tokenizer's lock.
    """
    if tokenizer.truncation is not None:
        tokenizer.no_truncation()
    if tokenizer.padding is not None:
        tokenizer.no_padding()
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


# model_id suffix of a dynamically int8-quantised model (its vectors differ from fp32).
INT8_SUFFIX = "+int8"


class EmbeddingError(RuntimeError):
    """An embedding model cannot be loaded or used; the message is meant for users."""


@runtime_checkable
class Embedder(Protocol):
    """A text embedding model.

    ``name`` is the honest model name shown to users and recorded with a collection.
    ``model_id`` is short and stable; a collection refuses vectors of a different
    ``model_id`` (the offline 4-bit-derived e5 build has its own id, because its vectors
    differ slightly from the fp32 model's). ``max_tokens`` is the most tokens (as counted by
    ``count_tokens``) a passage may have and still be embedded whole: the prompt and the
    special tokens are already subtracted from the model's sequence limit.
    Implementations may also expose ``tokenizer`` (a Hugging Face fast tokenizer).
    """

    name: str
    model_id: str
    dimension: int
    max_tokens: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows L2-normalised; passage prompt applied."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Like ``embed_documents`` but with the model's query prompt."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's tokenizer, without special tokens or prompt."""
        ...


def at_query_time(embedder: Embedder) -> Embedder:
    """The embedder for passage-side texts embedded while answering (sentences to quote).

    Where ingest embeds passages with an int8 copy (the ONNX default), this is the fp32
    model for both sides: the extractive threshold was calibrated on fp32 scores, and a
    process that only answers then never loads the int8 model.
    """
    view = getattr(embedder, "query_time", None)
    return view() if callable(view) else embedder
