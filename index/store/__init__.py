"""Stored indexes: the folder store (FAISS + BM25 generations) and the Milvus store."""
