"""The extractive refusal trade-off: answered correctly vs unanswerable refused, per threshold.

    RAG_ANSWER_THRESHOLD=0 rag eval answers --dataset corpora/qa.jsonl --json > answers.json
    python benchmarks/refusal_tradeoff.py answers.json --split test --png docs/refusal_tradeoff.png

With the threshold at 0 every question gets its best quote and its confidence; this script
then moves the threshold from 0 to 1 and prints (and draws) two shares: answerable questions
answered *with the gold answer text* and unanswerable questions refused. The model's fitted
threshold (``sentence_model.json``) is marked.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.eval.answers import Row, tradeoff  # noqa: E402

MODEL = REPO / "rag" / "components" / "llm" / "sentence_model.json"
W, H, PAD = 720, 420, 60


def draw(points: list[tuple[float, float, float]], fitted: float, path: Path, title: str) -> None:
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default()

    def xy(t: float, v: float) -> tuple[float, float]:
        return PAD + t * (W - 2 * PAD), H - PAD - v * (H - 2 * PAD)

    d.rectangle([xy(0, 1), xy(1, 0)], outline="#999999")
    for v in (0.25, 0.5, 0.75):
        d.line([xy(0, v), xy(1, v)], fill="#eeeeee")
        d.text((PAD - 32, xy(0, v)[1] - 6), f"{v:.2f}", fill="#555555", font=font)
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        d.text((xy(t, 0)[0] - 10, H - PAD + 6), f"{t:.2f}", fill="#555555", font=font)
    d.line([xy(fitted, 0), xy(fitted, 1)], fill="#d08000", width=2)
    d.text((xy(fitted, 1)[0] + 4, PAD - 16), f"angepasste Schwelle {fitted:.2f}",
           fill="#d08000", font=font)
    for idx, colour, label in ((1, "#1f6fb2", "beantwortet mit Gold-Antwort"),
                               (2, "#b2311f", "unbeantwortbare abgelehnt")):
        d.line([xy(p[0], p[idx]) for p in points], fill=colour, width=3)
        y = 14 + 16 * (idx - 1)
        d.line([(PAD, y + 6), (PAD + 24, y + 6)], fill=colour, width=3)
        d.text((PAD + 30, y), label, fill="#222222", font=font)
    d.text((W - PAD - 260, 14), title, fill="#222222", font=font)
    d.text((W // 2 - 80, H - 24), "Schwelle (Konfidenz)", fill="#222222", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("answers", type=Path, help="output of rag eval answers --json")
    ap.add_argument("--split", choices=("fit", "test"), default="test")
    ap.add_argument("--png", type=Path, default=None)
    args = ap.parse_args()
    rows = [Row(**r) for r in json.loads(args.answers.read_text("utf-8"))["rows"]
            if r["split"] == args.split and r["confidence"] is not None]
    fitted = float(json.loads(MODEL.read_text("utf-8"))["threshold"])
    points = tradeoff(rows)
    print("| threshold | answered with gold answer | unanswerable refused |")
    print("|---:|---:|---:|")
    for t, good, refused in points[::10]:
        print(f"| {t:.1f} | {good:.3f} | {refused:.3f} |")
    at = min(points, key=lambda p: abs(p[0] - fitted))
    print(f"fitted threshold {fitted:.3f}: {at[1]:.3f} answered with gold answer, "
          f"{at[2]:.3f} unanswerable refused ({args.split} part, {len(rows)} questions)")
    if args.png:
        draw(points, fitted, args.png, f"corpora/qa.jsonl, Teil {args.split}")
        print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
