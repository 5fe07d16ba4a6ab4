"""Readers for formats beyond PDF and plain text (DOCX, ODT, HTML, e-mail, PDF tables).

Formats without pages give one block per heading, paragraph and table row, each with a
section label for citations (see ``structure.Outline``).
"""
