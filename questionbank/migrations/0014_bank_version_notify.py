"""PostgreSQL: every write to the bank's version token is announced with NOTIFY.

Each app server connection LISTENs on `questionbank_bank` and reads the token
again only after an announcement (questionbank/postgresql/base.py): a kit
then costs no query for it while the bank is unchanged. The trigger fires for
any write to the table, through the ORM or not, and PostgreSQL delivers the
announcement when the write commits (never for one rolled back). Nothing to do
on SQLite.
"""

from django.db import migrations

CHANNEL = "questionbank_bank"  # questionbank.postgresql.base.BANK_CHANNEL

CREATE = f"""
CREATE FUNCTION questionbank_bank_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER questionbank_bank_notify
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON questionbank_bankversion
    FOR EACH STATEMENT EXECUTE FUNCTION questionbank_bank_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS questionbank_bank_notify ON questionbank_bankversion;
DROP FUNCTION IF EXISTS questionbank_bank_notify();
"""


def run(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("questionbank", "0013_kit_question_unindexed")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
