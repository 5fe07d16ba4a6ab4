"""The small interface every generating backend implements.

A backend turns chat messages (``{"role": ..., "content": ...}``) into text, whole or as a
stream of pieces. The prompt packer also needs to know how many tokens a text costs and what
the model will actually see, so backends expose a token counter and the chat renderer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

Message = dict[str, str]

# Llama-3 spends 4 tokens per message on <|start_header_id|>role<|end_header_id|>\n\n ...
# <|eot_id|>, plus one for the role; counters that see only the contents add this.
MESSAGE_OVERHEAD_TOKENS = 5

# German text with the Llama-3 tokenizer: measured 3.6-3.7 chars/token on corpora/ (qa.jsonl
# questions, it_kurzinfo.md); 3.0 errs on the safe side so an approximate
# budget does not overflow the context.
APPROX_CHARS_PER_TOKEN = 3.0


class LLMError(RuntimeError):
    """A generation failure worth showing to the user as is (server down, timeout, ...)."""


@runtime_checkable
class LLM(Protocol):
    """A chat model: the transformers and openai backends implement this."""

    name: str  # shown to users, e.g. "transformers:VAGOsolutions/Llama-3-..."
    context_tokens: int  # the model's context window, prompt and answer together
    max_new_tokens: int  # room the answer needs, reserved by the prompt packer

    def generate(self, messages: Sequence[Message], *, max_new_tokens: int | None = None) -> str:
        """The whole answer, without special tokens."""
        ...

    def stream(
        self, messages: Sequence[Message], *, max_new_tokens: int | None = None
    ) -> Iterator[str]:
        """The answer in pieces as they are generated; joined they equal ``generate``'s."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` (exact where the model's tokenizer is at hand)."""
        ...

    def count_prompt_tokens(self, messages: Sequence[Message]) -> int:
        """Tokens of the whole prompt the model will see, chat markup included."""
        ...

    def render(self, messages: Sequence[Message]) -> str:
        """The prompt as the model sees it (chat template applied) for ``--show-prompt``."""
        ...


def approx_token_count(text: str) -> int:
    """A tokenizer-free upper estimate of a text's token count."""
    return math.ceil(len(text) / APPROX_CHARS_PER_TOKEN)


def render_messages_as_json(messages: Sequence[Message]) -> str:
    """What a server-side template receives, when we have no template to apply ourselves."""
    return json.dumps(list(messages), ensure_ascii=False, indent=2)
