-- 001_journal.sql — the audit store in PostgreSQL (runtime/store/pg_store.c).
-- Run by `edict db migrate` in one transaction (after it has made
-- edict.schema_version, where it records each file), as the role that is to own
-- the schema (it needs CREATEROLE for the group role below, once).
--
-- The chain is computed by the host, never here:
--     hash_n = SHA-256(hash_{n-1} || record_n || decision_n)
-- where record_n is rebuilt from this row's columns exactly as the file
-- store writes it (ed_store_record_fields), so changing any column breaks
-- the chain.

CREATE SCHEMA IF NOT EXISTS edict;

-- The role edict connects as is made a member of this one by the operator
-- (docs/DEPLOY.md): it gets INSERT and SELECT on the journal, nothing more.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'edict_app') THEN
        CREATE ROLE edict_app NOLOGIN;
    END IF;
END
$$;

-- One row per tenant: the head of its chain. Appends lock this row (FOR
-- UPDATE), so one tenant's appends are serialised and other tenants' go on
-- in parallel; seq is taken from here, so a chain has no gaps (a sequence
-- would skip on rollback). It holds no decision, only where each chain
-- ends, and is how a node lists the chains it verifies.
CREATE TABLE edict.chain_head (
    tenant text PRIMARY KEY CHECK (tenant <> ''),
    seq bigint NOT NULL CHECK (seq >= 0),
    hash bytea NOT NULL CHECK (length(hash) = 32)
);

CREATE TABLE edict.journal (
    tenant text NOT NULL,
    seq bigint NOT NULL CHECK (seq >= 1),
    prev bytea NOT NULL CHECK (length(prev) = 32),
    hash bytea NOT NULL CHECK (length(hash) = 32),
    decision_id text NOT NULL,
    event_id text NOT NULL,
    occurred_at text NOT NULL,
    day integer NOT NULL,   -- occurred_at's date as yyyymmdd (0: none), for queries
    flag text NOT NULL,
    type text NOT NULL,
    retention_until text NOT NULL,
    len bigint NOT NULL CHECK (len >= 0),
    bytes bytea,            -- NULL once archived past retention_until
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX journal_decision_id ON edict.journal (tenant, decision_id)
    WHERE decision_id <> '';
-- an append-only log is written in time order: a BRIN index is a few
-- pages where a B-tree would be as large as the column
CREATE INDEX journal_day ON edict.journal USING brin (day);

CREATE TABLE edict.checkpoint (
    tenant text NOT NULL,
    seq bigint NOT NULL,
    hash bytea NOT NULL CHECK (length(hash) = 32),
    signature text NOT NULL,
    signed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, seq, signature)
);

CREATE TABLE edict.idempotency (
    tenant text NOT NULL,
    key text NOT NULL,
    digest bytea NOT NULL,
    status integer NOT NULL,
    headers text NOT NULL,
    body bytea NOT NULL,
    expires_at bigint NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_tenant ON edict.idempotency (tenant, expires_at);

-- Append-only, in the database itself. Row triggers refuse UPDATE and
-- DELETE; TRUNCATE fires no row trigger, so a statement trigger refuses it.
-- The one UPDATE let through is edict.archive's: a body removed past its
-- own retention_until, everything else of the row (seq, hash) kept.
CREATE FUNCTION edict.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- nested: OLD.bytes exists only on the journal (an IF's expression is
    -- resolved whole, AND does not stop it)
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'journal' THEN
        IF current_setting('edict.archiving', true) = 'on'
           AND OLD.bytes IS NOT NULL AND NEW.bytes IS NULL
           AND OLD.retention_until ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
           AND OLD.retention_until < to_char(current_date, 'YYYY-MM-DD')
           AND (NEW.tenant, NEW.seq, NEW.prev, NEW.hash, NEW.decision_id, NEW.event_id,
                NEW.occurred_at, NEW.day, NEW.flag, NEW.type, NEW.retention_until, NEW.len,
                NEW.stored_at)
               IS NOT DISTINCT FROM
               (OLD.tenant, OLD.seq, OLD.prev, OLD.hash, OLD.decision_id, OLD.event_id,
                OLD.occurred_at, OLD.day, OLD.flag, OLD.type, OLD.retention_until, OLD.len,
                OLD.stored_at) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'edict.%: % refused: the audit store is append-only', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON edict.journal
    FOR EACH ROW EXECUTE FUNCTION edict.refuse_change();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON edict.journal
    FOR EACH STATEMENT EXECUTE FUNCTION edict.refuse_change();
CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON edict.checkpoint
    FOR EACH ROW EXECUTE FUNCTION edict.refuse_change();
CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON edict.checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION edict.refuse_change();
-- a chain head only moves forward
CREATE FUNCTION edict.head_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.tenant = OLD.tenant AND NEW.seq > OLD.seq THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'edict.chain_head: % refused: a chain head only moves forward', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER chain_head_forward BEFORE UPDATE OR DELETE ON edict.chain_head
    FOR EACH ROW EXECUTE FUNCTION edict.head_forward();
CREATE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON edict.chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION edict.head_forward();

-- Tenants see only their own rows. The tenant is set per transaction
-- (set_config('edict.tenant', T, true), i.e. SET LOCAL); with none set, no
-- row. FORCE: the owner is held to the policies too.
ALTER TABLE edict.journal ENABLE ROW LEVEL SECURITY;
ALTER TABLE edict.journal FORCE ROW LEVEL SECURITY;
ALTER TABLE edict.checkpoint ENABLE ROW LEVEL SECURITY;
ALTER TABLE edict.checkpoint FORCE ROW LEVEL SECURITY;
ALTER TABLE edict.idempotency ENABLE ROW LEVEL SECURITY;
ALTER TABLE edict.idempotency FORCE ROW LEVEL SECURITY;
CREATE POLICY own_tenant ON edict.journal
    USING (tenant = current_setting('edict.tenant', true))
    WITH CHECK (tenant = current_setting('edict.tenant', true));
CREATE POLICY own_tenant ON edict.checkpoint
    USING (tenant = current_setting('edict.tenant', true))
    WITH CHECK (tenant = current_setting('edict.tenant', true));
CREATE POLICY own_tenant ON edict.idempotency
    USING (tenant = current_setting('edict.tenant', true))
    WITH CHECK (tenant = current_setting('edict.tenant', true));

-- The one way a body leaves the journal: past its own retention_until,
-- judged by the database's date (never later than as_of), keeping seq and
-- hash so the chain still verifies. Runs as the owner; the trigger above
-- checks each row again.
CREATE FUNCTION edict.archive(p_tenant text, p_as_of date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = edict, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM set_config('edict.tenant', p_tenant, true);
    PERFORM set_config('edict.archiving', 'on', true);
    UPDATE edict.journal SET bytes = NULL
     WHERE tenant = p_tenant AND bytes IS NOT NULL
       AND retention_until ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
       AND retention_until < to_char(least(p_as_of, current_date), 'YYYY-MM-DD');
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('edict.archiving', 'off', true);
    RETURN n;
END
$$;

REVOKE ALL ON SCHEMA edict FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA edict FROM PUBLIC;
REVOKE ALL ON FUNCTION edict.archive(text, date) FROM PUBLIC;
GRANT USAGE ON SCHEMA edict TO edict_app;
GRANT SELECT ON edict.schema_version TO edict_app;
GRANT SELECT, INSERT ON edict.journal, edict.checkpoint, edict.idempotency TO edict_app;
GRANT SELECT, INSERT, UPDATE ON edict.chain_head TO edict_app;
GRANT EXECUTE ON FUNCTION edict.archive(text, date) TO edict_app;
