-- 002_nodes.sql — what the nodes of one database share beyond the journal:
-- scheduled work and leases (runtime/store/pg_jobs.c), and a lookup of an
-- Idempotency-Key answer by its key (a node asks the database when its own
-- memory has no answer: another node may have given it).
--
-- A job (the retention sweep, later deadline alerts and the Metrc sync) is
-- a row of edict.jobs, due at run_at. A node claims a due job with
-- SELECT … FOR UPDATE SKIP LOCKED (two nodes never wait on each other for
-- it) and, in the same transaction, takes the lease 'job:<name>' for the
-- length of the run. The run itself holds no transaction; when it ends the
-- node moves run_at to the next period (or, when it failed, backs off),
-- records the run in edict.job_runs and gives the lease up, all in one
-- transaction, and only while it still holds the lease. A node that dies
-- mid-run leaves its lease to expire; then another node runs the job
-- again: at least once, exactly once when nothing dies.
--
-- Leases are rows with a holder and an expiry, not session advisory locks:
-- those belong to a connection, and a pooler that recycles the connection
-- (or hands it to someone else) loses or leaks them.

CREATE TABLE edict.jobs (
    name text PRIMARY KEY CHECK (name <> ''),
    period_s double precision NOT NULL CHECK (period_s > 0),
    run_at timestamptz NOT NULL,           -- due from then on
    attempts integer NOT NULL DEFAULT 0,   -- failed or unfinished runs since the last success
    last_error text,
    last_holder text,
    last_started_at timestamptz,
    last_done_at timestamptz
);

CREATE TABLE edict.lease (
    name text PRIMARY KEY CHECK (name <> ''),
    holder text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- What ran, where, for which due time: an operator's record, and how a
-- test sees that a job ran once per period.
CREATE TABLE edict.job_runs (
    name text NOT NULL,
    due_at timestamptz NOT NULL,
    holder text NOT NULL,
    attempt integer NOT NULL,
    ok boolean NOT NULL,
    message text NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_runs_name ON edict.job_runs (name, finished_at);

-- idempotency records by key (the tenant first, as every key here)
CREATE INDEX idempotency_key ON edict.idempotency (tenant, key);

-- A key being answered: a node claims it before deciding, so two nodes
-- that receive one new key at the same moment never both decide it (the
-- second is told it is in progress). A claim expires (a node that died
-- mid-request holds it no longer) and is given up when the request fails.
CREATE TABLE edict.idempotency_claim (
    tenant text NOT NULL,
    key text NOT NULL,
    digest bytea NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, key)
);
ALTER TABLE edict.idempotency_claim ENABLE ROW LEVEL SECURITY;
ALTER TABLE edict.idempotency_claim FORCE ROW LEVEL SECURITY;
CREATE POLICY own_tenant ON edict.idempotency_claim
    USING (tenant = current_setting('edict.tenant', true))
    WITH CHECK (tenant = current_setting('edict.tenant', true));

REVOKE ALL ON edict.jobs, edict.lease, edict.job_runs, edict.idempotency_claim FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON edict.idempotency_claim TO edict_app;
GRANT SELECT, INSERT, UPDATE ON edict.jobs, edict.lease TO edict_app;
GRANT SELECT, INSERT ON edict.job_runs TO edict_app;
