"""Ingest: files → clean text → notice structure → chunks → vectors.

The stages live in small modules, in the order data flows through them:
``load`` (bytes → text) → ``clean`` (mojibake repair, boilerplate → metadata)
→ ``metadata`` → ``structure`` (findings) → ``chunk``; ``pipeline`` runs them,
embeds with :mod:`index.encode` and hands the result to a store (:mod:`index.store`).
"""
