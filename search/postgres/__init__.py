"""The PostgreSQL backend's read side: the query language as parameterised
SQL (search.postgres.sql) and the search API over it (search.postgres.engine)."""
