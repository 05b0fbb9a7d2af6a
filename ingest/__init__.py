"""Ingest: files → clean text → notice structure → chunks → vectors.

The stages live in small modules, in the order data flows through them:
``load`` (bytes → text) → ``clean`` (mojibake repair, boilerplate → metadata)
→ ``metadata`` → ``structure`` (findings) → ``chunk`` → ``embed``; ``pipeline``
runs them and hands the result to :mod:`index.store`.
"""
