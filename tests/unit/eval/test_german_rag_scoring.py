"""Scoring against hand-computed log-probabilities on the tiny Llama-3, lighteval's stderr,
batching, and the ``rag eval german-rag`` command on a local data folder."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rag.eval import german_rag
from rag.eval.german_rag import args as german_rag_args
from rag.eval.german_rag.hf import TransformersScorer, make_batches
from rag.eval.german_rag.scoring import (
    RowResult,
    ScoreRequest,
    TaskResult,
    average,
    mean_stderr,
    plan_sequences,
)
from rag.eval.german_rag.tasks import TASKS, make_example, render
from tests.support.paths import SHARED
from tests.support.tiny_llm import tiny_llama_dir

# shared/ lies beside the repository (in CI too).
DEV = SHARED / "data/wikipedia-de-dpr/ger-rag-eval-format-dev"

ROW1 = {
    "context": "Der Rhein fließt durch Köln und Düsseldorf. Er mündet in die Nordsee.",
    "choice_a": "Wo liegt Bonn?", "choice_b": "Durch welche Städte fließt der Rhein?",
    "choice_c": "Wer baute den Dom?", "choice_d": "Wann war die Flut?", "target": "B",
}
ROW4 = {"context": ROW1["context"], "question": "Wohin mündet der Rhein?", "target": "J"}


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    return tiny_llama_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def model_tok(tiny_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    model.eval()
    return model, AutoTokenizer.from_pretrained(tiny_dir)


def hand_logprob(model, ids: list[int], n_choice: int) -> float:
    """Sum over the choice tokens of log p(token | prefix), from full logits, in float64."""
    import torch

    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    total = 0.0
    for j in range(len(ids) - n_choice, len(ids)):
        row = logits[j - 1].tolist()
        m = max(row)
        lse = m + math.log(sum(math.exp(x - m) for x in row))
        total += row[ids[j]] - lse
    return total


def _request(tok, row, task, fmt):
    from rag.eval.german_rag.scoring import build_request

    ex = make_example(TASKS[task], 0, row)
    return build_request(render(ex, fmt, tok), ex.choices, tok)


@pytest.mark.parametrize("fmt", ["raw", "chat"])
@pytest.mark.parametrize(("task", "row"), [("task1", ROW1), ("task4", ROW4)])
def test_scores_equal_hand_computed_log_softmax(model_tok, task, row, fmt):
    model, tok = model_tok
    req = _request(tok, row, task, fmt)
    got = TransformersScorer(model, tok).score([req])[0]
    want = [hand_logprob(model, list(req.context + ch), len(ch)) for ch in req.choices]
    assert got == pytest.approx(want, abs=1e-5)
    assert max(range(len(want)), key=lambda i: (want[i], -i)) == RowResult(
        task, 0, 0, got, 0
    ).pred


@pytest.mark.parametrize("fmt", ["raw", "chat"])
def test_left_truncation_matches_lighteval_window(model_tok, fmt):
    model, tok = model_tok
    req = _request(tok, ROW1, "task1", fmt)
    max_len = 24
    assert len(req.context) > max_len
    got = TransformersScorer(model, tok, max_length=max_len).score([req])[0]
    # lighteval: input = (context + choice)[-max_length:]
    want = [hand_logprob(model, list(req.context + ch)[-max_len:], len(ch)) for ch in req.choices]
    assert got == pytest.approx(want, abs=1e-5)


def test_unequal_choices_fall_back_to_one_sequence_per_choice(model_tok):
    model, tok = model_tok
    ctx = tuple(tok.encode("Kontext: Der Rhein. Antwort:"))
    req = ScoreRequest(ctx, ((32,), (271, 33), (34, 35, 36)))
    assert len(plan_sequences(req, 0, 8192)) == 3
    got = TransformersScorer(model, tok).score([req])[0]
    want = [hand_logprob(model, list(ctx + ch), len(ch)) for ch in req.choices]
    assert got == pytest.approx(want, abs=1e-5)


def test_batching_padding_and_full_logit_path_do_not_change_scores(model_tok):
    model, tok = model_tok
    reqs = [_request(tok, ROW1, "task1", "raw"), _request(tok, ROW4, "task4", "chat"),
            _request(tok, ROW4, "task4", "raw")]
    one = TransformersScorer(model, tok, batch_size=1).score(reqs)
    padded = TransformersScorer(model, tok, batch_size=8).score(reqs)
    full = TransformersScorer(model, tok, batch_size=8)
    full._slice_ok = False  # models without 2-D logits_to_keep
    for a, b, c in zip(one, padded, full.score(reqs), strict=True):
        assert a == pytest.approx(b, abs=1e-5)
        assert a == pytest.approx(c, abs=1e-5)


def test_bfloat16_scores_follow_lighteval_arithmetic(tiny_dir):
    """log_softmax and the sum stay in the model dtype, as in lighteval."""
    import torch
    import torch.nn.functional as F
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.bfloat16).eval()
    req = _request(tok, ROW4, "task4", "chat")
    got = TransformersScorer(model, tok).score([req])[0]
    for ch, value in zip(req.choices, got, strict=True):
        ids = torch.tensor([list(req.context + ch)])
        with torch.no_grad():
            lp = F.log_softmax(model(ids).logits, dim=-1)[0]
        n = ids.shape[1]
        pos = torch.arange(n - len(ch) - 1, n - 1)
        want = lp[pos, torch.tensor(ch)].sum()
        assert want.dtype == torch.bfloat16
        # Same bf16 arithmetic; only the lm_head row blocking may differ (one bf16 step).
        assert abs(value - want.item()) <= 2 * torch.finfo(torch.bfloat16).eps * abs(want.item())


def test_make_batches_respects_the_bounds(model_tok):
    model, tok = model_tok
    reqs = [_request(tok, ROW1, "task1", "raw"), _request(tok, ROW4, "task4", "raw")] * 5
    items = [s for i, r in enumerate(reqs) for s in plan_sequences(r, i, 8192)]
    batches = make_batches(items, batch_size=3, max_tokens=200, vocab_size=128256, elt_bytes=4)
    assert sum(len(b.items) for b in batches) == len(items)
    for b in batches:
        assert len(b.items) <= 3
        assert b.width * len(b.items) <= 200 or len(b.items) == 1
        assert b.width == max(len(x.tokens) for x in b.items)
    widths = [b.width for b in batches]
    assert widths == sorted(widths, reverse=True)


# --- statistics ------------------------------------------------------------------------


def test_stderr_is_lightevals_sample_std_over_sqrt_n():
    assert mean_stderr([1.0, 0.0, 1.0, 1.0]) == pytest.approx(0.25)
    assert mean_stderr([1.0]) is None


def test_model_card_figures_follow_from_1000_rows_per_task():
    """With n = 1000 the published accs give exactly the published stderrs and averages."""
    results = []
    for task, correct in (("task1", 824), ("task2", 928), ("task3", 906), ("task4", 982)):
        r = TaskResult(task)
        r.rows = [RowResult(task, i, 0, [0.0, -1.0] if i < correct else [-1.0, 0.0], 1)
                  for i in range(1000)]
        results.append(r)
    assert [round(r.stderr, 4) for r in results] == [0.0120, 0.0082, 0.0092, 0.0042]
    acc, err = average(results)
    assert (round(acc, 3), round(err, 4)) == (0.910, 0.0084)


def test_first_argmax_wins_ties():
    assert RowResult("task1", 0, 0, [-1.0, -0.5, -0.5, -2.0], 1).pred == 1


# --- the command -----------------------------------------------------------------------


def _write_task(folder: Path, task: str, rows: list[dict]) -> None:
    pq.write_table(pa.Table.from_pylist(rows), folder / f"{task}_test.parquet")


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    german_rag_args.add_arguments(p)
    return p.parse_args(list(argv))


def test_command_json_details_limit_and_skipped(tiny_dir, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    rows1 = [dict(ROW1, choice_a=f"Frage {i}?", target="ABCD"[i % 4]) for i in range(5)]
    rows4 = [dict(ROW4, question=f"Frage {i}?", target="JN"[i % 2]) for i in range(5)]
    _write_task(data, "task1", rows1)
    _write_task(data, "task4", rows4)
    details = tmp_path / "out" / "details.jsonl"
    rc = german_rag.run(_args("--model", str(tiny_dir), "--data", str(data), "--limit", "3",
                              "--prompt-format", "raw", "--json", "--details", str(details)))
    out, err = capsys.readouterr()
    assert rc == 0
    res = json.loads(out)
    assert set(res) == {"task1", "task4", "average"}
    assert res["task1"]["n"] == 3 and res["task4"]["n"] == 3
    assert set(res["task1"]) == {"acc", "stderr", "n"} and set(res["average"]) == {"acc", "stderr"}
    assert "task2 übersprungen" in err and "task3 übersprungen" in err
    lines = [json.loads(x) for x in details.read_text(encoding="utf-8").splitlines()]
    assert [(x["task"], x["row"]) for x in lines] == [
        ("task1", 0), ("task1", 1), ("task1", 2), ("task4", 0), ("task4", 1), ("task4", 2)
    ]
    first = lines[0]
    assert set(first) == {"task", "row", "pred", "gold", "logprobs", "context_tokens"}
    assert first["gold"] == "A" and lines[1]["gold"] == "B"  # file order, not shuffled
    assert len(first["logprobs"]) == 4 and len(lines[3]["logprobs"]) == 2
    assert first["pred"] == "ABCD"[first["logprobs"].index(max(first["logprobs"]))]
    acc1 = sum(x["pred"] == x["gold"] for x in lines[:3]) / 3
    assert res["task1"]["acc"] == pytest.approx(acc1)
    assert res["average"]["acc"] == pytest.approx((res["task1"]["acc"] + res["task4"]["acc"]) / 2)


def test_command_table_in_model_card_layout(tiny_dir, capsys):
    if not DEV.is_dir():
        pytest.skip("offline dev set not present")
    rc = german_rag.run(_args("--model", str(tiny_dir), "--data", str(DEV), "--limit", "2",
                              "--tasks", "task4,task3"))
    out, err = capsys.readouterr()
    assert rc == 0
    assert "Format: chat" in err  # the tokenizer has a chat template: lighteval's default
    lines = out.splitlines()
    assert lines[0].startswith("|Task") and "|Metric|Value|   |Stderr|" in lines[0]
    assert lines[2].startswith("|german_rag_eval:context_question_match (task4)|acc")
    assert "±" in lines[2]
    assert lines[3].startswith("|average (1 von 4 Aufgaben)")
    assert "Übersprungen (keine Daten): task3" in out


def test_command_errors_are_clear(tmp_path, capsys):
    assert german_rag.run(_args("--model", "x", "--tasks", "task9")) == 2
    assert "Unbekannte Aufgabe" in capsys.readouterr().err
    assert german_rag.run(_args("--model", "x", "--data", str(tmp_path))) == 2
    assert "Keine Aufgabe mit Daten" in capsys.readouterr().err


def test_hub_data_without_datasets_package_says_what_to_install(capsys):
    try:
        import datasets  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("datasets is installed")
    assert german_rag.run(_args("--model", "x")) == 2
    err = capsys.readouterr().err
    assert "datasets" in err and "--data" in err


def test_rag_cli_runs_german_rag(tiny_dir, tmp_path, capsys, monkeypatch):
    from rag.cli import main
    from rag.settings import get_settings
    from ui.quality_view import german_rag_frame, load_german_rag

    monkeypatch.setenv("RAG_STORE_DIR", str(tmp_path / "store"))
    get_settings.cache_clear()
    data = tmp_path / "data"
    data.mkdir()
    _write_task(data, "task4", [ROW4, dict(ROW4, target="N")])
    try:
        rc = main(["eval", "german-rag", "--model", str(tiny_dir), "--data", str(data),
                   "--tasks", "task4", "--json", "--save"])
        assert rc == 0
        out, err = capsys.readouterr()
        printed = json.loads(out)
        assert printed["task4"]["n"] == 2
        # --save leaves the result where the app's quality page reads it.
        saved = load_german_rag(get_settings())
    finally:
        get_settings.cache_clear()
    assert "Qualitätsseite gespeichert" in err
    assert saved is not None and saved["task4"] == printed["task4"]
    assert saved["_meta"]["model"] == str(tiny_dir)
    frame = german_rag_frame(saved)
    assert list(frame["Aufgabe"]) == ["task4", "Durchschnitt"]
