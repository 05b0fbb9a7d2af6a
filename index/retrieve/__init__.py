"""Retrieval: hybrid keyword + vector search and its fusion, on either backend, and opening one."""
