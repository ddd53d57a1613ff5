-- 003_packs.sql — pack generations published to the database by `edict
-- packs publish DIR` (runtime/store/pg_packs.c): every file of the tree
-- with its SHA-256, under a generation number. Nodes learn of a new one by
-- LISTEN edict_packs (the publish NOTIFYs in its transaction, so the
-- notification is sent only once it committed) and by polling, then fetch
-- it, build and vet it as a reload does, and switch when it passes.

CREATE TABLE edict.pack_generation (
    id bigserial PRIMARY KEY,
    digest text NOT NULL,        -- SHA-256 over "path\0digest\n" of every file, in path order
    files integer NOT NULL CHECK (files > 0),
    published_by text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE edict.pack_file (
    generation bigint NOT NULL REFERENCES edict.pack_generation (id),
    path text NOT NULL CHECK (path <> '' AND path !~ '(^|/)\.\.(/|$)' AND path !~ '^/'),
    digest text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    bytes bytea NOT NULL,
    PRIMARY KEY (generation, path)
);

-- a generation, once published, is what it was
CREATE TRIGGER pack_generation_append_only BEFORE UPDATE OR DELETE ON edict.pack_generation
    FOR EACH ROW EXECUTE FUNCTION edict.refuse_change();
CREATE TRIGGER pack_file_append_only BEFORE UPDATE OR DELETE ON edict.pack_file
    FOR EACH ROW EXECUTE FUNCTION edict.refuse_change();

REVOKE ALL ON edict.pack_generation, edict.pack_file FROM PUBLIC;
GRANT SELECT, INSERT ON edict.pack_generation, edict.pack_file TO edict_app;
GRANT USAGE ON SEQUENCE edict.pack_generation_id_seq TO edict_app;
