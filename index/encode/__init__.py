"""Encoders: the embedding model (sentence-transformers or ONNX) and what text each vector holds."""
