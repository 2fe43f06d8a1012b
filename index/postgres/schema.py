"""Where a PostgreSQL index lives, how to connect to it, and its schema.

An index in PostgreSQL is one schema of one database: ``foiasearch`` for
``--index postgresql://user@host/db``; a folder index written with the
postgresql backend (tests, benchmarks) gets its own schema, named after the
folder, in the database of $FOIASEARCH_POSTGRES_URL. foiasearch creates the
schema on first use and upgrades it with numbered migrations, each applied
once, under an advisory lock so that several indexers starting at once do
not race.

>>> target_of(IndexLocation(Path("/x"), url="postgresql://me@db/foia")).schema
'foiasearch'
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from foiasearch.index.location import IndexLocation, IndexNotFound, IndexUnavailable

# psycopg logs what it ignores while a lost connection is torn down; without
# a handler Python would print that to stderr beside our one-line error.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

ENV_URL = "FOIASEARCH_POSTGRES_URL"
CONFIG = "fs_english"  # English stemming without a stop list: "opt out", "may", "not" matter
ADVISORY_KEY = 0x6F1A5EA  # serialises schema creation and migrations across processes


class DatabaseUnavailable(IndexUnavailable):
    """The database cannot be reached; the message is one line naming it."""


@dataclass(frozen=True)
class Target:
    url: str
    schema: str

    @property
    def display(self) -> str:
        """The URL without a password, for messages and provenance."""
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        host = info.get("host", "localhost")
        port = f":{info['port']}" if info.get("port") else ""
        user = f"{info['user']}@" if info.get("user") else ""
        return f"postgresql://{user}{host}{port}/{info.get('dbname', '')}"


def target_of(location: IndexLocation) -> Target:
    """The database and schema holding the index at ``location``."""
    if location.url:
        return Target(location.url, "foiasearch")
    url = os.environ.get(ENV_URL)
    if not url:
        raise IndexNotFound(f"the postgresql backend needs --index postgresql://USER@HOST/DB "
                            f"(or ${ENV_URL} for the index of folder {location.root})")
    digest = hashlib.sha256(str(location.root.resolve()).encode()).hexdigest()[:12]
    return Target(url, f"foiasearch_{digest}")


def one_line(exc: Exception, last: bool = False) -> str:
    r"""The first (or ``last``) line of a driver error, or its type's name when it has no text.

    >>> one_line(ValueError("server closed\nDETAIL: x")), one_line(ValueError("a\nb"), last=True), one_line(OSError())
    ('server closed', 'b', 'OSError')
    """
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    lines = text.splitlines()
    return lines[-1] if last else lines[0]


def lost_connection(target: Target, exc: Exception) -> DatabaseUnavailable:
    """The one-line error for a connection to ``target`` lost mid-way (raise it ``from exc``)."""
    return DatabaseUnavailable(f"lost the connection to {target.display}: {one_line(exc)}")


def connect(target: Target, autocommit: bool = False, timeout: int = 10) -> psycopg.Connection:
    """A connection with the index's schema first on the search path;
    raises DatabaseUnavailable (one line) when the server cannot be reached."""
    try:
        conn = psycopg.connect(target.url, autocommit=autocommit, connect_timeout=timeout)
    except psycopg.Error as exc:
        # psycopg puts the server's reason on the last line of a failed connection
        raise DatabaseUnavailable(f"cannot connect to {target.display}: {one_line(exc, last=True)}") from exc
    configure(conn, target)
    return conn


def configure(conn: psycopg.Connection, target: Target) -> None:
    """Point a new connection at the index's schema."""
    was = conn.autocommit
    conn.autocommit = True
    conn.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(target.schema)))
    conn.autocommit = was


# Each migration runs once, in order, in one transaction; append, never edit.
MIGRATIONS: list[str] = [
    # 1: documents, pages, facet values, the vocabulary, the commit counter,
    # the manifest of files and saved searches.
    f"""
    CREATE TEXT SEARCH DICTIONARY fs_stem (TEMPLATE = snowball, Language = english);
    CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.english);
    ALTER TEXT SEARCH CONFIGURATION {CONFIG}
        ALTER MAPPING FOR asciiword, word, hword, hword_part, hword_asciipart, asciihword WITH fs_stem;
    CREATE TABLE documents (
        id text PRIMARY KEY,             -- content hash (index.build.document_id)
        kind text NOT NULL,
        title text NOT NULL,
        date timestamptz,                -- published
        sort_date timestamptz NOT NULL,  -- published, else indexed: feeds
        page_count integer NOT NULL,
        data jsonb NOT NULL,             -- the Document, its pages without text (4: document_texts)
        body text NOT NULL,              -- all page text, for snippets (4: document_texts)
        author text NOT NULL, path text NOT NULL, sender text NOT NULL,
        recipient text NOT NULL, subject text NOT NULL, url text,
        fkeys text[] NOT NULL,           -- 'facet:key' filters match
        bates text[] NOT NULL,
        tsv tsvector NOT NULL,           -- A title/subject, B tags/actors, D body
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX documents_tsv ON documents USING gin (tsv);
    CREATE INDEX documents_fkeys ON documents USING gin (fkeys);
    CREATE INDEX documents_date ON documents (date DESC NULLS LAST, id);
    CREATE INDEX documents_sort_date ON documents (sort_date DESC, id);
    CREATE TABLE pages (
        doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        number integer NOT NULL,
        text text NOT NULL,
        meta jsonb NOT NULL,             -- the Page without its text
        exemptions text[] NOT NULL,      -- lower case
        bates text,
        tsv tsvector,                    -- releases only: page hits
        PRIMARY KEY (doc_id, number)
    );
    CREATE INDEX pages_tsv ON pages USING gin (tsv);
    CREATE INDEX pages_bates ON pages (upper(bates)) WHERE bates IS NOT NULL;
    CREATE TABLE facet_values (
        doc_id text NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        facet text NOT NULL, key text NOT NULL, value text NOT NULL, type text,
        PRIMARY KEY (doc_id, facet, key)
    );
    CREATE INDEX facet_values_key ON facet_values (facet, key);
    CREATE TABLE vocabulary (word text PRIMARY KEY);  -- spelling suggestions
    CREATE TABLE state (
        id integer PRIMARY KEY CHECK (id = 1),
        generation bigint NOT NULL,      -- +1 per commit: the fingerprint
        last_updated timestamptz
    );
    INSERT INTO state VALUES (1, 0, NULL);
    CREATE TABLE files (
        path text PRIMARY KEY, display text NOT NULL, size bigint, mtime_ns bigint, sha256 text,
        status text NOT NULL, reason text NOT NULL DEFAULT '', updated_at text NOT NULL
    );
    CREATE INDEX files_sha ON files (sha256);
    CREATE TABLE file_docs (path text NOT NULL, doc_id text NOT NULL, PRIMARY KEY (path, doc_id));
    CREATE INDEX file_docs_doc ON file_docs (doc_id);
    CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE saved_searches (
        name text PRIMARY KEY, query jsonb NOT NULL, created_at text NOT NULL, last_run text
    );
    CREATE TABLE saved_seen (name text NOT NULL REFERENCES saved_searches ON DELETE CASCADE ON UPDATE CASCADE,
                             doc_id text NOT NULL, PRIMARY KEY (name, doc_id));
    """,
    # 2: searching a large index fast. `head`: the A and B part of tsv
    # (titles, subjects, tags, actors), small enough to pick ranking
    # candidates from. facet_counts: documents per 'facet:key' ('' for all
    # documents), kept by triggers, for facet counts without re-counting the
    # whole index. facet_labels: how each key is shown. facet_values (one row
    # per document and key) is no longer needed: documents.fkeys is counted.
    """
    ALTER TABLE documents ADD COLUMN head tsvector;
    UPDATE documents SET head = ts_filter(tsv, '{a,b}');
    ALTER TABLE documents ALTER COLUMN head SET NOT NULL;
    CREATE INDEX documents_head ON documents USING gin (head);
    CREATE INDEX pages_exempt ON pages (doc_id) INCLUDE (exemptions) WHERE exemptions <> '{}';
    CREATE TABLE facet_labels (key text PRIMARY KEY, facet text NOT NULL, value text NOT NULL, type text);
    INSERT INTO facet_labels
        SELECT f.facet || ':' || f.key, f.facet, min(f.value), min(f.type) FROM facet_values f GROUP BY f.facet, f.key;
    DROP TABLE facet_values;
    CREATE TABLE facet_counts (key text PRIMARY KEY, n bigint NOT NULL);
    INSERT INTO facet_counts SELECT k, count(*) FROM documents, unnest(fkeys || ''::text) k GROUP BY k;
    CREATE FUNCTION facet_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE facet_counts c SET n = c.n - o.n
            FROM (SELECT k, count(*) AS n FROM old_rows, unnest(fkeys || ''::text) k GROUP BY k) o WHERE c.key = o.k;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO facet_counts (key, n)
            SELECT k, count(*) FROM new_rows, unnest(fkeys || ''::text) k GROUP BY k ORDER BY k
            ON CONFLICT (key) DO UPDATE SET n = facet_counts.n + EXCLUDED.n;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER documents_counted_insert AFTER INSERT ON documents REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION facet_counts_apply();
    CREATE TRIGGER documents_counted_delete AFTER DELETE ON documents REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION facet_counts_apply();
    CREATE TRIGGER documents_counted_update AFTER UPDATE ON documents
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION facet_counts_apply();
    """,
    # 3: exemption page counts like facet counts. epages: 'page:KEY' once per
    # page citing exemption KEY, counted into facet_counts with fkeys.
    """
    CREATE OR REPLACE FUNCTION facet_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE facet_counts c SET n = c.n - o.n
            FROM (SELECT k, count(*) AS n FROM old_rows, unnest(fkeys || epages || ''::text) k GROUP BY k) o
            WHERE c.key = o.k;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO facet_counts (key, n)
            SELECT k, count(*) FROM new_rows, unnest(fkeys || epages || ''::text) k GROUP BY k ORDER BY k
            ON CONFLICT (key) DO UPDATE SET n = facet_counts.n + EXCLUDED.n;
        END IF;
        RETURN NULL;
    END $$;
    ALTER TABLE documents ADD COLUMN epages text[] NOT NULL DEFAULT '{}';
    UPDATE documents d SET epages = e.keys
    FROM (SELECT doc_id, array_agg('page:' || x ORDER BY number, x) AS keys
          FROM (SELECT DISTINCT doc_id, number, x FROM pages, unnest(exemptions) x) cited GROUP BY doc_id) e
    WHERE e.doc_id = d.id;
    """,
    # 4: a narrow documents heap. Every search reads the row of each match
    # (counts, facet complements, ranking candidates); the Document's JSON
    # and the body, wanted only for the hits shown, move to document_texts,
    # and a row longer than 128 bytes has its long values (the tsvectors)
    # moved out of line (too far: migration 6). CLUSTER rewrites
    # the rows without the dropped columns, newest first.
    """
    CREATE TABLE document_texts (
        id text PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
        data jsonb NOT NULL,             -- the Document, its pages without text
        body text NOT NULL               -- all page text, for snippets
    );
    INSERT INTO document_texts SELECT id, data, body FROM documents;
    ALTER TABLE documents DROP COLUMN data, DROP COLUMN body;
    ALTER TABLE documents SET (toast_tuple_target = 128);
    CLUSTER documents USING documents_sort_date;
    """,
    # 5: what conditions test row by row stays in the row: the ranking
    # candidates test head on the newest rows, facet selections test fkeys.
    # Out of line (migration 4 moved every long value), each test was a
    # TOAST read: 1.2-2.5 s for a candidate scan of 100,000 documents.
    """
    ALTER TABLE documents ALTER COLUMN head SET STORAGE MAIN, ALTER COLUMN fkeys SET STORAGE MAIN,
        ALTER COLUMN epages SET STORAGE MAIN;
    UPDATE documents SET head = head || ''::tsvector, fkeys = fkeys || '{}'::text[], epages = epages || '{}'::text[];
    CLUSTER documents USING documents_sort_date;
    """,
    # 6: the ids and titles in the row too. Past a toast_tuple_target of 128 bytes
    # the toaster moved any value over about 18 bytes out, a 64-character id
    # included, and every statement that reads the ids of the matches (the
    # facet complement, the ranking candidates) read TOAST once per row: the
    # facet counts of 2,000 documents took 24,585 buffer reads instead of 760.
    # The default target again: a row is toasted only past 2 kB, its tsvector first.
    """
    ALTER TABLE documents RESET (toast_tuple_target);
    ALTER TABLE documents ALTER COLUMN id SET STORAGE MAIN, ALTER COLUMN kind SET STORAGE MAIN,
        ALTER COLUMN title SET STORAGE MAIN;
    UPDATE documents SET id = id || '', kind = kind || '', title = title || '';
    CLUSTER documents USING documents_sort_date;
    """,
    # 7: a number per document, for facet counts in the web worker
    # (search.postgres.ordinals): the database returns the numbers of a
    # query's matches, 4 bytes each, and the worker counts every facet from
    # arrays it loads once per generation, and picks the ranking candidates
    # of a common word (the page's rows are then read by number). A volatile
    # default fills the existing rows in one rewrite, in their (clustered) order.
    """
    CREATE SEQUENCE documents_num AS integer;
    ALTER TABLE documents ADD COLUMN num integer NOT NULL DEFAULT nextval('documents_num');
    ALTER SEQUENCE documents_num OWNED BY documents.num;
    CREATE UNIQUE INDEX documents_num_key ON documents (num);
    """,
    # 8: the documents holding a word, read from a narrow heap. A web worker
    # reads each word's matches once (their numbers; the ranking candidates:
    # its matches in head too), and from documents that read visited the row
    # of every match, about 1.5 kB each (head, fkeys and the ids stay in the
    # row for the searches in SQL): 100-350 ms for a word in most of 100,000
    # documents. Here a row is its number and pointers to its tsvectors
    # (moved out of line past 128 bytes), and the same read visits about 25
    # times fewer pages. The database keeps it in step, as facet_counts: a
    # trigger copies what any writer inserts into documents (also one
    # running older code, which knows nothing of this table) and what an
    # update changes; a document's row goes with it (ON DELETE CASCADE).
    # The lock makes writers that are inserting now finish first, so the
    # copy below sees their rows, and later ones wait for the trigger.
    """
    LOCK TABLE documents IN SHARE ROW EXCLUSIVE MODE;
    CREATE TABLE document_words (
        num integer PRIMARY KEY REFERENCES documents (num) ON DELETE CASCADE,
        tsv tsvector NOT NULL,           -- documents.tsv
        head tsvector NOT NULL           -- documents.head
    ) WITH (toast_tuple_target = 128);
    INSERT INTO document_words SELECT num, tsv, head FROM documents ORDER BY num;
    CREATE INDEX document_words_tsv ON document_words USING gin (tsv);
    CREATE INDEX document_words_head ON document_words USING gin (head);
    CREATE FUNCTION document_words_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO document_words (num, tsv, head) SELECT num, tsv, head FROM new_rows ORDER BY num;
        ELSE
            UPDATE document_words w SET tsv = n.tsv, head = n.head FROM new_rows n WHERE w.num = n.num;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER documents_words_insert AFTER INSERT ON documents REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION document_words_apply();
    CREATE TRIGGER documents_words_update AFTER UPDATE ON documents REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION document_words_apply();
    """,
]
ORDINALS = 7  # the schema version that has documents.num (search.postgres.ordinals)
WORDS = 8  # the schema version that has document_words


def schema_version(conn: psycopg.Connection, target: Target) -> int:
    """The migrations applied to the index's schema (0: no schema yet)."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{target.schema}.schema_migrations",)).fetchone()
    if row[0] is None:
        return 0
    return conn.execute(
        sql.SQL("SELECT coalesce(max(version), 0) FROM {}.schema_migrations").format(sql.Identifier(target.schema))
    ).fetchone()[0]


def ensure_schema(target: Target) -> None:
    """Create the schema or bring it up to date (idempotent, safe from several processes)."""
    with connect(target) as conn:
        if schema_version(conn, target) == len(MIGRATIONS):
            return
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_KEY,))
            name = sql.Identifier(target.schema)
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
            conn.execute(sql.SQL("SET LOCAL search_path TO {}, public").format(name))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                         "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            done = schema_version(conn, target)
            for version, script in enumerate(MIGRATIONS[done:], start=done + 1):
                conn.execute(script)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
    if 0 < done < len(MIGRATIONS):
        # A migration that rewrote documents (CLUSTER, a new column) left its
        # visibility map empty: counts read every row until a VACUUM, and
        # autovacuum sees no dead rows to come for.
        tidy(target, ("documents", "document_words"))


def tidy(target: Target, tables: tuple[str, ...] = ("documents", "document_words", "document_texts", "pages")) -> None:
    """VACUUM (ANALYZE) the tables a bulk run writes: a writer's end of run
    after many documents. The visibility map lets a count skip the rows of
    its matches (at 20,000 documents a common word's count went from 48 to
    15 ms), and the planner sees the new sizes. VACUUM cannot run inside a
    transaction, hence a connection of its own in autocommit.

    >>> # tidy(target_of(IndexLocation.resolve("postgresql://me@db/foia")))
    """
    with connect(target, autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM (ANALYZE) {table}")


def schema_version_of(target: Target) -> int:
    """The migrations applied to the index's schema (0: not created yet), on a connection of its own."""
    with connect(target) as conn:
        return schema_version(conn, target)
