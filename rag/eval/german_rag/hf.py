"""Score requests with an in-process transformers model, the way lighteval 0.13 does.

Same arithmetic as lighteval's ``TransformersModel._loglikelihood_tokens``: inputs right-padded
with EOS and no attention mask (causal attention never looks right, so padding cannot change a
real position), log_softmax in the model's dtype, per-choice sum in that dtype. Differences
that do not change the numbers: one forward pass per row instead of per choice (see
``plan_sequences``), logits projected only at the positions that are read, no KV cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.eval.german_rag.scoring import ModelInput, ScoreRequest, plan_sequences

# Bytes of logits (kept positions x vocab) one batch may hold; bounds memory with big vocabs.
LOGITS_BUDGET_BYTES = 1 << 30


def model_max_length(model: Any, override: int | None = None) -> int:
    """lighteval's ``_init_max_length``: the first of n_positions / max_position_embeddings /
    n_ctx in the (text) config, else 2048."""
    if override:
        return override
    config = model.config
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    for attr in ("n_positions", "max_position_embeddings", "n_ctx"):
        if hasattr(text_config, attr):
            return int(getattr(text_config, attr))
    return 2048


@dataclass
class Batch:
    items: list[ModelInput]
    width: int  # padded length


def make_batches(
    items: Sequence[ModelInput], batch_size: int, max_tokens: int, vocab_size: int, elt_bytes: int
) -> list[Batch]:
    """Longest first (an out-of-memory shows up at once), at most ``batch_size`` sequences,
    ``max_tokens`` padded tokens and LOGITS_BUDGET_BYTES of kept logits per batch."""
    order = sorted(items, key=lambda s: len(s.tokens), reverse=True)
    batches: list[Batch] = []
    cur: list[ModelInput] = []
    width = kept = 0  # padded length, kept logit positions per row
    for item in order:
        n_pos = _n_positions(item)
        if cur:
            w = max(width, len(item.tokens))
            k = max(kept, n_pos)
            fits = (
                len(cur) < batch_size
                and w * (len(cur) + 1) <= max_tokens
                and (len(cur) + 1) * k * vocab_size * elt_bytes <= LOGITS_BUDGET_BYTES
            )
            if fits:
                cur.append(item)
                width, kept = w, k
                continue
            batches.append(Batch(cur, width))
        cur, width, kept = [item], len(item.tokens), n_pos
    if cur:
        batches.append(Batch(cur, width))
    return batches


def _positions(item: ModelInput) -> list[int]:
    return sorted({p for _, pairs in item.reads for p, _ in pairs})


def _n_positions(item: ModelInput) -> int:
    return len(_positions(item))


class TransformersScorer:
    """Loglikelihoods from a causal LM loaded with ``rag.components.llm.hf_loading``."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        batch_size: int = 16,
        max_batch_tokens: int = 32768,
        max_length: int | None = None,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = max(1, batch_size)
        self.max_batch_tokens = max(1, max_batch_tokens)
        self.max_length = model_max_length(model, max_length)
        # lighteval sets pad_token = eos_token and pads with it.
        pad = tokenizer.eos_token_id
        self.pad_id = int(pad if pad is not None else 0)
        self._slice_ok: bool | None = None

    def score(self, requests: Sequence[ScoreRequest], desc: str = "") -> list[list[float]]:
        """Per request, the summed log-probability of each choice."""
        import torch
        from tqdm import tqdm

        items = [s for i, r in enumerate(requests) for s in plan_sequences(r, i, self.max_length)]
        out: list[list[float | None]] = [[None] * len(r.choices) for r in requests]
        dtype = self._logits_dtype()
        elt = torch.finfo(dtype).bits // 8 if dtype.is_floating_point else 4
        vocab = int(self.model.get_output_embeddings().weight.shape[0])
        pending = make_batches(items, self.batch_size, self.max_batch_tokens, vocab, elt)
        bar = tqdm(total=len(items), desc=desc, unit="seq", leave=False, dynamic_ncols=True)
        while pending:
            batch = pending.pop(0)
            try:
                with torch.inference_mode():
                    self._run(batch, out)
            except torch.OutOfMemoryError:
                if len(batch.items) == 1:
                    raise
                # Halve and retry: slower, same numbers.
                torch.cuda.empty_cache()
                half = len(batch.items) // 2
                pending[:0] = [
                    Batch(batch.items[:half], batch.width),
                    Batch(batch.items[half:], max(len(x.tokens) for x in batch.items[half:])),
                ]
                continue
            bar.update(len(batch.items))
        bar.close()
        return [[float(v) for v in row] for row in out]  # type: ignore[arg-type]

    def _logits_dtype(self) -> Any:
        head = self.model.get_output_embeddings()
        return head.weight.dtype

    def _device(self) -> Any:
        return self.model.get_input_embeddings().weight.device

    def _run(self, batch: Batch, out: list[list[float | None]]) -> None:
        import torch

        dev = self._device()
        rows = []
        for item in batch.items:
            pad = batch.width - len(item.tokens)
            rows.append(list(item.tokens) + [self.pad_id] * pad)
        input_ids = torch.tensor(rows, dtype=torch.long, device=dev)
        positions = [_positions(item) for item in batch.items]
        k = max(len(p) for p in positions)
        # Same count per row for the 2-D logits_to_keep: repeat the last position as filler.
        keep = [p + [p[-1]] * (k - len(p)) for p in positions]
        logits = self._forward(input_ids, keep)  # [B, k, V] in the model's dtype
        logprobs = torch.log_softmax(logits, dim=-1)
        for b, item in enumerate(batch.items):
            col = {p: j for j, p in enumerate(keep[b])}
            for choice, pairs in item.reads:
                idx = torch.tensor([col[p] for p, _ in pairs], device=logprobs.device)
                tok = torch.tensor([t for _, t in pairs], device=logprobs.device)
                # Gather then sum in the model dtype, like lighteval (bf16 sums round in bf16).
                vals = logprobs[b, idx, tok]
                out[item.request][choice] = vals.sum().item()

    def _forward(self, input_ids: Any, keep: list[list[int]]) -> Any:
        import torch

        index = torch.tensor(keep, dtype=torch.long, device=input_ids.device)
        if self._slice_ok is not False:
            try:
                logits = self.model(
                    input_ids=input_ids, use_cache=False, logits_to_keep=index
                ).logits
                if tuple(logits.shape[:2]) == tuple(index.shape):
                    self._slice_ok = True
                    return logits
            except torch.OutOfMemoryError:
                raise
            except (TypeError, RuntimeError, IndexError, ValueError):
                if self._slice_ok:
                    raise
            self._slice_ok = False
        # Models without 2-D logits_to_keep: full logits, then pick the rows.
        logits = self.model(input_ids=input_ids, use_cache=False).logits
        return torch.take_along_dim(logits, index[..., None], dim=1)
