"""full-text search over people, posts and jobs, in the database's own engine

Revision ID: 0015
Revises: 0012a

Every object made here is named `search_...`; none is a table the code declares, and
the migrations-match-tables check leaves exactly these out (`store.migrate.include_object`).

SQLite: three FTS5 tables with external content (the index holds no copy of the text):
- `search_posts` reads `posts` (title, text);
- `search_people` reads the view `search_people_source` (a member's name and handle with
  their profile's headline, about, location and industry);
- `search_jobs` reads the view `search_jobs_source` (a posting's title, company, location,
  description and its skills).
Triggers keep them in step with every insert, update of an indexed column and delete of
the tables they read, so an erasure's blanking or an edit reaches the index in the same
transaction. For a view, the row as it reads BEFORE the change is removed from the index
and the row as it reads AFTER is added back: FTS5 must be told exactly the text it
indexed, and a view may draw on several tables.

PostgreSQL: posts are one table, so an expression GIN index on
`to_tsvector('simple', ...)` of their text (`search_posts_document`; queries use the same
expression). People and jobs read two tables each, which no expression index can span, so
each has a document table (`search_people`, `search_jobs`: id and tsvector, GIN-indexed)
kept by triggers in the same way.

Both use no stemming and no stop words ('simple' configuration; FTS5 unicode61 without
diacritics folding), so the two backends match the same words.

Batch mode on SQLite recreates a table it alters, and drops that table's triggers with
it: a later migration that batch-alters members, profiles, posts, jobs or job_skills must
recreate the triggers below (tests/network/test_search.py fails if they are missing).
"""

from alembic import op

revision = "0015"
down_revision = "0012a"
branch_labels = None
depends_on = None

_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"

_PEOPLE_COLUMNS = ("name", "handle", "headline", "about", "location", "industry")
_JOB_COLUMNS = ("title", "company", "location", "description", "skills")

SQLITE_VIEWS = [
    """CREATE VIEW search_people_source AS
       SELECT m.id AS id, m.display_name AS name, m.handle AS handle,
              coalesce(p.headline, '') AS headline, coalesce(p.about, '') AS about,
              coalesce(p.location, '') AS location, coalesce(p.industry, '') AS industry
       FROM members m LEFT JOIN profiles p ON p.member_id = m.id""",
    # Skills in a fixed order: FTS5 must be told exactly the text it indexed.
    """CREATE VIEW search_jobs_source AS
       SELECT j.id AS id, j.title AS title, j.company AS company, j.location AS location,
              j.description AS description,
              coalesce((SELECT group_concat(name, ' ') FROM
                          (SELECT s.name AS name FROM job_skills s
                           WHERE s.job_id = j.id ORDER BY s.name, s.id)), '') AS skills
       FROM jobs j""",
]


def _fts(name: str, columns: tuple[str, ...], content: str) -> str:
    return (
        f"CREATE VIRTUAL TABLE {name} USING fts5({', '.join(columns)}, "
        f"content='{content}', content_rowid='id', {_TOKENIZE})"
    )


def _view_sync(index: str, columns: tuple[str, ...], key: str) -> tuple[str, str]:
    """(remove, add): statements taking the view row with id `key` out of / into the index."""
    cols = ", ".join(columns)
    source = f"{index}_source"
    remove = (
        f"INSERT INTO {index}({index}, rowid, {cols}) "
        f"SELECT 'delete', id, {cols} FROM {source} WHERE id = {key};"
    )
    add = f"INSERT INTO {index}(rowid, {cols}) SELECT id, {cols} FROM {source} WHERE id = {key};"
    return remove, add


def _view_triggers(index: str, columns: tuple[str, ...], table: str, key: str, watched: str):
    """Triggers on `table` keeping `index` (over a view) in step; `key` names the view id
    in NEW/OLD terms (e.g. `id` or `member_id`); `watched`: the columns an update re-indexes."""
    old_remove, old_add = _view_sync(index, columns, f"old.{key}")
    new_remove, new_add = _view_sync(index, columns, f"new.{key}")
    t = f"{index}_{table}"
    return [
        f"CREATE TRIGGER {t}_bi BEFORE INSERT ON {table} BEGIN {new_remove} END",
        f"CREATE TRIGGER {t}_ai AFTER INSERT ON {table} BEGIN {new_add} END",
        f"CREATE TRIGGER {t}_bu BEFORE UPDATE OF {watched} ON {table} BEGIN {old_remove} END",
        f"CREATE TRIGGER {t}_au AFTER UPDATE OF {watched} ON {table} BEGIN {new_add} END",
        f"CREATE TRIGGER {t}_bd BEFORE DELETE ON {table} BEGIN {old_remove} END",
        f"CREATE TRIGGER {t}_ad AFTER DELETE ON {table} BEGIN {old_add} END",
    ]


SQLITE_TABLES = [
    _fts("search_posts", ("title", "text"), "posts"),
    _fts("search_people", _PEOPLE_COLUMNS, "search_people_source"),
    _fts("search_jobs", _JOB_COLUMNS, "search_jobs_source"),
]

_POSTS_REMOVE = (
    "INSERT INTO search_posts(search_posts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text);"
)
_POSTS_ADD = "INSERT INTO search_posts(rowid, title, text) VALUES (new.id, new.title, new.text);"

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER search_posts_posts_ai AFTER INSERT ON posts BEGIN {_POSTS_ADD} END",
    f"""CREATE TRIGGER search_posts_posts_au AFTER UPDATE OF title, text ON posts
        BEGIN {_POSTS_REMOVE} {_POSTS_ADD} END""",
    f"CREATE TRIGGER search_posts_posts_ad AFTER DELETE ON posts BEGIN {_POSTS_REMOVE} END",
    *_view_triggers("search_people", _PEOPLE_COLUMNS, "members", "id", "display_name, handle"),
    *_view_triggers(
        "search_people",
        _PEOPLE_COLUMNS,
        "profiles",
        "member_id",
        "headline, about, location, industry",
    ),
    *_view_triggers(
        "search_jobs", _JOB_COLUMNS, "jobs", "id", "title, company, location, description"
    ),
    *_view_triggers("search_jobs", _JOB_COLUMNS, "job_skills", "job_id", "name"),
]


def _trigger_name(statement: str) -> str:
    return statement.split()[2]


# --- PostgreSQL --------------------------------------------------------------------------

#: The expression of the posts index; `network.search` queries with exactly this text.
POSTS_DOCUMENT = """to_tsvector('simple', coalesce(title, '') || ' ' || coalesce("text", ''))"""

_PEOPLE_DOCUMENT = """
    SELECT to_tsvector('simple', m.display_name || ' ' || m.handle || ' '
             || coalesce(p.headline, '') || ' ' || coalesce(p.about, '') || ' '
             || coalesce(p.location, '') || ' ' || coalesce(p.industry, ''))
    FROM members m LEFT JOIN profiles p ON p.member_id = m.id WHERE m.id = who"""
_JOBS_DOCUMENT = """
    SELECT to_tsvector('simple', j.title || ' ' || j.company || ' ' || j.location || ' '
             || j.description || ' ' || coalesce(
               (SELECT string_agg(s.name, ' ' ORDER BY s.name, s.id)
                FROM job_skills s WHERE s.job_id = j.id), ''))
    FROM jobs j WHERE j.id = who"""


def _pg_document_table(index: str, key: str, document: str, parents: list[tuple]) -> list[str]:
    """A document table `index` (key, document) with its GIN index, a function computing
    one document, one refreshing it, and a trigger per (table, id expression, watched)."""
    statements = [
        f"CREATE TABLE {index} ({key} integer PRIMARY KEY, document tsvector NOT NULL)",
        f"CREATE INDEX {index}_document ON {index} USING gin (document)",
        f"""CREATE FUNCTION {index}_document(who integer) RETURNS tsvector
            LANGUAGE sql STABLE AS $$ {document} $$""",
        f"""CREATE FUNCTION {index}_refresh(who integer) RETURNS void LANGUAGE sql AS $$
              DELETE FROM {index} WHERE {key} = who;
              INSERT INTO {index} ({key}, document)
              SELECT who, d FROM {index}_document(who) AS d WHERE d IS NOT NULL;
            $$""",
    ]
    for table, ident, watched in parents:
        statements += [
            f"""CREATE FUNCTION {index}_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP <> 'INSERT' THEN PERFORM {index}_refresh(OLD.{ident}); END IF;
                  IF TG_OP <> 'DELETE' THEN PERFORM {index}_refresh(NEW.{ident}); END IF;
                  RETURN NULL;
                END $$""",
            f"""CREATE TRIGGER {index}_{table} AFTER INSERT OR DELETE OR UPDATE OF {watched}
                ON {table} FOR EACH ROW EXECUTE FUNCTION {index}_{table}()""",
        ]
    statements.append(
        f"INSERT INTO {index} ({key}, document) "
        f"SELECT id, {index}_document(id) FROM {parents[0][0]}"
    )
    return statements


PG_STATEMENTS = [
    f"CREATE INDEX search_posts_document ON posts USING gin ({POSTS_DOCUMENT})",
    *_pg_document_table(
        "search_people",
        "member_id",
        _PEOPLE_DOCUMENT,
        [
            ("members", "id", "display_name, handle"),
            ("profiles", "member_id", "headline, about, location, industry"),
        ],
    ),
    *_pg_document_table(
        "search_jobs",
        "job_id",
        _JOBS_DOCUMENT,
        [
            ("jobs", "id", "title, company, location, description"),
            ("job_skills", "job_id", "name"),
        ],
    ),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in [*SQLITE_VIEWS, *SQLITE_TABLES, *SQLITE_TRIGGERS]:
            op.execute(statement)
        for index in ("search_posts", "search_people", "search_jobs"):
            op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")
    else:
        for statement in PG_STATEMENTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(statement)}")
        for index in ("search_posts", "search_people", "search_jobs"):
            op.execute(f"DROP TABLE IF EXISTS {index}")
        for view in ("search_people_source", "search_jobs_source"):
            op.execute(f"DROP VIEW IF EXISTS {view}")
    else:
        op.execute("DROP INDEX IF EXISTS search_posts_document")
        for index, tables in (
            ("search_people", ("members", "profiles")),
            ("search_jobs", ("jobs", "job_skills")),
        ):
            for table in tables:
                op.execute(f"DROP TRIGGER IF EXISTS {index}_{table} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {index}_{table}()")
            op.execute(f"DROP FUNCTION IF EXISTS {index}_refresh(integer)")
            op.execute(f"DROP FUNCTION IF EXISTS {index}_document(integer)")
            op.execute(f"DROP TABLE IF EXISTS {index}")
