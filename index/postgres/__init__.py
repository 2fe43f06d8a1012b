"""The PostgreSQL backend's write side: its schema and migrations
(index.postgres.schema), the writer (index.postgres.writer) and, for
``--index postgresql://...``, the manifest of files (index.postgres.store)."""
