"""Answer-generation backends (transformers, OpenAI-compatible servers, extractive)."""
