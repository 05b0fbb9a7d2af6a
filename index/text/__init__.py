"""Text analysis shared by ingest and queries: repair, query cleaning, sentences, words, dictionaries."""
