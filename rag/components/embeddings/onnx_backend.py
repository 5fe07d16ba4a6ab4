"""Embeddings with ONNX Runtime over a sentence-transformers folder (CPU).

Same model, same vectors (fp32: max abs difference ~1e-6 to torch), but much less per-call
overhead: on 2 cores a single query embeds in ~17 ms instead of ~45 ms, and ingest runs
faster too. Figures: benchmarks/RESULTS.md.

With ``passage_file`` (the int8 copy from ``onnx_int8_path``) passages are embedded by the
int8 model, one text per run and one single-threaded run per core, and queries by the fp32
one on all cores. The int8 vectors approximate the fp32 ones closely
enough to share one collection and model id: on the DPR dev data this loses ~0.002 MRR@10
(int8 on both sides lost 0.005-0.007), and ingest runs faster. Each file's session is
opened on first use, so a process that only searches never loads the int8 model and one that
only ingests never loads the fp32 one.

Supported folders: a transformer with mean or CLS pooling (optionally Normalize), which is
what e5, GTE, BGE and most sentence-transformers retrieval models are. Anything else is
loaded with the torch backend.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from rag.components.embeddings.base import (
    EmbeddingError,
    count_untruncated,
    longest_first,
    usable_cores,
)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def pooling_mode(folder: Path) -> str:
    """'mean' or 'cls', from the folder's Pooling module; EmbeddingError otherwise."""
    modules = _read_json(folder / "modules.json") or []
    pooling = next((m for m in modules if str(m.get("type", "")).endswith(".Pooling")), None)
    cfg = _read_json(folder / pooling["path"] / "config.json") if pooling else None
    if not cfg:
        raise EmbeddingError(f"'{folder}' hat keine lesbare Pooling-Konfiguration.")
    if cfg.get("pooling_mode_mean_tokens"):
        return "mean"
    if cfg.get("pooling_mode_cls_token"):
        return "cls"
    raise EmbeddingError(
        f"Das ONNX-Backend kann das Pooling von '{folder}' nicht nachbilden; "
        "RAG_EMBEDDING_BACKEND=torch verwenden."
    )


class OnnxEmbedder:
    """``Embedder`` running an exported model with onnxruntime."""

    def __init__(
        self,
        folder: Path,
        onnx_file: Path,
        *,
        passage_file: Path | None = None,
        name: str,
        model_id: str,
        batch_size: int = 4,
        prompts: tuple[str, str] = ("", ""),
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EmbeddingError("Für RAG_EMBEDDING_BACKEND=onnx wird onnxruntime benötigt: "
                                 "pip install onnxruntime") from exc
        self.name = name
        self.model_id = model_id
        self.batch_size = batch_size
        self.query_prompt, self.passage_prompt = prompts
        self.pooling = pooling_mode(folder)
        self.query_file = Path(onnx_file)
        self.passage_file = Path(passage_file or onnx_file)
        # Cached passage vectors (rag eval) must not mix the fp32 and the int8 variant.
        self.vectors_id = model_id if passage_file is None else f"{model_id}|onnx-int8-b1"
        self._ort = ort
        self._sessions: dict[Path, Any] = {}
        self._session_lock = threading.Lock()
        self._runner: ThreadPoolExecutor | None = None  # one-text runs, one per core
        hidden = (_read_json(folder / "config.json") or {}).get("hidden_size")
        self.dimension = int(hidden) if hidden else int(
            self._session(self.passage_file).get_outputs()[0].shape[-1])
        # The Rust tokenizer directly: its truncation/padding state is switched per use
        # under a lock (a second copy of XLM-R's vocabulary would cost ~285 MB).
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok_lock = threading.RLock()
        cfg = _read_json(folder / "tokenizer_config.json") or {}
        pad = cfg.get("pad_token") or "[PAD]"
        pad = pad.get("content", "[PAD]") if isinstance(pad, dict) else str(pad)
        self._pad_id = self.tokenizer.token_to_id(pad) or 0
        self._pad = pad
        st_cfg = _read_json(folder / "sentence_bert_config.json") or {}
        self.max_seq_length = int(st_cfg.get("max_seq_length") or 512)
        with self._tok_lock:
            self.tokenizer.no_truncation()
            self.tokenizer.no_padding()
            special = len(self.tokenizer.encode("", add_special_tokens=True).ids)
        prompt_tokens = max(self.count_tokens(p) for p in prompts)
        self.max_tokens = self.max_seq_length - special - prompt_tokens

    # --- Embedder ---------------------------------------------------------------------
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.passage_prompt, self.passage_file)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, self.query_prompt, self.query_file)

    def count_tokens(self, text: str) -> int:
        with self._tok_lock:
            return count_untruncated(self.tokenizer, text)

    def query_time(self) -> OnnxEmbedder:
        """This embedder with the fp32 model for passages too (see ``at_query_time``);
        shares the tokenizer and the open sessions."""
        if self.passage_file == self.query_file:
            return self
        view = copy.copy(self)
        view.passage_file = self.query_file
        view.vectors_id = self.model_id
        return view

    @property
    def queues_runs(self) -> bool:
        """Passages run on this embedder's own threads, one per core, first come first
        served: callers may embed several batches at once without oversubscribing."""
        return self._one_per_run(self.passage_file)

    # --- internals --------------------------------------------------------------------
    def _one_per_run(self, file: Path) -> bool:
        """The int8 passage file runs one text per run (see ``_embed``)."""
        return file != self.query_file

    def _session(self, file: Path) -> Any:
        with self._session_lock:
            if file not in self._sessions:
                opts = self._ort.SessionOptions()
                # One-text runs are spread over the cores one run per core instead: for
                # int8 that is 10-35 % more texts/s than one run at a time on 2 threads
                # (its quantise/dequantise steps parallelise poorly inside a run).
                opts.intra_op_num_threads = 1 if self._one_per_run(file) else usable_cores()
                opts.log_severity_level = 3
                self._sessions[file] = self._ort.InferenceSession(
                    str(file), opts, providers=["CPUExecutionProvider"])
            return self._sessions[file]

    def _embed(self, texts: Sequence[str], prompt: str, file: Path) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        items = list(texts)
        out = np.empty((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        session = self._session(file)
        if self._one_per_run(file):
            # Dynamic int8 quantises activations per run, padding included: in a batch a
            # text's vector depends on its batch mates (DPR dev, exact MRR@10 0.9066-0.9090
            # for batch arrangements of 4). One text per run makes it depend on the text
            # alone (0.9092); the runs go in parallel, one per core.
            def one(text: str) -> np.ndarray:
                return self._batch(session, [prompt + text])[0]

            if len(items) == 1 or usable_cores() == 1:
                out[:] = [one(t) for t in items]
            else:
                # One pool for all callers: concurrent batches queue behind each other
                # instead of running more threads than cores.
                with self._session_lock:
                    if self._runner is None:
                        self._runner = ThreadPoolExecutor(usable_cores(),
                                                          thread_name_prefix="onnx-embed")
                    runner = self._runner
                out[:] = list(runner.map(one, items))
            return out
        order = longest_first(items)
        for start in range(0, len(items), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._batch(session, [prompt + items[i] for i in idx])
        return out

    def _batch(self, session: Any, texts: list[str]) -> np.ndarray:
        with self._tok_lock:
            self.tokenizer.enable_truncation(self.max_seq_length)
            self.tokenizer.enable_padding(pad_id=self._pad_id, pad_token=self._pad)
            # encode_batch's thread pool costs ~1.4 ms per call; one text needs none.
            enc = ([self.tokenizer.encode(texts[0])] if len(texts) == 1
                   else self.tokenizer.encode_batch(texts))
        ids = np.asarray([e.ids for e in enc], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        if self.pooling == "cls":
            vec = hidden[:, 0, :]
        else:
            m = mask[..., None].astype(np.float32)
            vec = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        return (vec / np.maximum(norms, 1e-12)).astype(np.float32)

