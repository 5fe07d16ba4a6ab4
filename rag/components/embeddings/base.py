"""What every embedding backend offers to chunking, the store and retrieval."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

# e5 models are trained with these prefixes; without them retrieval gets measurably worse.
E5_PROMPTS: dict[str, str] = {"query": "query: ", "passage": "passage: "}

# Plain e5 checkpoints (not the instruct variants) expect "query: " / "passage: ".
_E5_NAME = re.compile(r"(^|[/_-])(multilingual-)?e5-(small|base|large)(-v2)?($|[@/_-])", re.I)


def is_e5_name(model_id: str) -> bool:
    return bool(_E5_NAME.search(model_id))


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
