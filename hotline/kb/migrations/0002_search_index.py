"""The full-text index of the knowledge base: FTS5 virtual tables on SQLite, tsvector + GIN on PostgreSQL.

The statements are copied here (not imported) so that this migration keeps meaning what it meant;
`hotline.kb.index` uses the same table and column names.
"""

from django.db import migrations

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_article_fts USING fts5(title, body, tokenize='unicode61')",
    "CREATE TABLE IF NOT EXISTS kb_article_filter (article_id integer PRIMARY KEY, kind varchar(16) NOT NULL, "
    "owner_unit_id integer NOT NULL, is_public integer NOT NULL, valid_from varchar(10) NOT NULL, "
    "valid_until varchar(10) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kb_index_term (term varchar(100) PRIMARY KEY, docs integer NOT NULL) WITHOUT ROWID",
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_reply_fts USING fts5(title, body, tokenize='unicode61')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS kb_article_fts", "DROP TABLE IF EXISTS kb_article_filter",
               "DROP TABLE IF EXISTS kb_index_term", "DROP TABLE IF EXISTS kb_reply_fts"]
POSTGRES_CREATE = [
    # No foreign keys: Django's test flush TRUNCATEs only its own tables, and PostgreSQL refuses to
    # truncate a table another one references. The services keep the index in step with the articles.
    "CREATE TABLE IF NOT EXISTS kb_article_search (article_id bigint PRIMARY KEY, "
    "kind varchar(16) NOT NULL, owner_unit_id bigint NOT NULL, is_public boolean NOT NULL, "
    "valid_from date NOT NULL, valid_until date NOT NULL, tokens text NOT NULL, document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS kb_article_search_document ON kb_article_search USING GIN (document)",
    "CREATE TABLE IF NOT EXISTS kb_index_term (term varchar(100) PRIMARY KEY, docs integer NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kb_reply_search (reply_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS kb_reply_search_document ON kb_reply_search USING GIN (document)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS kb_article_search", "DROP TABLE IF EXISTS kb_index_term",
                 "DROP TABLE IF EXISTS kb_reply_search"]


def create(apps, schema_editor) -> None:  # noqa: ANN001
    """Create the index tables for this database vendor."""
    vendor = schema_editor.connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"knowledge-base search supports SQLite and PostgreSQL, not {vendor}")
    for sql in SQLITE_CREATE if vendor == "sqlite" else POSTGRES_CREATE:
        schema_editor.execute(sql)


def drop(apps, schema_editor) -> None:  # noqa: ANN001
    """Drop the index tables."""
    for sql in SQLITE_DROP if schema_editor.connection.vendor == "sqlite" else POSTGRES_DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
