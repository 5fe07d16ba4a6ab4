"""Ingest: turn files into clean, chunked, embedded records in Chroma."""
