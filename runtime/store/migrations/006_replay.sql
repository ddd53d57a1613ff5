-- 006_replay.sql — what `edict replay` needs (docs/AUDIT.md, "Replay"):
-- each decision's row keeps the digest of the catalog that decided it and
-- the event's exact bytes, both covered by the chain hash (the record is
-- rebuilt with them, ed_store_record_fields); and every catalog that
-- served, with its pack versions by digest, in tables every node shares.

-- NULL catalog: a row from before replay, or a host record (the older
-- record form); '' a decision whose catalog was not known. The event is
-- NULL once archived with its decision (or when it was never known).
ALTER TABLE edict.journal ADD COLUMN catalog text, ADD COLUMN event bytea;

CREATE TABLE edict.kept_catalog (
    digest text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'), -- SHA-256 of manifest
    manifest text NOT NULL,   -- "<pack|tenant> <pack digest> <label>" lines, sorted
    kept_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE edict.kept_pack_file (
    pack text NOT NULL CHECK (pack ~ '^[0-9a-f]{64}$'),       -- the pack version's digest
    path text NOT NULL CHECK (path <> '' AND path !~ '(^|/)\.\.(/|$)' AND path !~ '^/'),
    bytes bytea NOT NULL,
    PRIMARY KEY (pack, path)
);

CREATE TRIGGER kept_catalog_append_only BEFORE UPDATE OR DELETE ON edict.kept_catalog
    FOR EACH ROW EXECUTE FUNCTION edict.refuse_change();
CREATE TRIGGER kept_catalog_no_truncate BEFORE TRUNCATE ON edict.kept_catalog
    FOR EACH STATEMENT EXECUTE FUNCTION edict.refuse_change();
CREATE TRIGGER kept_pack_file_append_only BEFORE UPDATE OR DELETE ON edict.kept_pack_file
    FOR EACH ROW EXECUTE FUNCTION edict.refuse_change();
CREATE TRIGGER kept_pack_file_no_truncate BEFORE TRUNCATE ON edict.kept_pack_file
    FOR EACH STATEMENT EXECUTE FUNCTION edict.refuse_change();

-- Archiving removes the event with its decision (it has the decision's
-- retention); nothing else of the row changes.
CREATE OR REPLACE FUNCTION edict.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'journal' THEN
        IF current_setting('edict.archiving', true) = 'on'
           AND OLD.bytes IS NOT NULL AND NEW.bytes IS NULL AND NEW.event IS NULL
           AND OLD.retention_until ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
           AND OLD.retention_until < to_char(current_date, 'YYYY-MM-DD')
           AND (NEW.tenant, NEW.seq, NEW.prev, NEW.hash, NEW.decision_id, NEW.event_id,
                NEW.occurred_at, NEW.day, NEW.flag, NEW.type, NEW.retention_until, NEW.len,
                NEW.stored_at, NEW.catalog)
               IS NOT DISTINCT FROM
               (OLD.tenant, OLD.seq, OLD.prev, OLD.hash, OLD.decision_id, OLD.event_id,
                OLD.occurred_at, OLD.day, OLD.flag, OLD.type, OLD.retention_until, OLD.len,
                OLD.stored_at, OLD.catalog) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'edict.%: % refused: the audit store is append-only', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION edict.archive(p_tenant text, p_as_of date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = edict, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM set_config('edict.tenant', p_tenant, true);
    PERFORM set_config('edict.archiving', 'on', true);
    UPDATE edict.journal SET bytes = NULL, event = NULL
     WHERE tenant = p_tenant AND bytes IS NOT NULL
       AND retention_until ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
       AND retention_until < to_char(least(p_as_of, current_date), 'YYYY-MM-DD');
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('edict.archiving', 'off', true);
    RETURN n;
END
$$;

REVOKE ALL ON edict.kept_catalog, edict.kept_pack_file FROM PUBLIC;
GRANT SELECT, INSERT ON edict.kept_catalog, edict.kept_pack_file TO edict_app;
