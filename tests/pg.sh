#!/bin/sh
# pg.sh — a private PostgreSQL server for the tests: Debian's postgresql
# package, a cluster made by initdb into a temporary folder, a Unix socket
# in that folder and a private TCP port on 127.0.0.1. Nothing of the
# machine's own PostgreSQL is touched.
#
#   . tests/pg.sh; pg_start      start it and export what the tests use:
#       EDICT_PG_DIR             the folder (cluster, socket, log)
#       EDICT_PG_ADMIN           conninfo of the superuser (socket, trust):
#                                what a test uses to tamper, never edict
#       EDICT_PG_URL             postgres://edict@127.0.0.1:PORT/edict, the
#                                role edict runs as (member of edict_app,
#                                schema migrated); its password is in
#       PGPASSFILE               a pgpass file (libpq reads it), never in a URL
#       EDICT_PG_PASSWORD        the same password, for tests that grep
#                                logs for it
#   pg_stop                      stop it and remove the folder
#
# The server refuses to run as root, so as root the cluster belongs to the
# `postgres` system user (the package makes it). Callers put pg_stop in a
# trap so that a failing test still stops the server. When the binaries
# are missing, pg_start fails with what to install.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        # runuser keeps our environment (PATH), su would not; from a folder
        # postgres may enter (the checkout may be under /root)
        (cd "$EDICT_PG_DIR" && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_start() {
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        echo "pg.sh: no PostgreSQL server binaries (apt-get install postgresql, or make deps)" >&2
        return 1
    fi
    EDICT_PG_DIR=$(mktemp -d /tmp/edict-pg-XXXXXX) || return 1
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$EDICT_PG_DIR"
    fi
    chmod 0755 "$EDICT_PG_DIR"
    # a private port, from the folder's name; the next one when it is taken
    port=$(( 20000 + $(printf '%s' "$EDICT_PG_DIR" | cksum | cut -d' ' -f1) % 20000 ))
    pg_as_owner "$PG_BIN/initdb" -D "$EDICT_PG_DIR/data" -U postgres -E UTF8 \
        --locale=C --auth-local=trust --auth-host=scram-sha-256 >"$EDICT_PG_DIR/initdb.log" 2>&1 || {
        echo "pg.sh: initdb failed:" >&2
        cat "$EDICT_PG_DIR/initdb.log" >&2
        return 1
    }
    # fsync stays on: the tests check what a COMMIT promises
    tries=0
    until pg_as_owner "$PG_BIN/pg_ctl" -D "$EDICT_PG_DIR/data" -l "$EDICT_PG_DIR/server.log" \
        -w -o "-k $EDICT_PG_DIR -p $port -c listen_addresses=127.0.0.1 -c max_connections=60" \
        start >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -ge 5 ]; then
            echo "pg.sh: the server did not start:" >&2
            cat "$EDICT_PG_DIR/server.log" >&2
            return 1
        fi
        port=$((port + 1))
    done
    EDICT_PG_PORT=$port
    EDICT_PG_ADMIN="host=$EDICT_PG_DIR port=$port user=postgres dbname=postgres"
    EDICT_PG_PASSWORD="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    # the owner of the schema (runs `edict db migrate`) and the role edict
    # runs as, which gets only what the migration grants edict_app
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$EDICT_PG_ADMIN" >/dev/null <<EOF || return 1
CREATE ROLE edict_owner LOGIN CREATEROLE PASSWORD '$EDICT_PG_PASSWORD';
CREATE ROLE edict LOGIN PASSWORD '$EDICT_PG_PASSWORD';
CREATE DATABASE edict OWNER edict_owner;
EOF
    PGPASSFILE=$EDICT_PG_DIR/pgpass
    printf '127.0.0.1:%s:*:edict:%s\n127.0.0.1:%s:*:edict_owner:%s\n' \
        "$port" "$EDICT_PG_PASSWORD" "$port" "$EDICT_PG_PASSWORD" >"$PGPASSFILE"
    chmod 0600 "$PGPASSFILE"
    EDICT_PG_URL="postgres://edict@127.0.0.1:$port/edict"
    EDICT_PG_OWNER_URL="postgres://edict_owner@127.0.0.1:$port/edict"
    export PG_BIN EDICT_PG_DIR EDICT_PG_PORT EDICT_PG_ADMIN EDICT_PG_PASSWORD PGPASSFILE \
        EDICT_PG_URL EDICT_PG_OWNER_URL
}

# Migrate the edict database as its owner and let the role edict in.
pg_migrate() {
    "${EDICT:-build/rel/edict}" db migrate --store "$EDICT_PG_OWNER_URL" >/dev/null || return 1
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$EDICT_PG_ADMIN dbname=edict" \
        -c 'GRANT edict_app TO edict' >/dev/null
}

# psql as the superuser on the edict database: tampering, inspection.
pg_admin_sql() {
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$EDICT_PG_ADMIN dbname=edict" -c "$1"
}

pg_stop() {
    [ -n "${EDICT_PG_DIR:-}" ] && [ -d "$EDICT_PG_DIR" ] || return 0
    pg_as_owner "$PG_BIN/pg_ctl" -D "$EDICT_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$EDICT_PG_DIR"
    EDICT_PG_DIR=
}

# For a CLI test (after tests/cli/lib.sh): the run's server, or a private
# one this script starts and stops; then a database of the test's own,
# migrated, named PREFIX_<pid>. Sets DB, URL (as edict), OWNER_URL, and
# db_sql SQL (as the superuser on it). Without a server: one failure and
# the summary.
pg_test_db() {
    if [ -z "${EDICT_PG_ADMIN:-}" ]; then
        if ! pg_start || ! EDICT=$EDICT pg_migrate; then
            fail "setup" "no PostgreSQL server (make deps installs it)"
            pg_stop
            summary
        fi
        trap 'pg_stop; rm -rf "$TMP"' EXIT
    fi
    DB=${1}_$$
    "$PG_BIN/psql" -X -q "$EDICT_PG_ADMIN" -c "CREATE DATABASE $DB OWNER edict_owner" >/dev/null
    OWNER_URL=postgres://edict_owner@127.0.0.1:$EDICT_PG_PORT/$DB
    URL=postgres://edict@127.0.0.1:$EDICT_PG_PORT/$DB
}

db_sql() {  # SQL as the superuser on the test's database
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$EDICT_PG_ADMIN dbname=$DB" -c "$1"
}
