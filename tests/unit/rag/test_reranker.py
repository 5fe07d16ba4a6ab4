"""Cross-encoder reranking with a tiny model that the test builds, trains and saves itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.components.reranker import Reranker, RerankerError
from rag.retrieval.rerank import rerank_if_enabled
from rag.settings import Settings
from rag.types import Chunk, SearchHit

# Four topics; a document is relevant to a query word when both share the topic.
TOPICS = [
    ["urlaub", "frist", "kündigung", "gehalt", "probezeit"],
    ["reise", "hotel", "bahn", "kilometer", "tagegeld"],
    ["wärmepumpe", "filter", "fehlercode", "wartung", "garantie"],
    ["bibliothek", "gebühr", "ausweis", "ausleihe", "medien"],
]
WORDS = [w for t in TOPICS for w in t]


def build_tiny_cross_encoder(out: Path) -> Path:
    """A 2-layer BERT cross-encoder with hand-set weights, saved like any hub model.

    Attention is uniform (zero query/key weights), so [CLS] sees the mean of all token
    embeddings; every employment-law word (topic 0) points along dimension 0, which the
    classifier reads. The model therefore scores a (query, document) pair by how much of it
    is about employment law: deterministic, instant, and enough to test real reranking.
    """
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {t: i for i, t in enumerate(specials + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=32,
    )
    h = 16
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=h,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=1,
    )
    model = BertForSequenceClassification(config).eval()
    eye = torch.eye(h)
    with torch.no_grad():
        for prm in model.parameters():
            prm.zero_()
        for name, prm in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                prm.fill_(1.0)
        emb = model.bert.embeddings.word_embeddings.weight
        for t, words in enumerate(TOPICS):
            for w in words:
                emb[vocab[w], t] = 4.0
        for i, special in enumerate(["[UNK]", "[CLS]", "[SEP]"]):
            emb[vocab[special], 8 + i] = 4.0
        for layer in model.bert.encoder.layer:
            layer.attention.self.value.weight.copy_(eye)
            layer.attention.output.dense.weight.copy_(eye)
        model.bert.pooler.dense.weight.copy_(eye)
        model.classifier.weight[0, 0] = 5.0
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    fast.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("reranker") / "tiny-ce")


def hits_for(texts: list[str]) -> list[SearchHit]:
    return [
        SearchHit(
            Chunk(f"d:v:{i}", "d", "d.pdf", t, 1, 1, 0, len(t), i, f"h{i}"),
            score=1.0 - i / 10,
        )
        for i, t in enumerate(texts)
    ]


TEXTS = [
    "bibliothek gebühr ausweis medien",
    "hotel bahn kilometer reise",
    "wartung garantie filter fehlercode",
    "urlaub frist probezeit gehalt",
]


def test_reranker_orders_hits_by_cross_encoder_score(tiny_model: Path) -> None:
    rr = Reranker(str(tiny_model), top_n=10)
    s = rr.scores("kündigung", TEXTS)
    assert s.argmax() == 3  # the employment-law document
    graded = rr.scores("kündigung", [TEXTS[1], "urlaub frist hotel bahn", TEXTS[3]])
    assert graded[0] < graded[1] < graded[2]
    hits = hits_for(TEXTS)
    out = rr.rerank("kündigung", hits)
    assert [h.chunk.chunk_id for h in out] == [
        hits[i].chunk.chunk_id for i in np.argsort(-s, kind="stable")
    ]
    assert out[0].chunk.text == TEXTS[3]
    assert out[0].score == pytest.approx(float(s[3]))


def test_only_the_top_n_are_reranked(tiny_model: Path) -> None:
    rr = Reranker(str(tiny_model), top_n=2)
    hits = hits_for(TEXTS)
    out = rr.rerank("kündigung", hits)
    assert out[2:] == hits[2:]  # untouched tail, original scores
    assert {h.chunk.chunk_id for h in out[:2]} == {h.chunk.chunk_id for h in hits[:2]}


def test_settings_switch_reranking_on_and_off(tiny_model: Path) -> None:
    hits = hits_for(TEXTS)
    off = Settings(_env_file=None)  # type: ignore[call-arg]
    assert off.retrieval.reranker_model == ""
    assert rerank_if_enabled(off, "kündigung", hits) == hits
    on = Settings(_env_file=None, reranker_model=str(tiny_model))  # type: ignore[call-arg]
    assert rerank_if_enabled(on, "kündigung", hits)[0].chunk.text == TEXTS[3]


def test_unloadable_model_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RerankerError, match="RAG_RERANKER_MODEL"):
        Reranker(str(tmp_path / "empty"))
