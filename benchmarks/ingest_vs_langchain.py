"""Ingest speed and memory: Quelle vs a plain LangChain pipeline, side by side in one run.

Both ingest the same PDFs (corpora/*.pdf copied until >= --min-pages pages; every copy is a
distinct file version) with the same embedding model folder (the offline e5-small build under
~/.cache/quelle/models/) and the same chunk size (200 tokens of that model's tokenizer, 30
overlap), each pipeline in its own fresh process (so peak RSS is its own):

* Quelle: ``Ingestor.run`` with its defaults (pypdf layout text, German cleanup,
  sentence-aware chunks, passages embedded by the int8 copy of the model in ONNX Runtime,
  one passage per run and one run per core (queries stay fp32; the retrieval-quality cost
  is in benchmarks/README.md), the next file read and chunked in a thread meanwhile and
  its batches queued behind the running ones, Chroma + keyword index written in a thread,
  crash-safe versioned writes).
* Quelle fp32: the same with ``RAG_EMBEDDING_QUANTIZATION=none`` (the fp32 ONNX export,
  the same vectors as torch).
* Quelle torch: the same as Quelle fp32, but embedding like LangChain does
  (sentence-transformers on torch, batch size 32), to show what the pipeline alone is worth.
* LangChain: ``PyPDFLoader`` + ``RecursiveCharacterTextSplitter.from_huggingface_tokenizer``
  + ``HuggingFaceEmbeddings`` + ``Chroma.from_documents`` (cosine space).

Model load is timed separately and not counted as ingest time in either pipeline.

Also printed: unchanged re-ingest (same files again, warm process and a fresh `rag ingest`
process), peak memory of ingesting one 30-page and one 300-page PDF, the cold start of
`rag ask --backend extractive` (process start to answer, model load included) and warm
query latency.

Setup, once (the LangChain packages want an older huggingface_hub than Quelle, so they get
their own gitignored venv; torch, transformers, sentence-transformers and chromadb are the
same versions as in .venv):

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install "torch==2.13.0"
    .venv-bench/bin/pip install langchain-community langchain-huggingface langchain-chroma \\
        pypdf sentence-transformers

Run (from the repository root; about 10 minutes on 2 idle cores, plus ~3 minutes per extra
round of ``--repeat``):

    .venv/bin/python benchmarks/ingest_vs_langchain.py [--min-pages 200] [--repeat 3] [--json]

Both sides vary from run to run on a shared 2-core machine (LangChain 92-114 s in six runs),
so ``--repeat`` runs the pipelines in interleaved rounds and reports the median run of each
and the Quelle/LangChain ratio of every round.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_PY = REPO / ".venv-bench" / "bin" / "python"
CHUNK_SIZE, CHUNK_OVERLAP, BATCH = 200, 30, 32
QUESTION = "Wie hoch ist die Kilometerpauschale bei Dienstreisen mit dem Privatwagen?"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> None:
    # Linux: writing 5 resets VmHWM (the peak) to the current RSS.
    Path("/proc/self/clear_refs").write_text("5")


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- workers: each runs in its own process -------------------------------------------------


VARIANTS = {  # Quelle's settings per column; everything else stays at its defaults
    "default": {},
    "fp32": {"embedding_quantization": "none"},
    "torch": {"embedding_backend": "torch", "embedding_batch_size": BATCH,
              "embedding_quantization": "none"},
}


def quelle_settings(store: Path, variant: str = "default"):  # noqa: ANN201
    sys.path.insert(0, str(REPO))
    from rag.settings import Settings

    return Settings(_env_file=None, store_dir=store, embedding_source="offline",  # type: ignore[call-arg]
                    chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                    llm_backend="extractive", **VARIANTS[variant])


def worker_quelle(files_dir: Path, store: Path, quant: str) -> dict:
    from ingest.pipeline import Ingestor, expand_paths
    from rag.index import Index

    settings = quelle_settings(store, quant)
    t0 = time.perf_counter()
    index = Index(settings)
    index.embedder.embed_documents(["Aufwärmen"])
    load_s = time.perf_counter() - t0
    files = expand_paths([files_dir])
    ing = Ingestor(settings, index)
    t0 = time.perf_counter()
    first = ing.run(files)
    first_s = time.perf_counter() - t0
    assert first.ok, first.to_json()
    t0 = time.perf_counter()
    again = ing.run(files)
    again_s = time.perf_counter() - t0
    assert len(again.by_status("unchanged")) == len(files)
    return {
        "pipeline": f"quelle-{quant}", "model": index.embedder.name, "files": len(files),
        "pages": sum(r.pages for r in first.results),
        "chunks": sum(r.chunks for r in first.results),
        "model_load_s": load_s, "ingest_s": first_s, "reingest_s": again_s,
        "peak_rss_mb": peak_rss_mb(), "torch_threads": _torch_threads(),
    }


def worker_langchain(files_dir: Path, store: Path, model_dir: Path) -> dict:
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    t0 = time.perf_counter()
    emb = HuggingFaceEmbeddings(
        model_name=str(model_dir),
        model_kwargs={"device": "cpu", "local_files_only": True},
        # The same e5 passage prompt, normalisation and batch size as Quelle.
        encode_kwargs={"normalize_embeddings": True, "batch_size": BATCH, "prompt": "passage: "},
    )
    emb.embed_documents(["Aufwärmen"])
    load_s = time.perf_counter() - t0
    files = sorted(files_dir.glob("*.pdf"))
    t0 = time.perf_counter()
    pages = []
    for f in files:
        pages.extend(PyPDFLoader(str(f)).load())
    splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
        emb._client.tokenizer, chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.split_documents(pages)
    Chroma.from_documents(chunks, emb, persist_directory=str(store), collection_name="bench",
                          collection_metadata={"hnsw:space": "cosine"})
    ingest_s = time.perf_counter() - t0
    return {
        "pipeline": "langchain", "model": str(model_dir), "files": len(files),
        "pages": len(pages), "chunks": len(chunks), "model_load_s": load_s,
        "ingest_s": ingest_s, "reingest_s": None, "peak_rss_mb": peak_rss_mb(),
        "torch_threads": _torch_threads(),
    }


def worker_memory(pdf: Path, store: Path) -> dict:
    from ingest.pipeline import Ingestor
    from rag.index import Index

    settings = quelle_settings(store)
    index = Index(settings)
    index.embedder.embed_documents(["Aufwärmen"])
    base = rss_mb()
    reset_peak_rss()
    t0 = time.perf_counter()
    result = Ingestor(settings, index).ingest_file(pdf)
    assert result.status == "ingested", result.error
    return {"pages": result.pages, "chunks": result.chunks, "seconds": time.perf_counter() - t0,
            "rss_after_model_mb": base, "peak_rss_during_ingest_mb": vm_hwm_mb()}


def worker_query(store: Path, n: int) -> dict:
    import json as _json

    from rag.answering import answer_question
    from rag.components.llm.extractive_backend import ExtractiveBackend
    from rag.index import Index

    settings = quelle_settings(store)
    t0 = time.perf_counter()
    index = Index(settings)
    backend = ExtractiveBackend(settings, index.embedder)
    answer_question(QUESTION, index=index, settings=settings, llm=backend)  # warm-up
    first_s = time.perf_counter() - t0
    rows = [_json.loads(line) for line in (REPO / "corpora" / "qa.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()][:n]
    search_ms, answer_ms = [], []
    for row in rows:
        t = time.perf_counter()
        index.search(row["question"])
        search_ms.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        answer_question(row["question"], index=index, settings=settings, llm=backend)
        answer_ms.append(1000 * (time.perf_counter() - t))
    return {"mode": settings.retrieval.mode, "queries": len(rows),
            "load_and_first_answer_s": first_s,
            "search_p50_ms": statistics.median(search_ms), "search_max_ms": max(search_ms),
            "answer_p50_ms": statistics.median(answer_ms), "answer_max_ms": max(answer_ms)}


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


# --- orchestration ------------------------------------------------------------------------


def run_worker(python: Path, *args: str) -> dict:
    proc = subprocess.run([str(python), __file__, "--worker", *args], cwd=REPO,
                          capture_output=True, text=True, env=_env())
    if proc.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["PYTHONPATH"] = str(REPO)
    env["TOKENIZERS_PARALLELISM"] = "false"
    return env


def text_pdfs() -> list[Path]:
    """The demo PDFs with a text layer (scans need OCR, which the LangChain side lacks)."""
    return sorted(p for p in (REPO / "corpora").glob("*.pdf") if not p.stem.endswith("_scan"))


def corpus_copies(dst: Path, min_pages: int) -> int:
    from pypdf import PdfReader

    pdfs = text_pdfs()
    pages, round_ = 0, 0
    while pages < min_pages:
        for p in pdfs:
            # A trailing comment makes every copy a distinct file version (no dedup shortcut).
            (dst / f"{p.stem}-{round_:03d}.pdf").write_bytes(
                p.read_bytes() + f"\n% copy {round_}\n".encode())
            pages += len(PdfReader(p).pages)
        round_ += 1
    return pages


def long_pdf(dst: Path, pages: int) -> Path:
    """One PDF of ``pages`` real corpus pages (the demo PDFs appended in turn)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    sources = [PdfReader(p) for p in text_pdfs()]
    while len(writer.pages) < pages:
        for reader in sources:
            for page in reader.pages:
                if len(writer.pages) < pages:
                    writer.add_page(page)
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def cold_ask(store: Path) -> float:
    env = _env() | {"RAG_STORE_DIR": str(store), "RAG_EMBEDDING_SOURCE": "offline"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rag", "ask", QUESTION, "--json",
                           "--backend", "extractive"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"rag ask failed:\n{proc.stderr[-3000:]}")
    json.loads(proc.stdout)
    return seconds


def cold_reingest(store: Path, files_dir: Path) -> float:
    env = _env() | {"RAG_STORE_DIR": str(store), "RAG_EMBEDDING_SOURCE": "offline",
                    "RAG_CHUNK_SIZE": str(CHUNK_SIZE), "RAG_CHUNK_OVERLAP": str(CHUNK_OVERLAP)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rag", "ingest", str(files_dir), "--json"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    out = json.loads(proc.stdout)
    if proc.returncode != 0 or out["ingested"] or out["failed"]:
        raise SystemExit(f"re-ingest was not a no-op:\n{proc.stdout[-2000:]}")
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-pages", type=int, default=200)
    ap.add_argument("--memory-pages", type=int, nargs=2, default=(30, 300))
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--skip-langchain", action="store_true")
    ap.add_argument("--skip-fp32", action="store_true",
                    help="no run with RAG_EMBEDDING_QUANTIZATION=none")
    ap.add_argument("--skip-torch", action="store_true",
                    help="no run with the torch backend at batch size 32")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of all pipelines, interleaved; the table shows each "
                         "pipeline's median run, plus every run and the per-round ratios")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        kind, *rest = args.worker
        paths = [Path(p) for p in rest]
        match kind:
            case "quelle":
                out = worker_quelle(paths[0], paths[1], rest[2])
            case "langchain":
                out = worker_langchain(*paths)
            case "memory":
                out = worker_memory(*paths)
            case "query":
                out = worker_query(paths[0], int(rest[1]))
            case _:
                raise SystemExit(f"unknown worker {kind}")
        print(json.dumps(out))
        return 0

    sys.path.insert(0, str(REPO))
    from rag.components.embeddings.offline_e5 import provision_offline_e5
    from rag.settings import Settings

    model_dir = provision_offline_e5(Settings(_env_file=None).cache_dir)  # type: ignore[call-arg]
    if not args.skip_langchain and not BENCH_PY.exists():
        raise SystemExit(f"{BENCH_PY} fehlt; Einrichtung siehe Kopf dieses Skripts.")
    load_before = os.getloadavg()
    results: dict = {"load_avg_start": load_before, "cores": len(os.sched_getaffinity(0))}
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        docs = tmp / "docs"
        docs.mkdir()
        results["pages_in_corpus"] = corpus_copies(docs, args.min_pages)
        pipelines = [("quelle", "default")]
        pipelines += [] if args.skip_fp32 else [("quelle_fp32", "fp32")]
        pipelines += [] if args.skip_torch else [("quelle_torch", "torch")]
        pipelines += [] if args.skip_langchain else [("langchain", "")]
        runs: dict[str, list[dict]] = {key: [] for key, _ in pipelines}
        # Interleaved rounds, so that a slow phase of the machine hits every pipeline.
        for round_ in range(max(1, args.repeat)):
            suffix = f"-{round_}" if round_ else ""
            for key, variant in pipelines:
                store = str(tmp / f"{key}-store{suffix}")
                if key == "langchain":
                    out = run_worker(BENCH_PY, "langchain", str(docs), store, str(model_dir))
                else:
                    out = run_worker(Path(sys.executable), "quelle", str(docs), store, variant)
                runs[key].append(out)
        for key, outs in runs.items():
            results[key] = sorted(outs, key=lambda o: o["ingest_s"])[len(outs) // 2]
        results["runs_ingest_s"] = {k: [o["ingest_s"] for o in v] for k, v in runs.items()}
        if "langchain" in runs:
            results["round_ratios"] = [lc["ingest_s"] / q["ingest_s"]
                                       for q, lc in zip(runs["quelle"], runs["langchain"],
                                                        strict=True)]
        results["cold_reingest_s"] = cold_reingest(tmp / "quelle-store", docs)
        results["cold_ask_s"] = cold_ask(tmp / "quelle-store")
        results["query"] = run_worker(Path(sys.executable), "query", str(tmp / "quelle-store"),
                                      str(args.queries))
        mem = {}
        for n in args.memory_pages:
            pdf = long_pdf(tmp / f"lang-{n}.pdf", n)
            mem[n] = run_worker(Path(sys.executable), "memory", str(pdf), str(tmp / f"m{n}"))
        results["memory"] = mem
    results["load_avg_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0


def print_table(r: dict) -> None:
    cols = [(name, r[key]) for name, key in (("Quelle", "quelle"), ("Quelle fp32", "quelle_fp32"),
                                             ("Quelle torch", "quelle_torch"),
                                             ("LangChain", "langchain")) if key in r]
    start, end = r["load_avg_start"], r["load_avg_end"]
    print(f"cores {r['cores']}, load average (1/5/15 min) at start {start[0]:.2f} / "
          f"{start[1]:.2f} / {start[2]:.2f}, at end {end[0]:.2f} / {end[1]:.2f} / {end[2]:.2f}")
    print(f"{'':30}" + "".join(f"{name:>13}" for name, _ in cols))
    rows = [
        ("pages", lambda x: f"{x['pages']:.0f}"),
        ("chunks", lambda x: f"{x['chunks']:.0f}"),
        ("model load s (not counted)", lambda x: f"{x['model_load_s']:.1f}"),
        ("ingest s", lambda x: f"{x['ingest_s']:.1f}"),
        ("pages/s", lambda x: f"{x['pages'] / x['ingest_s']:.2f}"),
        ("chunks/s", lambda x: f"{x['chunks'] / x['ingest_s']:.2f}"),
        ("peak RSS MB", lambda x: f"{x['peak_rss_mb']:.0f}"),
    ]
    if "langchain" in r:
        base = r["langchain"]["pages"] / r["langchain"]["ingest_s"]
        rows.append(("pages/s vs LangChain", lambda x: f"{x['pages'] / x['ingest_s'] / base:.2f}x"))
    for label, fmt in rows:
        print(f"{label:30}" + "".join(f"{fmt(x):>13}" for _, x in cols))
    if len(r["runs_ingest_s"]["quelle"]) > 1:
        print("median run of each pipeline above; every run's ingest s: " + "; ".join(
            f"{k} " + " ".join(f"{t:.1f}" for t in v) for k, v in r["runs_ingest_s"].items()))
        if "round_ratios" in r:
            ratios = sorted(r["round_ratios"])
            print("Quelle vs LangChain per round (same round, pages/s): "
                  + " ".join(f"{x:.2f}x" for x in r["round_ratios"])
                  + f", median {ratios[len(ratios) // 2]:.2f}x")
    q = r["quelle"]
    print(f"unchanged re-ingest: {q['reingest_s']:.2f} s in the warm process "
          f"({q['ingest_s'] / q['reingest_s']:.0f}x faster than the first ingest); "
          f"a fresh `rag ingest` process: {r['cold_reingest_s']:.1f} s (model load included)")
    for n, m in r["memory"].items():
        print(f"{n}-page PDF: {m['chunks']} chunks in {m['seconds']:.1f} s, RSS after model load "
              f"{m['rss_after_model_mb']:.0f} MB, peak during ingest "
              f"{m['peak_rss_during_ingest_mb']:.0f} MB")
    qq = r["query"]
    print(f"cold start `rag ask --backend extractive` (process start to answer): "
          f"{r['cold_ask_s']:.1f} s")
    print(f"warm ({qq['mode']}, {qq['queries']} questions): search p50 "
          f"{qq['search_p50_ms']:.0f} ms (max {qq['search_max_ms']:.0f}), extractive answer "
          f"p50 {qq['answer_p50_ms']:.0f} ms (max {qq['answer_max_ms']:.0f})")


if __name__ == "__main__":
    sys.exit(main())
