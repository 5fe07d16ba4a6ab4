"""Make a random tiny model say a chosen text, through the real ``generate`` loop.

A logits processor that puts all probability on the next planned token; after the plan runs
out the model's own (random) logits take over again. Planning ``<|eot_id|>`` and then junk
shows whether generation really stops at ``<|eot_id|>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import LogitsProcessor

END_HEADER_ID = 128007  # <|end_header_id|>; the prompt ends with it and "\n\n"


class ForcedTokens(LogitsProcessor):
    """Stateless, so one instance serves any number of generate calls."""

    def __init__(self, plan: Sequence[int]) -> None:
        self.plan = list(plan)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> Any:
        row = input_ids[0].tolist()
        answer_start = len(row) - row[::-1].index(END_HEADER_ID) + 1  # after "\n\n"
        step = len(row) - answer_start
        if step < len(self.plan):
            scores = torch.full_like(scores, -float("inf"))
            scores[:, self.plan[step]] = 0.0
        return scores


def plan_for(tokenizer: Any, text: str, *then: int) -> list[int]:
    """Token ids of ``text`` (no BOS) followed by ``then``."""
    return [*tokenizer(text, add_special_tokens=False)["input_ids"], *then]
