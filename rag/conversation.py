"""Follow-up questions: make "Und wie lange gilt das?" searchable on its own.

Retrieval sees one question, so a follow-up is rewritten into a standalone German question
from the chat history first. With an LLM configured, the LLM rewrites it. Without one
(extractive mode) a heuristic does: if the question looks like a follow-up (it starts with
"Und"/"Aber"/"Was ist mit", is very short, or leans on a pronoun such as "das", "dies",
"dafür", "dort"), the last standalone user question is appended as context, e.g.
"Wie lange gilt das? (Bezug: Wie hoch ist die Kündigungsfrist?)". That keeps the earlier
question's keywords for the search without inventing anything. History is bounded by tokens:
the newest turns that fit ``history_max_tokens`` are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from rag.citations import strip_markers
from rag.components.llm.base import LLM, Message, approx_token_count
from rag.prompt import neutralise

HistoryItem = Mapping[str, str]  # {"role": "user" | "assistant", "content": ...}

_LEADING = re.compile(
    r"^(?:und|aber|also|oder|sowie|ebenso|auch)\b[\s,]*|^(?:was|wie)\s+(?:ist|sieht\s+es)\s+"
    r"(?:es\s+)?(?:mit|bei)\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(?:das|dies|diese[rsmn]?|dieses|dazu|dafür|davon|darauf|daran|dabei|damit|darüber|"
    r"darin|dort|dann|es|er|sie|ihm|ihr|ihn|ihnen|deren|dessen|derselbe|dasselbe|"
    r"letztere[rsmn]?|erstere[rsmn]?|ebenfalls|auch)\b",
    re.IGNORECASE,
)
_MIN_STANDALONE_WORDS = 4

REWRITE_SYSTEM_DE = (
    "Du formulierst Folgefragen um. Du bekommst einen Gesprächsverlauf und eine Folgefrage. "
    "Schreibe die Folgefrage so um, dass sie ohne den Verlauf verständlich ist: ersetze "
    "Pronomen und Bezüge durch die gemeinten Begriffe aus dem Verlauf. Beantworte die Frage "
    "nicht. Antworte nur mit der umformulierten Frage, auf Deutsch, in einer Zeile."
)


def looks_like_follow_up(question: str) -> bool:
    q = question.strip()
    words = re.findall(r"\w+", q)
    if _LEADING.search(q):
        return True
    if len(words) < _MIN_STANDALONE_WORDS:
        return True
    # A pronoun in a short question usually points back ("Gilt das auch für Azubis?").
    return bool(_ANAPHORA.search(q)) and len(words) <= 8


def trim_history(
    history: Sequence[HistoryItem] | None,
    max_tokens: int,
    count_tokens: Callable[[str], int] = approx_token_count,
) -> list[Message]:
    """The newest user/assistant turns whose contents fit ``max_tokens``, oldest first."""
    kept: list[Message] = []
    used = 0
    for turn in reversed(list(history or [])):
        role, content = turn.get("role", ""), (turn.get("content") or "").strip()
        if role not in ("user", "assistant") or not content:
            continue
        cost = count_tokens(content)
        if used + cost > max_tokens:
            break
        kept.append({"role": role, "content": content})
        used += cost
    return kept[::-1]


def rewrite_heuristic(question: str, history: Sequence[HistoryItem]) -> str:
    """The documented no-LLM rewrite (see module docstring)."""
    q = question.strip()
    if not looks_like_follow_up(q):
        return q
    users = [t["content"].strip() for t in history if t.get("role") == "user"]
    anchor = next((u for u in reversed(users) if not looks_like_follow_up(u)), None)
    if anchor is None or anchor == q:
        return q
    core = _LEADING.sub("", q).strip() if _LEADING.match(q) else q
    core = (core[:1].upper() + core[1:]) if core else q
    return f"{core} (Bezug: {anchor})"


def _transcript(history: Sequence[Message]) -> str:
    names = {"user": "Nutzer", "assistant": "Assistent"}
    lines = [f"{names[t['role']]}: {neutralise(strip_markers(t['content']))}"
             for t in history]
    return "\n".join(lines)


def rewrite_messages(question: str, history: Sequence[Message]) -> list[Message]:
    # The history goes in as quoted data, not as chat turns, so the model rewrites
    # instead of continuing the conversation.
    return [
        {"role": "system", "content": REWRITE_SYSTEM_DE},
        {"role": "user", "content": (
            f"Gesprächsverlauf:\n{_transcript(history)}\n\n"
            f"Folgefrage: {neutralise(question.strip())}\n\nUmformulierte Frage:"
        )},
    ]


def _clean_rewrite(text: str, question: str) -> str | None:
    line = next((ln.strip() for ln in text.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:umformulierte\s+frage|frage)\s*:\s*", "", line, flags=re.IGNORECASE)
    line = line.strip(" \"'„“”«»")
    # Empty, runaway or answer-like output: not a question we can trust.
    if not line or len(line) > 3 * len(question) + 200:
        return None
    return line


def condense_question(
    question: str,
    history: Sequence[HistoryItem] | None,
    *,
    llm: LLM | None = None,
    max_history_tokens: int = 1024,
) -> str:
    """A standalone question for retrieval and answering; ``question`` if there is no history."""
    counter = llm.count_tokens if llm is not None else approx_token_count
    turns = trim_history(history, max_history_tokens, counter)
    if not turns:
        return question.strip()
    if llm is None:
        return rewrite_heuristic(question, turns)
    text = llm.generate(rewrite_messages(question, turns), max_new_tokens=96)
    return _clean_rewrite(text, question) or rewrite_heuristic(question, turns)
