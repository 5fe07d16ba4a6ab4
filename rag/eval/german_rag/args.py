"""Arguments of ``rag eval german-rag`` (argparse only: built for every ``rag`` call)."""

from __future__ import annotations

import argparse

DEFAULT_DATA = "deutsche-telekom/Ger-RAG-eval"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("muss mindestens 1 sein")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Ger-RAG-eval (lighteval german_rag_eval, loglikelihood_acc, 0-shot) so rechnen wie "
        "lighteval 0.13: gleiche Prompts, gleiche Token, gleiche Wertung."
    )
    p.add_argument("--model", required=True, help="Modell: Hub-ID oder lokaler Ordner "
                   "(bei --backend openai: der Modellname auf dem Server)")
    p.add_argument("--data", default=DEFAULT_DATA, help="Hub-Datensatz oder Ordner mit "
                   f"taskN_test.parquet (Standard: {DEFAULT_DATA})")
    p.add_argument("--tasks", default="task1,task2,task3,task4",
                   help="Kommagetrennte Auswahl aus task1..task4 (Standard: alle)")
    p.add_argument("--limit", type=_positive, default=None,
                   help="Nur die ersten N Zeilen je Aufgabe (in Dateireihenfolge)")
    p.add_argument("--prompt-format", choices=("auto", "raw", "chat"), default="auto",
                   help="raw = lightevals Textprompt; chat = über das Chat-Template des Modells; "
                   "auto = chat, wenn der Tokenizer ein Template hat (lighteval 0.13 Standard)")
    sys_group = p.add_mutually_exclusive_group()
    sys_group.add_argument("--system-prompt", default=None, metavar="TEXT",
                           help="Systemprompt (wie lightevals --system-prompt)")
    sys_group.add_argument("--quelle-system-prompt", action="store_true",
                           help="Quelles deutschen Systemprompt aus der Produktion verwenden")
    p.add_argument("--batch-size", type=_positive, default=16,
                   help="Höchstens so viele Sequenzen je Vorwärtslauf / Serveranfrage")
    p.add_argument("--max-batch-tokens", type=_positive, default=32768,
                   help="Höchstens so viele (gepaddete) Token je Vorwärtslauf")
    p.add_argument("--max-length", type=_positive, default=None,
                   help="Kontextfenster (Standard: aus der Modellkonfiguration wie lighteval)")
    p.add_argument("--dtype", default=None,
                   choices=("auto", "bfloat16", "float16", "float32"),
                   help="Gewichtstyp (Standard: bfloat16 auf CUDA, sonst wie im Checkpoint)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 … (Standard: automatisch)")
    p.add_argument("--details", default=None, metavar="FILE.jsonl",
                   help="Eine JSON-Zeile je Datenzeile schreiben (Vorhersage, Logprobs, …)")
    p.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben")
    p.add_argument("--save", action="store_true",
                   help="Ergebnis für die Qualitätsseite der App speichern "
                   "($RAG_STORE_DIR/german_rag_eval.json)")
    p.add_argument("--backend", choices=("transformers", "openai"), default="transformers",
                   help="transformers = Modell im Prozess; openai = OpenAI-kompatibler Server "
                   "mit Prompt-Logprobs (vLLM)")
    p.add_argument("--base-url", default=None, help="Server-URL für --backend openai, "
                   "z. B. http://localhost:8000/v1")
    p.add_argument("--api-key", default=None, help="API-Schlüssel (Standard: $OPENAI_API_KEY)")
    p.add_argument("--tokenizer", default=None,
                   help="Tokenizer für --backend openai (Standard: --model)")
    p.add_argument("--logprob-api", choices=("echo", "prompt_logprobs"), default="echo",
                   help="Wie der Server Prompt-Logprobs liefert: echo+logprobs (OpenAI-Stil) "
                   "oder vLLMs prompt_logprobs")
