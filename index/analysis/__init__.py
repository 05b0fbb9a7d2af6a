"""Cross-document analysis: findings, notice comparison, related notices and themes."""
