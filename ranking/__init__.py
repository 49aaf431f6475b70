"""Retrieval, models and re-ranking: everything between the items index and a response."""
