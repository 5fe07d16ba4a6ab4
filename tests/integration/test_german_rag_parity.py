"""Parity: lighteval 0.13.0 itself vs our harness on the tiny Llama-3, same rows.

Runs lighteval's own Pipeline with its german_rag task configs (only the dataset location
changed) and asserts, for every row of all four tasks in raw and chat format: the same prompt
string, identical context and choice token ids, per-choice log-probabilities equal to 1e-4,
identical predictions, and the same acc / stderr / average.

Needs lighteval, which lives in its own venv: run ``.ci/lighteval_parity.sh``. In the normal
suite this module is skipped unless lighteval is importable; QUELLE_REQUIRE_LIGHTEVAL=1 (set by
the script) turns the skip into a failure. Task 3 has no offline data, so its 8 rows are
synthesised from the task 1 dev rows (question/answer pairs), enough to check its prompt.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

if os.environ.get("QUELLE_REQUIRE_LIGHTEVAL") == "1":
    import lighteval  # noqa: F401  (must be importable in the parity venv)
else:
    pytest.importorskip("lighteval")

from rag.eval.german_rag import EvalConfig, evaluate_task, prepare  # noqa: E402
from rag.eval.german_rag.scoring import average  # noqa: E402
from rag.eval.german_rag.tasks import TASKS  # noqa: E402
from rag.settings import SYSTEM_PROMPT_DE  # noqa: E402
from tests.support.paths import SHARED
from tests.support.tiny_llm import tiny_llama_dir  # noqa: E402

pytestmark = pytest.mark.slow

# shared/ lies beside the repository (in CI too).
DEV = SHARED / "data/wikipedia-de-dpr/ger-rag-eval-format-dev"
N_ROWS = 8
README = """---
configs:
{configs}
---
Eight rows per task for the lighteval parity test.
"""

# (id, prompt format, system prompt, max_length): the last one forces left truncation.
RUNS = [
    ("raw", "raw", None, None),
    ("chat", "chat", None, None),
    ("chat-system-truncated", "chat", SYSTEM_PROMPT_DE, 200),
]


def _rows(task: str) -> list[dict]:
    if task == "task3":
        # No offline task 3: pair a question with a sentence of its own context (J) or of
        # another row's context (N).
        src = pq.read_table(DEV / "task1_test.parquet").slice(0, N_ROWS).to_pylist()
        out = []
        for i, r in enumerate(src):
            q = r["choice_" + r["target"].lower()]
            own = i % 2 == 0
            ctx = src[i if own else (i + 1) % N_ROWS]["context"]
            out.append({"question": q, "answer": ctx.split(". ")[0] + ".",
                        "target": "J" if own else "N"})
        return out
    return pq.read_table(DEV / f"{task}_test.parquet").slice(0, N_ROWS).to_pylist()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    if not DEV.is_dir():
        pytest.fail(f"offline dev set missing: {DEV}")
    out = tmp_path_factory.mktemp("ger_rag_eval")
    configs = []
    for task in TASKS:
        pq.write_table(pa.Table.from_pylist(_rows(task)), out / f"{task}_test.parquet")
        configs.append(f"- config_name: {task}\n  data_files:\n  - split: test\n"
                       f"    path: {task}_test.parquet")
    (out / "README.md").write_text(README.format(configs="\n".join(configs)), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    return tiny_llama_dir(tmp_path_factory)


def _offline_lighteval(monkeypatch, data_dir: Path) -> None:
    """The spec's two workarounds: register only the german_rag module (the full registry
    downloads a file on import) and hash bytes, not str (xxhash 4)."""
    import lighteval.logging.info_loggers as info_loggers
    import lighteval.tasks.multilingual.tasks.german_rag as german_rag_tasks
    import xxhash
    from lighteval.tasks.registry import Registry

    configs = {}
    for cfg in german_rag_tasks.TASKS_TABLE:
        cfg = copy.deepcopy(cfg)
        cfg.hf_repo = str(data_dir)
        configs[cfg.name] = cfg

    def load_all_task_configs(custom_tasks=None, load_multilingual=False):
        return copy.deepcopy(configs)

    monkeypatch.setattr(Registry, "load_all_task_configs", staticmethod(load_all_task_configs))

    class _XX:
        @staticmethod
        def xxh64(data):
            return xxhash.xxh64(data.encode("utf-8") if isinstance(data, str) else data)

    monkeypatch.setattr(info_loggers, "xxhash", _XX)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _run_lighteval(tiny_dir, data_dir, tmp_path, fmt, system_prompt, max_length):
    from lighteval.logging.evaluation_tracker import EvaluationTracker
    from lighteval.models.transformers.transformers_model import TransformersModelConfig
    from lighteval.pipeline import ParallelismManager, Pipeline, PipelineParameters

    tracker = EvaluationTracker(output_dir=str(tmp_path / "lighteval"), save_details=False)
    params = PipelineParameters(launcher_type=ParallelismManager.NONE, max_samples=None)
    config = TransformersModelConfig(
        model_name=str(tiny_dir),
        device="cpu",
        batch_size=8,  # lighteval turns this into 1 doc per batch; keeps logits memory small
        max_length=max_length,
        override_chat_template=fmt == "chat",
        system_prompt=system_prompt,
        cache_dir=str(tmp_path / "lighteval-cache"),  # never reuse cached responses
    )
    tasks = ",".join(f"{spec.name}|0" for spec in TASKS.values())
    pipeline = Pipeline(tasks=tasks, pipeline_parameters=params, evaluation_tracker=tracker,
                        model_config=config)
    # lighteval's prompt and tokens per doc, read before evaluate() (its cleanup drops the
    # tokenizer): prepare_prompt, then tok_encode_pair(pairwise=True) as _loglikelihood_tokens.
    encodings = {}
    for name, docs in pipeline.documents_dict.items():
        for doc in docs:
            prompt = pipeline.model.prompt_manager.prepare_prompt(doc)
            ctx, conts = pipeline.model.tok_encode_pair(prompt, doc.choices, pairwise=True)
            encodings[name, doc.query] = (prompt, list(ctx[0]), [list(c) for c in conts])
    pipeline.evaluate()
    return pipeline, encodings


@pytest.mark.parametrize(("fmt", "system_prompt", "max_length"),
                         [r[1:] for r in RUNS], ids=[r[0] for r in RUNS])
def test_lighteval_parity(monkeypatch, tiny_dir, data_dir, tmp_path, fmt, system_prompt,
                          max_length):
    _offline_lighteval(monkeypatch, data_dir)
    pipeline, encodings = _run_lighteval(
        tiny_dir, data_dir, tmp_path, fmt, system_prompt, max_length
    )
    details = pipeline.evaluation_tracker.details_logger.details
    aggregated = pipeline.evaluation_tracker.metrics_logger.metric_aggregated

    # Ours, through the loader and scorer the command uses.
    from rag.components.llm.hf_loading import load_causal_lm
    from rag.eval.german_rag.hf import TransformersScorer

    model, tokenizer = load_causal_lm(str(tiny_dir), device="cpu")
    scorer = TransformersScorer(model, tokenizer, batch_size=4, max_length=max_length)
    cfg = EvalConfig(fmt, system_prompt)
    ours = []
    for task, spec in TASKS.items():
        rows = _rows(task)
        examples, prompts, requests = prepare(task, rows, tokenizer, cfg)
        result = evaluate_task(task, rows, tokenizer, scorer, cfg)
        ours.append(result)
        by_query = {ex.instruction + spec.body(r): i for i, (ex, r) in
                    enumerate(zip(examples, rows, strict=True))}
        assert len(by_query) == N_ROWS

        theirs = details[f"{spec.name}|0"]
        assert len(theirs) == N_ROWS
        seen = set()
        for d in theirs:
            i = by_query[d.doc.query]
            seen.add(i)
            where = f"{task} row {i} ({fmt})"
            their_prompt, their_ctx, their_conts = encodings[f"{spec.name}|0", d.doc.query]
            assert their_prompt == prompts[i], where
            assert their_ctx == list(requests[i].context), where
            assert their_conts == [list(c) for c in requests[i].choices], where
            resp = d.model_response
            assert [int(t) for t in resp.input_tokens] == list(requests[i].context), where
            # Its logged output_tokens pass through `[:num_choices][:len_choice]` in the
            # gather step (slices rows twice), so only a prefix of the rows survives there.
            logged = [[int(t) for t in row if int(t) != -1] for row in resp.output_tokens]
            assert logged == [list(c) for c in requests[i].choices][: len(logged)], where
            mine = result.rows[i]
            assert mine.logprobs == pytest.approx(resp.logprobs, abs=1e-4), where
            their_pred = max(range(len(resp.logprobs)), key=lambda k: (resp.logprobs[k], -k))
            assert mine.pred == their_pred, where
            assert float(mine.correct) == d.metric["acc"], where
        assert seen == set(range(N_ROWS))

        agg = aggregated[f"{spec.name}|0"]
        assert result.acc == pytest.approx(agg["acc"], abs=1e-12)
        assert result.stderr == pytest.approx(agg["acc_stderr"], abs=1e-12)

    acc, err = average(ours)
    assert acc == pytest.approx(aggregated["all"]["acc"], abs=1e-12)
    assert err == pytest.approx(aggregated["all"]["acc_stderr"], abs=1e-12)
    if max_length:
        # The truncation case really truncates (task 2 rows are far longer than 200 tokens).
        assert any(len(r.context) >= max_length for r in prepare(
            "task2", _rows("task2"), tokenizer, cfg)[2])


def test_hub_loader_reads_through_datasets(data_dir):
    """The --data HUB_ID path (datasets.load_dataset), on a local dataset folder with the same
    configs layout as deutsche-telekom/Ger-RAG-eval; datasets is in the parity venv."""
    pytest.importorskip("datasets")
    from rag.eval.german_rag.tasks import _load_hub_rows

    assert _load_hub_rows(str(data_dir), "task2", 3) == _rows("task2")[:3]
    assert _load_hub_rows(str(data_dir), "task4", None) == _rows("task4")
