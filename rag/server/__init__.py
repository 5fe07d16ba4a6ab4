"""``rag serve``: Quelle as an HTTP service (FastAPI), one module per feature.

app.py builds the app and its error format; auth.py checks bearer keys; resources.py holds
the per-process model, indexes and answering backend; documents, jobs, search, ask and
openai_compat are the endpoints.
"""
