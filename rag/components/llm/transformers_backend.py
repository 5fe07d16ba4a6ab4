"""In-process generation with transformers (the GPU path for Llama-3-SauerkrautLM-8b-Instruct).

The model is loaded once per process through :func:`load_causal_lm` (shared with the eval
harness). Prompts are rendered and tokenised by the model's own chat template; generation
stops on ``<|eot_id|>`` as well as EOS, because Llama-3 Instruct ends its turns with
``<|eot_id|>`` while older checkpoints only list ``<|end_of_text|>`` as EOS.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rag.components.llm.base import Message
from rag.components.llm.hf_loading import load_causal_lm

EOT_TOKEN = "<|eot_id|>"

# One generation at a time per model: parallel UI sessions would otherwise fight over the GPU.
_model_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(model: Any) -> threading.Lock:
    with _locks_guard:
        return _model_locks.setdefault(id(model), threading.Lock())


def stop_token_ids(tokenizer: Any, model: Any) -> list[int]:
    """EOS of tokenizer and generation config plus ``<|eot_id|>``, deduplicated, in order."""
    ids: list[int] = []

    def add(value: Any) -> None:
        if value is None:
            return
        for v in value if isinstance(value, list | tuple) else [value]:
            if isinstance(v, int) and v >= 0 and v not in ids:
                ids.append(v)

    eot = tokenizer.convert_tokens_to_ids(EOT_TOKEN)
    if eot is not None and eot != tokenizer.unk_token_id:
        add(eot)
    add(tokenizer.eos_token_id)
    add(getattr(model.generation_config, "eos_token_id", None))
    add(getattr(model.config, "eos_token_id", None))
    return ids


class TransformersLLM:
    """A local causal LM; ``extra_generate_kwargs`` go to ``model.generate`` (tuning, tests)."""

    def __init__(
        self,
        model_id: str,
        *,
        quantization: str | None = None,
        device: str | None = None,
        max_new_tokens: int = 512,
        temperature: float = 0.0,
        context_tokens: int = 8192,
        extra_generate_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        q = None if quantization in (None, "", "none") else quantization
        self.model, self.tokenizer = load_causal_lm(model_id, quantization=q, device=device)
        if not getattr(self.tokenizer, "chat_template", None):
            raise RuntimeError(
                f"The tokenizer of '{model_id}' has no chat template; Quelle renders prompts "
                "only with the model's own template."
            )
        self.name = f"transformers:{model_id}"
        self.model_id = model_id
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.context_tokens = context_tokens
        self.stop_ids = stop_token_ids(self.tokenizer, self.model)
        self.extra_generate_kwargs = dict(extra_generate_kwargs or {})
        self.last_output_ids: list[int] = []  # of the last generate(); for diagnostics

    # --- prompt --------------------------------------------------------------------------
    def render(self, messages: Sequence[Message]) -> str:
        return self.tokenizer.apply_chat_template(
            list(messages), tokenize=False, add_generation_prompt=True
        )

    def encode_prompt(self, messages: Sequence[Message]) -> dict[str, Any]:
        # Tokenised by the template itself (no second BOS); control tokens inside message
        # contents are encoded as plain text so a document cannot close a turn.
        return self.tokenizer.apply_chat_template(
            list(messages),
            add_generation_prompt=True,
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
            sanitize_control_tokens=True,
        )

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def count_prompt_tokens(self, messages: Sequence[Message]) -> int:
        return int(self.encode_prompt(messages)["input_ids"].shape[-1])

    # --- generation ----------------------------------------------------------------------
    def _generate_kwargs(self, messages: Sequence[Message], max_new_tokens: int | None
                         ) -> dict[str, Any]:
        enc = self.encode_prompt(messages)
        device = self.model.device
        kwargs: dict[str, Any] = {
            "input_ids": enc["input_ids"].to(device),
            "attention_mask": enc["attention_mask"].to(device),
            "max_new_tokens": max_new_tokens or self.max_new_tokens,
            "eos_token_id": self.stop_ids,
            # Llama-3 has no pad token; generate() wants one for its bookkeeping.
            "pad_token_id": self.tokenizer.pad_token_id
            if self.tokenizer.pad_token_id is not None else self.stop_ids[0],
        }
        if self.temperature > 0:
            kwargs.update(do_sample=True, temperature=self.temperature, top_p=0.9)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        kwargs.update(self.extra_generate_kwargs)
        return kwargs

    def generate(self, messages: Sequence[Message], *, max_new_tokens: int | None = None) -> str:
        import torch

        kwargs = self._generate_kwargs(messages, max_new_tokens)
        prompt_len = kwargs["input_ids"].shape[-1]
        with _lock_for(self.model), torch.inference_mode():
            out = self.model.generate(**kwargs)
        new = out[0, prompt_len:].tolist()
        self.last_output_ids = new
        return self.tokenizer.decode(new, skip_special_tokens=True)

    def stream(
        self, messages: Sequence[Message], *, max_new_tokens: int | None = None
    ) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        cancelled = threading.Event()

        class _Cancel(StoppingCriteria):
            # Lets a consumer that stops reading (closed generator, Ctrl-C) end the worker.
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool,
                                  device=input_ids.device)

        streamer = TextIteratorStreamer(
            self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=None
        )
        kwargs = self._generate_kwargs(messages, max_new_tokens)
        criteria = StoppingCriteriaList(kwargs.pop("stopping_criteria", None) or [])
        criteria.append(_Cancel())
        kwargs.update(streamer=streamer, stopping_criteria=criteria)
        failure: list[BaseException] = []

        def work() -> None:
            try:
                with _lock_for(self.model), torch.inference_mode():
                    self.model.generate(**kwargs)
            except BaseException as exc:  # re-raised in the consumer's thread
                failure.append(exc)
                streamer.on_finalized_text("", stream_end=True)

        worker = threading.Thread(target=work, name="quelle-generate", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            cancelled.set()
            worker.join()
        if failure:
            raise failure[0]
