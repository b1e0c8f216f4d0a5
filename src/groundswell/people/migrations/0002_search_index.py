"""The search index for ``groundswell.people.search`` (read its docstring).

SQLite: an FTS5 table with the trigram tokenizer over " " + search_text + " ", an FTS5
table of whole words (unicode61, no positions), both with external content (they hold
no copy of the text), and the vocabulary table, all kept in sync by triggers. PostgreSQL: pg_trgm
with a GIN trigram index over the same padded text, a GIN index over the array of
words, and the vocabulary table kept by a trigger function. Other databases: nothing
(the search service falls back to plain substring matching there).

Triggers, not the services, keep the index: every write (a service, a bulk import, a
merge, forgetting someone, a raw UPDATE) updates it in the same transaction.
"""

from django.db import migrations

# The words of a search text as a JSON array for json_each (quotes and backslashes
# cannot occur in folded text; anything malformed gives no words rather than an error).
_JSON = ("'[\"' || replace(replace(replace(trim({0}), '\\', ''), '\"', ''), ' ', '\",\"')"
         " || '\"]'")


def _words(column):
    json = _JSON.format(column)
    return (f"json_each(CASE WHEN json_valid({json}) THEN {json} ELSE '[]' END)")


def _add_words(row):
    return (f"INSERT OR IGNORE INTO people_searchword (organization_id, word) "
            f"SELECT DISTINCT {row}.organization_id, value FROM {_words(row + '.search_text')} "
            f"WHERE value <> '';")


def _prune_words(row, kept=None):
    # A word goes when nobody in the organization has it any more (whole word).
    unless_kept = (f"AND NOT (organization_id = {kept}.organization_id AND word IN "
                   f"(SELECT value FROM {_words(kept + '.search_text')})) " if kept else "")
    return (f"DELETE FROM people_searchword WHERE organization_id = {row}.organization_id "
            f"AND word IN (SELECT value FROM {_words(row + '.search_text')}) {unless_kept}"
            f"AND NOT EXISTS (SELECT 1 FROM people_person_fts f CROSS JOIN people_person p "
            f"ON p.id = f.rowid WHERE f.people_person_fts MATCH "
            f"'\" ' || people_searchword.word || ' \"' "
            f"AND p.organization_id = {row}.organization_id);")


SQLITE_FORWARD = [
    # External content: the text stays in people_person (the trigram table reads it
    # padded, through a view), the FTS tables hold only their indexes.
    "CREATE VIEW people_person_search AS "
    "SELECT id, ' ' || search_text || ' ' AS search_text FROM people_person",
    "CREATE VIRTUAL TABLE people_person_fts USING fts5(search_text, tokenize='trigram', "
    "content='people_person_search', content_rowid='id', columnsize=0)",
    "CREATE VIRTUAL TABLE people_person_words USING fts5(search_text, tokenize='unicode61', "
    "content='people_person', content_rowid='id', columnsize=0, detail=none)",
    "CREATE TABLE people_searchword (organization_id INTEGER NOT NULL, word TEXT NOT NULL, "
    "PRIMARY KEY (organization_id, word)) WITHOUT ROWID",
    "INSERT INTO people_person_fts (people_person_fts) VALUES ('rebuild')",
    "INSERT INTO people_person_words (people_person_words) VALUES ('rebuild')",
    "INSERT OR IGNORE INTO people_searchword (organization_id, word) "
    f"SELECT DISTINCT p.organization_id, value FROM people_person p, {_words('p.search_text')} "
    "WHERE value <> ''",
    "CREATE TRIGGER people_person_search_insert AFTER INSERT ON people_person BEGIN "
    "INSERT INTO people_person_fts (rowid, search_text) "
    "VALUES (new.id, ' ' || new.search_text || ' '); "
    "INSERT INTO people_person_words (rowid, search_text) VALUES (new.id, new.search_text); "
    f"{_add_words('new')} END",
    "CREATE TRIGGER people_person_search_update "
    "AFTER UPDATE OF search_text, organization_id ON people_person "
    "WHEN old.search_text IS NOT new.search_text "
    "OR old.organization_id IS NOT new.organization_id BEGIN "
    "INSERT INTO people_person_fts (people_person_fts, rowid, search_text) "
    "VALUES ('delete', old.id, ' ' || old.search_text || ' '); "
    "INSERT INTO people_person_fts (rowid, search_text) "
    "VALUES (new.id, ' ' || new.search_text || ' '); "
    "INSERT INTO people_person_words (people_person_words, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO people_person_words (rowid, search_text) VALUES (new.id, new.search_text); "
    f"{_add_words('new')} {_prune_words('old', kept='new')} END",
    "CREATE TRIGGER people_person_search_delete AFTER DELETE ON people_person BEGIN "
    "INSERT INTO people_person_fts (people_person_fts, rowid, search_text) "
    "VALUES ('delete', old.id, ' ' || old.search_text || ' '); "
    "INSERT INTO people_person_words (people_person_words, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"{_prune_words('old')} END",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS people_person_search_delete",
    "DROP TRIGGER IF EXISTS people_person_search_update",
    "DROP TRIGGER IF EXISTS people_person_search_insert",
    "DROP TABLE IF EXISTS people_searchword",
    "DROP TABLE IF EXISTS people_person_words",
    "DROP TABLE IF EXISTS people_person_fts",
    "DROP VIEW IF EXISTS people_person_search",
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX people_person_search_trgm ON people_person "
    "USING gin ((' ' || search_text || ' ') gin_trgm_ops)",
    "CREATE INDEX people_person_search_words ON people_person "
    "USING gin (string_to_array(search_text, ' '))",
    'CREATE TABLE people_searchword (organization_id bigint NOT NULL, word text COLLATE "C" '
    "NOT NULL, PRIMARY KEY (organization_id, word))",
    "INSERT INTO people_searchword (organization_id, word) "
    "SELECT DISTINCT organization_id, w FROM people_person, "
    "regexp_split_to_table(search_text, ' ') AS w WHERE w <> '' ON CONFLICT DO NOTHING",
    r"""
CREATE FUNCTION people_word_in_use(organization bigint, word text) RETURNS boolean
LANGUAGE plpgsql SET enable_seqscan = off SET enable_indexscan = off AS $$
-- The planner would rather read the table hoping to meet the word soon, which for a
-- word nobody else has means reading all of it; here it must use the word index (these
-- settings end with the function).
DECLARE
    found boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM people_person WHERE organization_id = %s '
                   'AND string_to_array(search_text, '' '') @> ARRAY[%L])', organization, word)
        INTO found;
    RETURN found;
END $$
""",
    r"""
CREATE FUNCTION people_person_searchword() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    w text;
    still boolean;
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO people_searchword (organization_id, word)
        SELECT DISTINCT NEW.organization_id, x FROM regexp_split_to_table(NEW.search_text, ' ') AS x
        WHERE x <> '' ORDER BY 2 ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        -- A word goes when nobody in the organization has it any more (whole word).
        FOR w IN SELECT DISTINCT x FROM regexp_split_to_table(OLD.search_text, ' ') AS x
                 WHERE x <> '' AND (TG_OP = 'DELETE'
                       OR NEW.organization_id <> OLD.organization_id
                       OR x <> ALL (regexp_split_to_array(NEW.search_text, ' ')))
        LOOP
            -- Most words are common: a few of the organization's rows show it is in use.
            SELECT EXISTS (SELECT 1 FROM (SELECT search_text FROM people_person
                                          WHERE organization_id = OLD.organization_id
                                          LIMIT 500) AS s
                           WHERE string_to_array(s.search_text, ' ') @> ARRAY[w])
                INTO still;
            IF NOT still AND NOT people_word_in_use(OLD.organization_id, w) THEN
                DELETE FROM people_searchword WHERE organization_id = OLD.organization_id
                    AND word = w;
            END IF;
        END LOOP;
    END IF;
    RETURN NULL;
END $$
""",
    r"""
CREATE FUNCTION people_person_searchword_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE people_searchword;
    RETURN NULL;
END $$
""",
    "CREATE TRIGGER people_person_searchword_change AFTER INSERT OR DELETE ON people_person "
    "FOR EACH ROW EXECUTE FUNCTION people_person_searchword()",
    "CREATE TRIGGER people_person_searchword_update AFTER UPDATE OF search_text, "
    "organization_id ON people_person FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM "
    "NEW.search_text OR OLD.organization_id IS DISTINCT FROM NEW.organization_id) "
    "EXECUTE FUNCTION people_person_searchword()",
    "CREATE TRIGGER people_person_searchword_truncate AFTER TRUNCATE ON people_person "
    "FOR EACH STATEMENT EXECUTE FUNCTION people_person_searchword_truncate()",
]

POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS people_person_searchword_truncate ON people_person",
    "DROP TRIGGER IF EXISTS people_person_searchword_update ON people_person",
    "DROP TRIGGER IF EXISTS people_person_searchword_change ON people_person",
    "DROP FUNCTION IF EXISTS people_person_searchword_truncate()",
    "DROP FUNCTION IF EXISTS people_person_searchword()",
    "DROP FUNCTION IF EXISTS people_word_in_use(bigint, text)",
    "DROP TABLE IF EXISTS people_searchword",
    "DROP INDEX IF EXISTS people_person_search_words",
    "DROP INDEX IF EXISTS people_person_search_trgm",
]


class VendorSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor ("sqlite", "postgresql")."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, [self.vendor, kwargs.pop("sql"), kwargs.pop("reverse_sql")], kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        VendorSQL("sqlite", SQLITE_FORWARD, SQLITE_REVERSE),
        VendorSQL("postgresql", POSTGRES_FORWARD, POSTGRES_REVERSE),
    ]
