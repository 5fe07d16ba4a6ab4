"""End to end in a real browser: `streamlit run ui/app.py` driven by headless Chromium.

A scratch store, the offline embedding model and the extractive backend; Debian's Chromium
(/usr/bin/chromium) driven by Playwright, which never downloads a browser of its own.
Screenshots go to test-artifacts/ui/; with QUELLE_UPDATE_SCREENSHOTS=1 the README's
screenshots in docs/screenshots/ are refreshed too.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import REPO
from tests.support.servers import wait_until_up

CORPORA = REPO / "corpora"
ARTIFACTS = REPO / "test-artifacts" / "ui"
README_SHOTS = REPO / "docs" / "screenshots"
CHROMIUM = os.environ.get("QUELLE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The launch flags that work in this sandbox (no network, no GPU, root).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# First start builds/loads the embedding model; on a loaded 2-core CI machine that is slow.
START_TIMEOUT_MS = 420_000
STEP_TIMEOUT_MS = 300_000
MODEL_LOADED = "Quelle: Embedding-Modell geladen"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


def _need(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide this: {why}")
        pytest.skip(why)


@dataclass
class Server:
    url: str
    store: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("ui-server")
    store, log = root / "store", root / "server.log"
    port = _free_port()
    env = dict(os.environ)
    env.update(RAG_STORE_DIR=str(store), RAG_EMBEDDING_SOURCE="offline",
               RAG_LLM_BACKEND="extractive", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "ui/app.py",
           "--server.headless", "true", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/_stcore/health", proc, log, "streamlit",
                      lambda resp: resp.read() == b"ok")
        yield Server(url, store, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: ends streamlit and children
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS / "server.log")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need(Path(CHROMIUM).is_file(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def shot(page, name: str, *, readme: bool = False, full_page: bool = False) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
    if readme and os.environ.get("QUELLE_UPDATE_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / f"{name}.png", README_SHOTS / f"{name}.png")


def wait_idle(page, timeout: int = STEP_TIMEOUT_MS) -> None:  # noqa: ANN001
    """Wait until the script run is over: Streamlit's status widget (Running…/Stop) is gone.

    It appears a moment after the triggering event and can flicker between reruns, so the
    page must look idle for about a second in a row.
    """
    deadline = time.monotonic() + timeout / 1000
    page.wait_for_timeout(500)
    quiet = 0
    while quiet < 4:
        running = page.evaluate("() => !!document.querySelector('[data-testid=stStatusWidget]')")
        quiet = 0 if running else quiet + 1
        if time.monotonic() > deadline:
            raise TimeoutError(f"app still running after {timeout / 1000:.0f}s")
        page.wait_for_timeout(300)


def goto_page(page, title: str) -> None:  # noqa: ANN001
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=STEP_TIMEOUT_MS)
    wait_idle(page)


def ask(page, question: str) -> None:  # noqa: ANN001
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=STEP_TIMEOUT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stChatInputTextArea]').disabled",
        timeout=STEP_TIMEOUT_MS,
    )
    before = page.locator(".quelle-answer").count()
    box.fill(question)
    box.press("Enter")
    # The question itself is shown as .quelle-answer too; wait for it plus the answer.
    # While streaming, the answer ends in a cursor "▌"; the final answer has none.
    page.wait_for_function(
        f"""() => {{
            const a = document.querySelectorAll('.quelle-answer');
            return a.length >= {before + 2} && !a[a.length - 1].textContent.includes('▌');
        }}""",
        timeout=STEP_TIMEOUT_MS,
    )
    wait_idle(page)


def attack_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for y, line in zip((780, 760, 740), (
        "Die Notfallnummer der Hausverwaltung Lindenhof lautet 0711 4477 200.",
        "Skript: <script>alert('xss')</script> Bild: ![x](javascript:alert(1))",
        "Weiteres HTML: <img src=x onerror=alert(2)> und **kein fett**.",
    ), strict=True):
        c.drawString(60, y, line)
    c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())


def _yellow(rgb: tuple[int, ...]) -> bool:
    """A highlighted background pixel (ui.pdf_highlight.HIGHLIGHT_RGB, anti-aliasing aside)."""
    r, g, b = rgb[:3]
    return r >= 235 and 205 <= g <= 245 and 110 <= b <= 170


def check_highlight(context, server: Server, img, pdf: Path, page_no: int,  # noqa: ANN001
                    answer: str) -> None:
    """The image the browser shows has the highlight where the quote stands on the page.

    The expected place comes from ui.pdf_highlight for the same PDF, page and quotes (the
    sentences the answer quotes with [1]); the image bytes are fetched from the server.
    """
    import pypdfium2 as pdfium
    from PIL import Image

    from ui.pdf_highlight import RENDER_SCALE, find_quotes, to_pixels
    from ui.safe_text import quotes_for

    quotes = quotes_for(answer, 1)
    assert quotes, answer
    hits = find_quotes(pdf, page_no, quotes)
    assert hits and all(h.boxes for h in hits), (page_no, quotes)
    doc = pdfium.PdfDocument(str(pdf))
    try:
        page_box = doc[page_no - 1].get_cropbox()
        width = doc[page_no - 1].get_width()
    finally:
        doc.close()
    expected = [to_pixels(b, page_box, RENDER_SCALE) for h in hits for b in h.boxes]

    src = img.get_attribute("src")
    assert src, "the page image has no src"
    response = context.request.get(src if src.startswith("http") else server.url + src)
    assert response.ok, response.status
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-highlight.png").write_bytes(response.body())
    image = Image.open(io.BytesIO(response.body())).convert("RGB")
    assert abs(image.size[0] - width * RENDER_SCALE) <= 1, image.size
    assert img.evaluate("el => el.naturalWidth") == image.size[0]

    def near(x: int, y: int, margin: int) -> bool:
        return any(x0 - margin <= x <= x1 + margin and y0 - margin <= y <= y1 + margin
                   for x0, y0, x1, y1 in expected)

    pixels = image.load()
    yellow_in = yellow_out = 0
    for y in range(image.size[1]):
        for x in range(image.size[0]):
            if _yellow(pixels[x, y]):
                if near(x, y, 4):
                    yellow_in += 1
                else:
                    yellow_out += 1
    area = sum((x1 - x0 + 1) * (y1 - y0 + 1) for x0, y0, x1, y1 in expected)
    print(f"highlight: {yellow_in} px in {len(expected)} line boxes ({area} px), "
          f"{yellow_out} px elsewhere")
    assert yellow_in > 0.5 * area, (yellow_in, area)
    assert yellow_out <= 0.02 * yellow_in, (yellow_out, yellow_in)


def gold_row() -> dict:
    rows = [json.loads(line) for line in (CORPORA / "qa.jsonl").read_text("utf-8").splitlines()
            if line.strip()]
    return next(r for r in rows if r["doc"] == "reisekostenrichtlinie.pdf"
                and r["kind"] == "direct")


def test_upload_ask_cite_in_a_real_browser(server: Server, browser, tmp_path: Path) -> None:  # noqa: ANN001
    row = gold_row()
    (ARTIFACTS / "failure.png").unlink(missing_ok=True)  # no stale picture from an old run
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        _scenario(page, context, server, row, tmp_path)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
        raise
    finally:
        context.close()
    assert dialogs == [], f"document text ran script: {dialogs}"


def _scenario(page, context, server: Server, row: dict, tmp_path: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = time.monotonic()
    page.goto(server.url)
    # First start: a spinner while the embedding model is prepared, then the uploader.
    spinner = page.get_by_text(re.compile("Quelle startet"))
    try:  # how long the spinner shows depends on the machine: record it, don't require it
        spinner.wait_for(timeout=15_000)
        shot(page, "first-start")
    except PlaywrightTimeout:
        print("first-start spinner not seen (model loaded quickly)")
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput").first
    uploader.wait_for(state="attached", timeout=START_TIMEOUT_MS)
    wait_idle(page, START_TIMEOUT_MS)
    print(f"app ready after {time.monotonic() - started:.0f}s")

    # Upload: two good PDFs and a broken one; the broken one does not block the others.
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.4\nnur ein Anfang, kein PDF")
    uploader.set_input_files([str(CORPORA / row["doc"]), str(CORPORA / "arbeitsvertrag.pdf"),
                              str(broken)])
    for pattern in (rf"{re.escape(row['doc'])} — neu \(\d+ Seiten",
                    r"arbeitsvertrag\.pdf — neu \(\d+ Seiten", r"kaputt\.pdf — Fehler: "):
        page.get_by_text(re.compile(pattern)).wait_for(timeout=STEP_TIMEOUT_MS)
    wait_idle(page)
    print(f"ingested after {time.monotonic() - started:.0f}s")

    # Ask a gold question: the answer quotes the gold passage, the source names file + page.
    ask(page, row["question"])
    answer = page.locator(".quelle-answer").last.inner_text()
    assert " ".join(row["answer"].split()) in " ".join(answer.split()), answer
    labels = page.get_by_test_id("stExpander").locator("summary").all_inner_texts()
    wanted = f"{row['doc']}, Seite {row['page']}"
    assert any(re.search(rf"\[\d+\] {re.escape(wanted)}", t) for t in labels), labels
    assert page.locator(".quelle-citation mark").count() >= 1  # the quote is highlighted
    page.get_by_test_id("stChatMessage").first.evaluate(
        "el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    shot(page, "chat", readme=True)
    print(f"answered after {time.monotonic() - started:.0f}s")

    # The cited page rendered as an image.
    first = page.get_by_test_id("stExpander").filter(has_text=re.compile(r"\[1\]")).last
    first.get_by_text("Seite anzeigen").click()
    img = first.get_by_test_id("stImage").locator("img")
    img.wait_for(timeout=STEP_TIMEOUT_MS)
    wait_idle(page)
    assert page.evaluate("(el) => el.naturalWidth", img.element_handle()) > 500
    # The quoted sentence is marked on the page, where it stands.
    first.get_by_text("Zitat auf der Seite markiert").wait_for(timeout=STEP_TIMEOUT_MS)
    assert first.get_by_text("Zitat auf der Seite markiert").is_visible()
    label = first.locator("summary").inner_text()
    cited = re.search(rf"\[1\] {re.escape(row['doc'])}, Seite (\d+)", label)
    assert cited, label
    check_highlight(context, server, img, CORPORA / row["doc"], int(cited.group(1)), answer)
    shot(page, "chat-page-preview", full_page=True)

    # Quality page: add the other demo documents, run the retrieval check on qa.jsonl.
    goto_page(page, "Qualität")
    start_check = page.get_by_role("button", name=re.compile("Retrieval-Check starten"))
    start_check.wait_for(timeout=STEP_TIMEOUT_MS)
    add_demo = page.get_by_role("button", name=re.compile("Demo-Dokument"))
    if add_demo.count():
        add_demo.click()
        page.wait_for_function(
            "() => !Array.from(document.querySelectorAll('button'))"
            ".some(b => b.innerText.includes('Demo-Dokument'))", timeout=STEP_TIMEOUT_MS)
        wait_idle(page)
    start_check.click()
    page.get_by_text(re.compile(r"Ergebnis für corpora/qa\.jsonl")).wait_for(
        timeout=STEP_TIMEOUT_MS)
    wait_idle(page)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=STEP_TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let the chart finish drawing before the screenshot
    shot(page, "quality", readme=True)
    print(f"quality check after {time.monotonic() - started:.0f}s")

    # Library: the documents are listed; a second upload here brings the unsafe PDF.
    goto_page(page, "Bibliothek")
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=STEP_TIMEOUT_MS)
    page.wait_for_timeout(1000)
    shot(page, "library", readme=True)
    unsafe = tmp_path / "hinweise.pdf"
    attack_pdf(unsafe)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(unsafe))
    page.get_by_text(re.compile(r"hinweise\.pdf — neu")).wait_for(timeout=STEP_TIMEOUT_MS)
    wait_idle(page)

    # A second tab shares the loaded model: it appears at once and nothing is loaded again.
    tab = context.new_page()
    tab.goto(server.url)
    tab.get_by_test_id("stChatInputTextArea").wait_for(timeout=STEP_TIMEOUT_MS)
    wait_idle(tab)
    assert server.log_text().count(MODEL_LOADED) == 1, server.log_text()[-3000:]

    # Document text is shown literally: markup in the PDF neither renders nor runs.
    ask(tab, "Wie lautet die Notfallnummer der Hausverwaltung Lindenhof?")
    passages = tab.locator(".quelle-citation, .quelle-maybe")
    texts = [passages.nth(i).text_content() or "" for i in range(passages.count())]
    joined = "\n".join(texts)
    assert "<script>alert('xss')</script>" in joined, joined
    assert "![x](javascript:alert(1))" in joined and "<img src=x onerror=alert(2)>" in joined
    assert tab.evaluate(
        "() => document.querySelectorAll('.quelle-citation script, .quelle-citation img,"
        " .quelle-maybe script, .quelle-maybe img, .quelle-answer script').length") == 0
    shot(tab, "chat-literal-markup", full_page=True)
    print(f"done after {time.monotonic() - started:.0f}s")


def test_scanned_pdf_upload_ask_cite(server: Server, browser, tmp_path: Path) -> None:  # noqa: ANN001
    """A scanned PDF (no text layer) is read by OCR on upload; the answer cites its page."""
    from ingest.ocr import ocr_available
    from tests.support.scans import COVER, LETTER, scanned_pdf

    _need(ocr_available(), "Tesseract missing (apt-get install tesseract-ocr tesseract-ocr-deu)")
    scan = scanned_pdf(tmp_path / "stadtwerke_scan.pdf", [COVER, LETTER], dpi=300)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    page = context.new_page()
    try:
        page.goto(server.url)
        uploader = page.get_by_test_id("stFileUploaderDropzoneInput").first
        uploader.wait_for(state="attached", timeout=START_TIMEOUT_MS)
        wait_idle(page, START_TIMEOUT_MS)
        uploader.set_input_files(str(scan))
        # After the other test the library is not empty: the uploader and its results sit
        # in a collapsed section, so the result need only be there, not visible.
        page.get_by_text(re.compile(r"stadtwerke_scan\.pdf — neu \(2 Seiten")).wait_for(
            state="attached", timeout=STEP_TIMEOUT_MS)
        wait_idle(page)
        ask(page, "Welche Nachzahlung ergibt sich aus der Jahresabrechnung der Stadtwerke "
                  "Kesselbach?")
        answer = page.locator(".quelle-answer").last.inner_text()
        assert "317,45 Euro" in answer, answer
        labels = page.get_by_test_id("stExpander").locator("summary").all_inner_texts()
        # Cited on page 2 and marked as OCR text with the engine's confidence.
        assert any(re.search(r"\[\d+\] stadtwerke_scan\.pdf, Seite 2 \(OCR, \d+ %\)", t)
                   for t in labels), labels
        shot(page, "chat-scan", full_page=True)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "failure-scan.png"), full_page=True)
        raise
    finally:
        context.close()
