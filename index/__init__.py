"""Index: the saved FAISS + keyword store and everything that searches, answers and compares it.

The sub-packages, in the order data flows (each imports only those before it):
``text`` (repair, query cleaning, sentences, words) → ``encode`` (embedding model) →
``store`` (folder store: generations, FAISS, BM25; the Milvus store) → ``retrieve``
(filters, hybrid search, fusion, opening a backend) → ``answer`` (extractive answers,
evaluation) and ``analysis`` (findings, compare, related, themes) → ``cli``.
Beside them here: ``config``, ``errors``, ``records`` (the stored data types), ``filters``, ``tuned``
(every tuned constant, with where its value came from).
"""
