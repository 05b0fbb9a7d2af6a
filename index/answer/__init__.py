"""Answers: what a question asks, the extractive reader, generation and evaluation."""
