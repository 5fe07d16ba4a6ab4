"""``rag ask "FRAGE" [--backend ...] [--stream] [--json] [--show-prompt] [-k N]``."""

from __future__ import annotations

import argparse
import sys

from rag.cli.common import fail, print_json, settings_from_args
from rag.types import Answer


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="Frage beantworten, mit Quellen (Datei, Seite)")
    p.add_argument("question", metavar="FRAGE")
    p.add_argument("-k", type=int, default=None, help="Anzahl Passagen (Standard: RAG_TOP_K)")
    p.add_argument("--backend", choices=["auto", "transformers", "openai", "extractive"],
                   default=None, help="Antwort-Backend (Standard: RAG_LLM_BACKEND)")
    p.add_argument("--stream", action="store_true", help="Antwort Wort für Wort ausgeben")
    p.add_argument("--json", action="store_true",
                   help='JSON {"answer","answerable","confidence","citations"} ausgeben')
    p.add_argument("--show-prompt", action="store_true",
                   help="den fertigen Prompt (mit Chat-Template) zeigen, ohne zu generieren")
    p.set_defaults(func=run)


def _short(where: str) -> str:
    """"Seite 3" -> "S. 3"; a section label stays as it is."""
    return where.replace("Seite ", "S. ", 1) if where.startswith("Seite ") else where


def format_sources(answer: Answer) -> str:
    lines = [f"[{c.n}] {c.source}, {_short(c.where)}" for c in answer.citations]
    if lines:
        return "Quellen:\n" + "\n".join(lines)
    if answer.answerable and answer.retrieved:
        # A generated answer without [n] markers: name what it was based on, as such.
        found = [f"- {h.chunk.source}, {_short(h.chunk.where)}" for h in answer.retrieved[:3]]
        return ("Hinweis: Das Modell hat keine Quelle zitiert. Gefundene Passagen:\n"
                + "\n".join(found))
    if not answer.answerable and answer.retrieved:
        # A refusal still points to the closest passages, marked as such.
        near = [f"- {h.chunk.source}, {_short(h.chunk.where)}" for h in answer.retrieved[:3]]
        return "Vielleicht hilfreich:\n" + "\n".join(near)
    return ""


def run(args: argparse.Namespace) -> int:
    from rag.answering import prepare, stream_prepared
    from rag.components.llm.extractive_backend import ExtractiveBackend
    from rag.components.llm.factory import describe_backend, make_llm
    from rag.components.store import StoreError
    from rag.index import Index

    settings = settings_from_args(args)
    if args.backend:
        settings = settings.override(llm_backend=args.backend)
    pieces: list[str] = []  # streamed so far
    try:
        index = Index(settings)
        llm = make_llm(settings, embedder=index.embedder)
        if args.show_prompt and isinstance(llm, ExtractiveBackend):
            name, reason = describe_backend(settings)
            return fail(f"--show-prompt braucht ein Sprachmodell, das Backend ist '{name}' "
                        f"({reason}). Wähle --backend transformers oder openai.")
        prepared = prepare(args.question, index=index, settings=settings, llm=llm)
        if args.show_prompt:
            if prepared.prompt is None:
                return fail("Keine passenden Passagen gefunden; es gibt keinen Prompt.")
            print(llm.render(prepared.prompt.messages))  # type: ignore[union-attr]
            print(f"\n# {prepared.prompt.prompt_tokens} Prompt-Tokens von "
                  f"{prepared.prompt.budget_tokens} erlaubten; {len(prepared.prompt.sources)} "
                  f"Quellen, {len(prepared.prompt.dropped)} passten nicht.", file=sys.stderr)
            return 0
        answer: Answer | None = None
        for item in stream_prepared(prepared, index):
            if isinstance(item, Answer):
                answer = item
            elif args.stream and not args.json:
                print(item, end="", flush=True)
                pieces.append(item)
    # RuntimeError covers LLMError (server down, timeout) and models that cannot load.
    except (StoreError, ValueError, RuntimeError) as exc:
        if pieces:
            print()
        return fail(str(exc))
    assert answer is not None
    if args.json:
        print_json(answer.to_json())
        return 0
    if pieces:
        print()
        if answer.answer.split() != "".join(pieces).split():
            # Unknown markers were removed or a refusal normalised: show the checked text.
            print(f"\n(geprüfte Fassung)\n{answer.answer}")
    else:
        print(answer.answer)
    sources = format_sources(answer)
    if sources:
        print(f"\n{sources}")
    if answer.unknown_markers:
        nums = ", ".join(f"[{n}]" for n in answer.unknown_markers)
        print(f"Hinweis: Verweise ohne passende Quelle entfernt: {nums}", file=sys.stderr)
    return 0
