"""On PostgreSQL, history tables refuse UPDATE and DELETE at the database level, so not even a
bulk `QuerySet.update()` or a raw statement can rewrite the past. (TRUNCATE, which only a
database owner's maintenance runs, is not a row change and stays possible.)"""

from __future__ import annotations

FUNCTION = """
CREATE OR REPLACE FUNCTION crm_refuse_history_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history is immutable: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def protect_table(apps, schema_editor, table: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_immutable" ON "{table}"')
    schema_editor.execute(
        f'CREATE TRIGGER "{table}_immutable" BEFORE UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION crm_refuse_history_rewrite()"
    )


def unprotect_table(apps, schema_editor, table: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_immutable" ON "{table}"')


def protect(table: str):
    """A pair of RunPython callables for a migration: `migrations.RunPython(*protect("t"))`."""
    return (
        lambda apps, schema_editor: protect_table(apps, schema_editor, table),
        lambda apps, schema_editor: unprotect_table(apps, schema_editor, table),
    )
