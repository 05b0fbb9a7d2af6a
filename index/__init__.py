"""Index: the saved FAISS + keyword store and everything that searches it.

``store`` (folder layout, atomic generations, manifest) → ``tokenize`` and
``keyword`` (bm25s over jieba words + Han bigrams) and ``dense`` (FAISS) →
``search`` (hybrid fusion, filters) → ``answer`` (extractive answers) →
``compare`` / ``related`` / ``themes`` (finding-level analysis).
"""
