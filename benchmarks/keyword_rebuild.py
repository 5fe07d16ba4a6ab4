"""What the per-worker keyword index costs each `rag serve` worker: rebuilding it from the
chunk texts (when the file does not match the store), loading the saved file (every worker
start), the first query (lazy postings), and the memory it holds, at 10k–100k chunks.

Chunk texts are synthesised from the DPR dev passages as in retrieval_scale.py (two to
three sentences of two random passages, shuffled). Each size runs in fresh processes, so the
resident-memory growth is the index's own. Chroma's read of the texts is not included.

    python benchmarks/keyword_rebuild.py \
        --dataset ../shared/data/wikipedia-de-dpr/dpr-de-dev.jsonl.gz [--sizes 10000,30000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERY = "Wann wurde die Universität gegründet und wer war ihr erster Rektor?"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_build(texts_file: Path, folder: Path) -> dict:
    from rag.components.keyword.index import KeywordIndex

    texts = json.loads(texts_file.read_text("utf-8"))
    before = rss_mb()
    kw = KeywordIndex(folder)
    t0 = time.perf_counter()
    kw.rebuild((f"d:{i}:0", t) for i, t in enumerate(texts))
    kw.query(QUERY)  # postings are built lazily: part of a rebuild's cost to the first search
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    kw.save()
    return {"rebuild_s": build, "save_s": time.perf_counter() - t0,
            "rebuild_rss_mb": rss_mb() - before,
            "file_mb": sum(p.stat().st_size for p in folder.iterdir()) / 2**20}


def child_load(folder: Path) -> dict:
    from rag.components.keyword.index import KeywordIndex

    before = rss_mb()
    t0 = time.perf_counter()
    kw = KeywordIndex.open(folder)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    kw.query(QUERY)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(20):
        kw.query(QUERY)
    return {"load_s": load, "first_query_s": first,
            "query_ms": (time.perf_counter() - t0) / 20 * 1000,
            "loaded_rss_mb": rss_mb() - before, "chunks": len(kw)}


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": str(
                             Path(__file__).resolve().parent.parent)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", type=Path)
    ap.add_argument("--sizes", default="10000,30000,100000")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        res = child_build(Path(rest[0]), Path(rest[1])) if kind == "build" \
            else child_load(Path(rest[0]))
        print(json.dumps(res))
        return 0
    import numpy as np

    from benchmarks.retrieval_scale import load_dev, synthesise

    passages, _ = load_dev(args.dataset)
    print(f"load average: {os.getloadavg()}, cores: {os.cpu_count()}")
    print("| chunks | rebuild s | save s | load s | first query s | query ms | file MB | "
          "RSS after rebuild MB | RSS after load MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    fake = np.ones((len(passages), 2), dtype=np.float32)  # vectors are not needed here
    for n in (int(s) for s in args.sizes.split(",")):
        texts, _ = synthesise(passages, fake, n)
        with tempfile.TemporaryDirectory() as tmp:
            tf = Path(tmp) / "texts.json"
            tf.write_text(json.dumps(texts, ensure_ascii=False), "utf-8")
            folder = Path(tmp) / "kw"
            folder.mkdir()
            b = run_child("build", str(tf), str(folder))
            ld = run_child("load", str(folder))
        print(f"| {n:,} | {b['rebuild_s']:.1f} | {b['save_s']:.1f} | {ld['load_s']:.2f} | "
              f"{ld['first_query_s']:.2f} | {ld['query_ms']:.1f} | {b['file_mb']:.1f} | "
              f"{b['rebuild_rss_mb']:.0f} | {ld['loaded_rss_mb']:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
