-- 004_metrc.sql — what adapters/metrc keeps (runtime/store/pg_metrc.c):
-- the mirror a sync pulls from Metrc, the log of sync runs, and the outbox
-- of writes for Metrc. Every row is a tenant's, under the same row-level
-- security as the journal (edict.tenant set per transaction).

-- Each object as Metrc gave it, replaced by a later sync.
CREATE TABLE edict.metrc_object (
    tenant text NOT NULL,
    license text NOT NULL,
    resource text NOT NULL,
    id text NOT NULL,
    label text NOT NULL DEFAULT '',
    last_modified text NOT NULL DEFAULT '',
    body jsonb NOT NULL,
    synced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, license, resource, id)
);
CREATE INDEX metrc_object_label ON edict.metrc_object (tenant, license, resource, label);

-- One row per sync run: licence, started, finished, counts, errors.
CREATE TABLE edict.metrc_sync (
    n bigserial PRIMARY KEY,
    tenant text NOT NULL,
    license text NOT NULL,
    run jsonb NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX metrc_sync_tenant ON edict.metrc_sync (tenant, n);

-- An operation for Metrc, kept before it is sent; its key is sent with it
-- (X-Idempotency-Key) on every attempt. pending -> sent | dead.
CREATE TABLE edict.metrc_outbox (
    n bigserial,
    tenant text NOT NULL,
    key text NOT NULL CHECK (key <> ''),
    license text NOT NULL,
    method text NOT NULL CHECK (method IN ('POST', 'PUT', 'DELETE')),
    path text NOT NULL CHECK (path LIKE '/%'),
    body text NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    message text NOT NULL DEFAULT '',
    attempts integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    done_at timestamptz,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX metrc_outbox_pending ON edict.metrc_outbox (tenant, state, n);

ALTER TABLE edict.metrc_object ENABLE ROW LEVEL SECURITY;
ALTER TABLE edict.metrc_object FORCE ROW LEVEL SECURITY;
CREATE POLICY own_tenant ON edict.metrc_object
    USING (tenant = current_setting('edict.tenant', true))
    WITH CHECK (tenant = current_setting('edict.tenant', true));
ALTER TABLE edict.metrc_sync ENABLE ROW LEVEL SECURITY;
ALTER TABLE edict.metrc_sync FORCE ROW LEVEL SECURITY;
CREATE POLICY own_tenant ON edict.metrc_sync
    USING (tenant = current_setting('edict.tenant', true))
    WITH CHECK (tenant = current_setting('edict.tenant', true));
ALTER TABLE edict.metrc_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE edict.metrc_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY own_tenant ON edict.metrc_outbox
    USING (tenant = current_setting('edict.tenant', true))
    WITH CHECK (tenant = current_setting('edict.tenant', true));

REVOKE ALL ON edict.metrc_object, edict.metrc_sync, edict.metrc_outbox FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON edict.metrc_object TO edict_app;
GRANT SELECT, INSERT ON edict.metrc_sync TO edict_app;
GRANT SELECT, INSERT, UPDATE ON edict.metrc_outbox TO edict_app;
GRANT USAGE ON SEQUENCE edict.metrc_sync_n_seq, edict.metrc_outbox_n_seq TO edict_app;
