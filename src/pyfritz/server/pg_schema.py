"""The PostgreSQL storage's schema: its tables, ``pyfritz_put`` and the migrations to them.

:mod:`pyfritz.server.storage_pg` runs :func:`migrate` once per node start;
the notification format and channel here are what its LISTEN side reads.
"""

from __future__ import annotations

import logging

import asyncpg

from .errors import StorageError

__all__ = [
    "CHANNEL",
    "META",
    "MIGRATIONS",
    "NOTIFY_LIMIT",
    "PG_SCHEMA_VERSION",
    "SQLSTATE_FULL",
    "migrate",
]

logger = logging.getLogger("pyfritz.server")

#: The ``LISTEN``/``NOTIFY`` channel.
CHANNEL = "pyfritz"
#: The largest notification that carries the value, in bytes (PostgreSQL's limit is 8,000).
NOTIFY_LIMIT = 7900
#: The schema version this code creates and expects (``pyfritz_meta.schema_version``).
PG_SCHEMA_VERSION = 2
# The SQLSTATE pyfritz_put raises for a write past max_stored (a class of its own,
# so that it can never be mistaken for one of PostgreSQL's).
SQLSTATE_FULL = "PF001"

# The parts of pyfritz_put every version has: check, write, notify.
_PUT_WRITE = """
        IF p_id IS NULL OR length(p_id) = 0 OR length(p_id) > 256 THEN
            RAISE EXCEPTION 'pyfritz_put: id must be 1 to 256 characters';
        END IF;
        IF p_value IS NULL OR json_typeof(p_value::json) = 'null' THEN
            RAISE EXCEPTION 'pyfritz_put: value must be JSON, not null';
        END IF;
        INSERT INTO pyfritz_entities AS e (id, rev, value) VALUES (p_id, 1, p_value)
        ON CONFLICT (id) DO UPDATE SET rev = e.rev + 1, value = EXCLUDED.value
        RETURNING e.rev INTO new_rev;
"""
_PUT_NOTIFY = f"""
        header := json_build_array(p_id, new_rev, p_origin, p_seq)::text || E'\\n';
        IF octet_length(header) + octet_length(p_value) <= {NOTIFY_LIMIT} THEN
            PERFORM pg_notify('{CHANNEL}', header || p_value);
        ELSE
            PERFORM pg_notify('{CHANNEL}', header);
        END IF;
        RETURN new_rev;
"""

# Step n brings the schema from version n to n + 1; each runs in one transaction.
MIGRATIONS = [
    f"""
    CREATE TABLE pyfritz_entities (
        id    text PRIMARY KEY,
        rev   bigint NOT NULL,
        value text NOT NULL
    );
    CREATE FUNCTION pyfritz_put(
        p_id text, p_value text, p_origin text DEFAULT NULL, p_seq bigint DEFAULT NULL
    ) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
        new_rev bigint;
        header text;
    BEGIN
    {_PUT_WRITE}
    {_PUT_NOTIFY}
    END
    $$;
    """,
    # 1 -> 2: the total of the stored values, kept in the database.
    f"""
    -- Holds off writers (old nodes' included) until this commits, so that the
    -- total counted below misses none and the trigger counts every later one.
    LOCK TABLE pyfritz_entities IN SHARE ROW EXCLUSIVE MODE;
    CREATE TABLE pyfritz_stored (
        single      boolean PRIMARY KEY DEFAULT true CHECK (single),
        bytes       bigint NOT NULL,
        last_change bigint NOT NULL DEFAULT 0   -- the last write's change of bytes
    );
    INSERT INTO pyfritz_stored (bytes)
        SELECT COALESCE(sum(octet_length(value)), 0) FROM pyfritz_entities;
    CREATE FUNCTION pyfritz_count_stored() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        change bigint;
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            UPDATE pyfritz_stored SET bytes = 0, last_change = 0;
            RETURN NULL;
        ELSIF TG_OP = 'INSERT' THEN
            change := octet_length(NEW.value);
        ELSIF TG_OP = 'UPDATE' THEN
            change := octet_length(NEW.value) - octet_length(OLD.value);
        ELSE
            change := -octet_length(OLD.value);
        END IF;
        UPDATE pyfritz_stored SET bytes = bytes + change, last_change = change;
        RETURN NULL;
    END
    $$;
    CREATE TRIGGER pyfritz_count_stored AFTER INSERT OR UPDATE OR DELETE ON pyfritz_entities
        FOR EACH ROW EXECUTE FUNCTION pyfritz_count_stored();
    CREATE TRIGGER pyfritz_count_truncate AFTER TRUNCATE ON pyfritz_entities
        FOR EACH STATEMENT EXECUTE FUNCTION pyfritz_count_stored();
    DROP FUNCTION pyfritz_put(text, text, text, bigint);
    CREATE FUNCTION pyfritz_put(
        p_id text, p_value text, p_origin text DEFAULT NULL, p_seq bigint DEFAULT NULL,
        p_max_stored bigint DEFAULT NULL
    ) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE
        new_rev bigint;
        header text;
        total bigint;
        change bigint;
    BEGIN
    {_PUT_WRITE}
        IF p_max_stored IS NOT NULL THEN
            -- The trigger has updated the total, and its row stays locked by this
            -- transaction until it ends: what is read here is exact.
            SELECT bytes, last_change INTO total, change FROM pyfritz_stored;
            IF change > 0 AND total > p_max_stored THEN
                -- Rolls back the write and the total with it.
                RAISE EXCEPTION USING ERRCODE = '{SQLSTATE_FULL}',
                    MESSAGE = format('pyfritz_put: storage full (%s bytes)', p_max_stored);
            END IF;
        END IF;
    {_PUT_NOTIFY}
    END
    $$;
    """,
]

META = "CREATE TABLE IF NOT EXISTS pyfritz_meta (key text PRIMARY KEY, value text NOT NULL)"


async def migrate(connection: asyncpg.Connection) -> None:
    """Create the schema, or bring it to :data:`PG_SCHEMA_VERSION`; once across nodes."""
    async with connection.transaction():
        # Nodes starting together: the first creates, the others wait and find it done.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('pyfritz_schema'))")
        await connection.execute(META)
        found = await connection.fetchval(
            "SELECT value FROM pyfritz_meta WHERE key = 'schema_version'"
        )
        version = 0 if found is None else int(found)
        if version > PG_SCHEMA_VERSION:
            raise StorageError(
                f"the database's pyfritz schema is version {version}, newer than this "
                f"server's ({PG_SCHEMA_VERSION}); upgrade pyfritz"
            )
        for step in MIGRATIONS[version:]:
            await connection.execute(step)
        if version < PG_SCHEMA_VERSION:
            await connection.execute(
                "INSERT INTO pyfritz_meta (key, value) VALUES ('schema_version', $1) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                str(PG_SCHEMA_VERSION),
            )
            logger.info("pyfritz schema: version %d -> %d", version, PG_SCHEMA_VERSION)
