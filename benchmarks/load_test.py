"""Bounded load test of `rag serve` on loopback: N workers, C concurrent clients, a mix of
search, ask (extractive) and upload for a fixed time (and at most a fixed request count),
against the embedded store and against a `chroma run` server.

Prints p50/p95 latency per request kind and the error count (must be 0), then checks the
store: every uploaded document is there exactly once, with the chunk count a clean ingest of
the same file gives, and Chroma, the keyword index and the registry agree (no orphans).

    python benchmarks/load_test.py [--stores embedded,chroma] [--workers 4] [--clients 32]
                                   [--seconds 60] [--max-requests 20000]

Everything runs in a temporary folder on 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
KEY = "lasttest-schluessel"
TOPICS = ("Reisekosten", "Urlaub", "Datenschutz", "Arbeitszeit", "Fortbildung", "Dienstwagen",
          "Homeoffice", "Kündigung", "Betriebsrat", "Arbeitsschutz", "Parkplätze", "Kantine",
          "Gleitzeit", "Bereitschaft", "Telefonie", "Schlüssel")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def upload_docs(n: int) -> list[tuple[str, bytes]]:
    """``n`` distinct German text documents (a few chunks each)."""
    docs = []
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        paras = [f"Regelung {i}.{j} zu {topic}: Für den Standort {i * 7 + j} gilt, dass "
                 f"Anträge zu {topic} bis zum {j + 3}. Werktag beim Referat {i % 5} "
                 f"einzureichen sind. Ausnahmen genehmigt die Leitung der Abteilung {j}. "
                 f"Die Frist beträgt {i + j + 2} Wochen; danach verfällt der Anspruch "
                 f"auf {topic} für das laufende Jahr." for j in range(6)]
        docs.append((f"regelung_{i:02d}_{topic.lower()}.txt",
                     (f"# {topic} (Regelung {i})\n\n" + "\n\n".join(paras)).encode("utf-8")))
    return docs


def questions() -> list[str]:
    rows = [json.loads(line) for line in (REPO / "corpora" / "qa.jsonl").read_text(
        "utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows]


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def wait_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server ended:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"server did not start:\n{log.read_text()[-3000:]}")


async def wait_job(client: httpx.AsyncClient, job_id: str) -> dict:
    while True:
        job = (await client.get(f"/v1/jobs/{job_id}")).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.5)


async def drive(url: str, args: argparse.Namespace, docs: list[tuple[str, bytes]]) -> dict:
    qs = questions()
    lat: dict[str, list[float]] = {"search": [], "ask": [], "upload": []}
    errors: list[str] = []
    jobs: list[str] = []
    uploaded: set[str] = set()
    budget = [args.max_requests]
    deadline = time.monotonic() + args.seconds
    # No keep-alive: each request's connection goes to whichever worker accepts it first.
    # Kept-alive connections stay with the worker that took them at the start, and the
    # kernel hands those out unevenly (one of four workers got none in a trial run).
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits,
                                 headers={"Authorization": f"Bearer {KEY}"}) as client:

        async def one(rng: random.Random) -> None:
            while time.monotonic() < deadline and budget[0] > 0:
                budget[0] -= 1
                r = rng.random()
                kind = "upload" if r < args.upload_share else \
                    "ask" if r < args.upload_share + args.ask_share else "search"
                t0 = time.perf_counter()
                try:
                    if kind == "search":
                        resp = await client.post("/v1/search", json={"query": rng.choice(qs)})
                    elif kind == "ask":
                        resp = await client.post("/v1/ask", json={"question": rng.choice(qs)})
                    else:
                        batch = rng.sample(docs, 2)
                        resp = await client.post(
                            "/v1/collections/quelle/documents",
                            files=[("files", (n, b, "text/plain")) for n, b in batch])
                        if resp.status_code == 202:
                            jobs.append(resp.json()["job_id"])
                            uploaded.update(n for n, _ in batch)
                    if resp.status_code >= 300:
                        errors.append(f"{kind} {resp.status_code} {resp.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{kind} {type(exc).__name__}: {exc}")
                lat[kind].append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(one(random.Random(i)) for i in range(args.clients)))
        elapsed = time.perf_counter() - started
        t0 = time.perf_counter()
        finished = [await wait_job(client, j) for j in jobs]
        drain = time.perf_counter() - t0
        for job in finished:
            for f in job["files"]:
                if f["status"] == "failed":
                    errors.append(f"job {job['id']}: {f['error']}")
        listed = (await client.get("/v1/collections/quelle/documents")).json()
    return {"lat": lat, "errors": errors, "elapsed": elapsed, "jobs": len(jobs),
            "drain_s": drain, "uploaded": sorted(uploaded), "listed": listed}


def tree_rss_mb(pid: int) -> list[float]:
    """Resident memory (MB) of ``pid``'s child processes (the uvicorn workers)."""
    out = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        for stat in Path(f"/proc/{child}/status").read_text().splitlines():
            if stat.startswith("VmRSS:"):
                out.append(int(stat.split()[1]) / 1024)
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 \
        else values[0]


def clean_chunks(docs: list[tuple[str, bytes]], names: list[str], env: dict[str, str],
                 root: Path) -> dict[str, int]:
    """Chunk counts of a clean, sequential `rag ingest` of the same files."""
    folder = root / "sauber"
    folder.mkdir()
    by_name = dict(docs)
    for n in names:
        (folder / n).write_bytes(by_name[n])
    store = root / "sauber-store"
    clean_env = {**env, "RAG_STORE_DIR": str(store)}
    clean_env.pop("RAG_CHROMA_HOST", None)
    subprocess.run([sys.executable, "-m", "rag", "ingest", str(folder), "--json"],
                   env=clean_env, check=True, capture_output=True, timeout=1800)
    out = subprocess.run([sys.executable, "-m", "rag", "docs", "list", "--json"],
                         env=clean_env, check=True, capture_output=True, text=True)
    return {d["source"]: d["chunks"] for d in json.loads(out.stdout)}


def consistency(env: dict[str, str]) -> str:
    """Chroma ids == the registry's live chunks == the keyword index (after the run)."""
    code = (
        "from rag.index import Index\n"
        "from rag.settings import Settings\n"
        "i = Index(Settings())\n"
        "live = {f'{d.chunk_prefix}:{n}' for d in i.documents() for n in range(d.chunks)}\n"
        "ids = i.store.chunk_ids()\n"
        "ok = set(ids) == live and len(ids) == len(set(ids)) and i.keyword.ids() == live\n"
        "print('ok' if ok else f'MISMATCH chroma={len(ids)} live={len(live)} '\n"
        "      f'keyword={len(i.keyword.ids())}')\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=600)
    return out.stdout.strip() or out.stderr[-500:]


def run_one(store_kind: str, args: argparse.Namespace, root: Path) -> dict:
    root = root / store_kind
    root.mkdir()
    env = {**os.environ, "RAG_STORE_DIR": str(root / "store"), "RAG_EMBEDDING_SOURCE": "offline",
           "RAG_LLM_BACKEND": "extractive", "RAG_API_KEYS": KEY, "PYTHONPATH": str(REPO)}
    for name in ("RAG_COLLECTION", "RAG_CHROMA_HOST", "RAG_API_KEYS_FILE"):
        env.pop(name, None)
    procs = []
    try:
        if store_kind == "chroma":
            cport = free_port()
            chroma = start([shutil.which("chroma") or "chroma", "run", "--path",
                            str(root / "chroma"), "--host", "127.0.0.1", "--port", str(cport)],
                           env, root / "chroma.log")
            procs.append(chroma)
            wait_up(f"http://127.0.0.1:{cport}/api/v2/heartbeat", chroma, root / "chroma.log")
            env.update(RAG_CHROMA_HOST="127.0.0.1", RAG_CHROMA_PORT=str(cport))
        port = free_port()
        server = start([sys.executable, "-m", "rag", "serve", "--port", str(port), "--workers",
                        str(args.workers)], env, root / "server.log")
        procs.append(server)
        url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        wait_up(f"{url}/healthz", server, root / "server.log")
        # The demo corpus first, so that search and ask have something to find.
        corpus = [p for p in sorted((REPO / "corpora").iterdir())
                  if p.suffix in (".pdf", ".md") and p.name != "README.md"]
        with httpx.Client(base_url=url, timeout=600,
                          headers={"Authorization": f"Bearer {KEY}"}) as c:
            resp = c.post("/v1/collections/quelle/documents",
                          files=[("files", (p.name, p.read_bytes())) for p in corpus])
            resp.raise_for_status()
            while (job := c.get(f"/v1/jobs/{resp.json()['job_id']}").json())["status"] not in (
                    "done", "failed"):
                time.sleep(0.5)
            assert job["ok"], job
            # One search per worker process would be needed to warm all of them; a few
            # rounds make it likely every worker has its index open.
            for _ in range(4 * args.workers):
                c.post("/v1/search", json={"query": "Probezeit"}).raise_for_status()
        startup = time.perf_counter() - t0
        docs = upload_docs(args.docs)
        result = asyncio.run(drive(url, args, docs))
        result["worker_rss_mb"] = tree_rss_mb(server.pid)
        stop(server)
        procs.remove(server)
        listed = {d["source"]: d["chunks"] for d in result["listed"]}
        sources = [d["source"] for d in result["listed"]]
        clean = clean_chunks(docs, result["uploaded"], env, root)
        result.update(
            store=store_kind, startup_s=startup,
            duplicates=len(sources) - len(set(sources)),
            missing=[n for n in result["uploaded"] if n not in listed],
            chunk_mismatch={n: (listed.get(n), c) for n, c in clean.items()
                            if listed.get(n) != c},
            consistency=consistency(env),
            load=os.getloadavg())
        return result
    finally:
        for p in procs:
            stop(p)


def report(r: dict, args: argparse.Namespace) -> None:
    lat = r["lat"]
    n = sum(len(v) for v in lat.values())
    print(f"\n== {r['store']}: {args.workers} workers, {args.clients} clients, "
          f"{r['elapsed']:.0f} s, {n} requests ({n / r['elapsed']:.1f}/s), "
          f"load after {r['load'][0]:.1f}")
    print("| kind | requests | p50 s | p95 s |")
    print("|---|---:|---:|---:|")
    for kind, values in lat.items():
        print(f"| {kind} | {len(values)} | {pct(values, 50):.3f} | {pct(values, 95):.3f} |")
    print(f"errors: {len(r['errors'])}; server start incl. corpus ingest {r['startup_s']:.0f} s; "
          "worker RSS MB: " + ", ".join(f"{m:.0f}" for m in r["worker_rss_mb"]))
    for e in r["errors"][:10]:
        print("  ", e)
    print(f"upload jobs: {r['jobs']}, all finished {r['drain_s']:.0f} s after the run; "
          f"documents uploaded: {len(r['uploaded'])}, missing: {r['missing']}, "
          f"listed twice: {r['duplicates']}, chunk counts != clean ingest: "
          f"{r['chunk_mismatch'] or 'none'}; store consistency: {r['consistency']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stores", default="embedded,chroma")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-requests", type=int, default=20000)
    ap.add_argument("--docs", type=int, default=16, help="distinct documents to upload")
    ap.add_argument("--upload-share", type=float, default=0.05)
    ap.add_argument("--ask-share", type=float, default=0.35)
    ap.add_argument("--keep", type=Path, default=None,
                    help="work (stores, server logs) in this folder and keep it")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    bad = False
    with tempfile.TemporaryDirectory(prefix="quelle-load-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for kind in args.stores.split(","):
            r = run_one(kind, args, work)
            report(r, args)
            bad |= bool(r["errors"] or r["missing"] or r["duplicates"] or r["chunk_mismatch"]
                        or r["consistency"] != "ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
