"""Tokenisation and bookkeeping for lighteval's ``loglikelihood_acc``, backend-independent.

What lighteval 0.13 does (models/abstract_model.py ``tok_encode_pair`` with pairwise=True,
models/transformers/transformers_model.py ``_loglikelihood_tokens``), copied rule by rule:
trailing whitespace of the prompt moves into every choice; the context is encoded with special
tokens (BOS) and a trailing EOS is dropped; each choice is encoded alone without special tokens;
the model input is context + choice, left-truncated to the model's max length; the score is the
sum of the choice tokens' log-probabilities; the prediction is the first argmax.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rag.eval.german_rag.tasks import split_trailing_whitespace


@dataclass(frozen=True)
class ScoreRequest:
    context: tuple[int, ...]
    choices: tuple[tuple[int, ...], ...]


def build_request(prompt: str, choices: Sequence[str], tokenizer: Any) -> ScoreRequest:
    context, conts = split_trailing_whitespace(prompt, tuple(choices))
    ctx = list(tokenizer.encode(context, add_special_tokens=True))
    eos = tokenizer.eos_token_id
    if ctx and eos is not None and ctx[-1] == eos:
        ctx = ctx[:-1]
    encoded = tuple(tuple(tokenizer.encode(c, add_special_tokens=False)) for c in conts)
    if any(len(c) == 0 for c in encoded):
        raise ValueError(f"a choice encodes to no tokens: {conts!r}")
    return ScoreRequest(tuple(ctx), encoded)


@dataclass(frozen=True)
class ModelInput:
    """One model input and the log-probabilities to read from it.

    ``reads[k] = (choice index, [(position, token id), ...])``: the choice's score is the sum of
    log_softmax(logits[position])[token] over its pairs.
    """

    request: int
    tokens: tuple[int, ...]
    reads: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]


def plan_sequences(req: ScoreRequest, index: int, max_length: int) -> list[ModelInput]:
    """The model inputs for one request.

    lighteval feeds one sequence per choice. When all choices have the same token count and
    differ only in their last token (always true here: "A".."D", or "\\n\\nA".."\\n\\nD" in chat
    mode), one forward pass over context + shared prefix gives every choice's logits at the very
    same positions, so we run that once instead of once per choice. The window matches
    lighteval's left truncation of context + choice to ``max_length`` tokens.
    """
    n = {len(c) for c in req.choices}
    if len(n) == 1:
        c = n.pop()
        prefixes = {ch[:-1] for ch in req.choices}
        if len(prefixes) == 1:
            prefix = prefixes.pop()
            # lighteval's input is (ctx + choice)[-max_length:]; dropping its last token (whose
            # logits are never read) gives this window.
            tokens = (req.context + prefix)[-(max_length - 1):] if max_length > 1 else ()
            start = len(tokens) - c  # position whose logits predict the choice's first token
            reads = tuple(
                (i, tuple((start + j, ch[j]) for j in range(c))) for i, ch in enumerate(req.choices)
            )
            if start >= 0:
                return [ModelInput(index, tokens, reads)]
    out = []
    for i, ch in enumerate(req.choices):
        tokens = (req.context + ch)[-max_length:]
        start = len(tokens) - len(ch) - 1
        if start < 0:
            raise ValueError("a choice is longer than the model's context window")
        pairs = tuple((start + j, ch[j]) for j in range(len(ch)))
        out.append(ModelInput(index, tokens[:-1], ((i, pairs),)))
    return out


# --- results ---------------------------------------------------------------------------


@dataclass
class RowResult:
    task: str
    row: int
    gold: int
    logprobs: list[float]
    context_tokens: int

    @property
    def pred(self) -> int:
        # First argmax, like numpy's argmax in lighteval's LoglikelihoodAcc.
        best = 0
        for i, v in enumerate(self.logprobs):
            if v > self.logprobs[best]:
                best = i
        return best

    @property
    def correct(self) -> bool:
        return self.pred == self.gold


@dataclass
class TaskResult:
    task: str
    rows: list[RowResult] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def acc(self) -> float:
        return mean([float(r.correct) for r in self.rows])

    @property
    def stderr(self) -> float | None:
        return mean_stderr([float(r.correct) for r in self.rows])


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def mean_stderr(values: Sequence[float]) -> float | None:
    """lighteval's ``mean_stderr``: sample standard deviation (n - 1) / sqrt(n).

    lighteval leaves the stderr out for a single sample; so do we (None)."""
    n = len(values)
    if n < 2:
        return None
    mu = sum(values) / n
    std = math.sqrt(sum((x - mu) ** 2 for x in values) / (n - 1))
    return std / math.sqrt(n)


def average(results: Sequence[TaskResult]) -> tuple[float, float | None]:
    """lighteval's "all" row: the unweighted mean of the task accuracies and of their stderrs."""
    accs = [r.acc for r in results]
    errs = [r.stderr for r in results]
    err = mean([e for e in errs if e is not None]) if all(e is not None for e in errs) else None
    return mean(accs), err

