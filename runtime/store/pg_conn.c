/*
 * pg_conn.c — connecting to PostgreSQL for the store, and keeping
 * passwords out of every message. A location may carry a password
 * (postgres://u:pw@host/db) though docs/DEPLOY.md says to use PGPASSFILE,
 * PGPASSWORD or $EDICT_PG_PASSWORD_FILE: whichever it is, no message edict
 * writes names it — messages name the location as postgres://user@host:port/db,
 * and libpq's own text is scrubbed of every password edict knows of.
 */
#define _DEFAULT_SOURCE /* explicit_bzero */
#define _POSIX_C_SOURCE 200809L
#define pg_conn_c

#include "pg_conn.h"

#include "util/alloc.h"
#include "util/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSWORD_FILE_ENV "EDICT_PG_PASSWORD_FILE"
#define CONNECT_TIMEOUT_S "10"
/* No statement waits forever (a chain head locked by a stuck node, a
 * database that stopped answering): past 30 s it fails with the server's
 * "canceling statement due to statement timeout", and that group is not
 * acknowledged. A walk (audit verify) lifts it for its own transaction. */
#define DEFAULT_STATEMENT_TIMEOUT_MS 30000
#define APPLICATION_NAME "edict"

int ed_pg_is_location(const char *location)
{
    return strncmp(location, "postgres://", 11) == 0 ||
           strncmp(location, "postgresql://", 13) == 0;
}

/* The password written in a URL's user part, as written (percent-encoded
 * or not), or NULL. malloc'd. */
static char *url_password(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL) {
        return NULL;
    }
    p += 3;
    size_t authority = strcspn(p, "/?");
    const char *at = NULL;
    for (size_t i = 0; i < authority; i++) {
        if (p[i] == '@') {
            at = p + i;
        }
    }
    if (at == NULL) {
        return NULL;
    }
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (colon == NULL || colon + 1 == at) {
        return NULL;
    }
    char *pw = malloc((size_t)(at - colon));
    if (pw == NULL) {
        abort();
    }
    memcpy(pw, colon + 1, (size_t)(at - colon - 1));
    pw[at - colon - 1] = '\0';
    return pw;
}

static void add_secret(ed_pg_target *t, const char *s)
{
    if (s == NULL || *s == '\0') {
        return;
    }
    for (size_t i = 0; i < sizeof t->secrets / sizeof t->secrets[0] - 1; i++) {
        if (t->secrets[i] == NULL) {
            t->secrets[i] = ed_strdup(s);
            return;
        }
    }
}

int ed_pg_target_init(ed_pg_target *t, const char *location, ed_buf *err)
{
    memset(t, 0, sizeof *t);
    t->url = ed_strdup(location);
    char *raw = url_password(location);
    add_secret(t, raw);
    free(raw);
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(location, &why);
    if (opts == NULL) {
        /* libpq's reason may quote the URL: give only the safe part */
        ed_buf_puts(err, "the store location is not a valid postgres:// URL");
        if (why != NULL) {
            ed_buf_puts(err, ": ");
            ed_buf tmp = {0};
            ed_buf_puts(&tmp, why);
            ed_pg_error(t, NULL, NULL, NULL, &tmp); /* scrubbed of what we know */
            ed_buf_append(err, tmp.data, tmp.len);
            ed_buf_free(&tmp);
            PQfreemem(why);
        }
        ed_pg_target_free(t);
        return -1;
    }
    const char *user = "", *host = "", *port = "", *db = "";
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        const char *v = o->val ? o->val : "";
        if (strcmp(o->keyword, "user") == 0) {
            user = v;
        } else if (strcmp(o->keyword, "host") == 0) {
            host = v;
        } else if (strcmp(o->keyword, "port") == 0) {
            port = v;
        } else if (strcmp(o->keyword, "dbname") == 0) {
            db = v;
        } else if (strcmp(o->keyword, "password") == 0) {
            add_secret(t, o->val); /* decoded, when the URL encoded it */
        }
    }
    ed_buf shown = {0};
    ed_buf_printf(&shown, "postgres://%s%s%s%s%s/%s", user, *user ? "@" : "", host,
                  *port ? ":" : "", port, db);
    t->shown = ed_strdup(shown.data);
    ed_buf_free(&shown);
    PQconninfoFree(opts);
    const char *pw_file = getenv(PASSWORD_FILE_ENV);
    if (pw_file != NULL && *pw_file != '\0') {
        size_t len = 0;
        char *pw = ed_read_file(pw_file, &len);
        if (pw == NULL) {
            ed_buf_printf(err, "store %s: cannot read the password file named by $%s (%s)",
                          t->shown, PASSWORD_FILE_ENV, pw_file);
            ed_pg_target_free(t);
            return -1;
        }
        pw[strcspn(pw, "\r\n")] = '\0'; /* its first line */
        t->password = pw;
        add_secret(t, pw);
    }
    add_secret(t, getenv("PGPASSWORD"));
    return 0;
}

void ed_pg_target_free(ed_pg_target *t)
{
    free(t->url);
    free(t->shown);
    for (size_t i = 0; i < sizeof t->secrets / sizeof t->secrets[0]; i++) {
        free(t->secrets[i]);
    }
    if (t->password != NULL) {
        explicit_bzero(t->password, strlen(t->password));
        free(t->password);
    }
    memset(t, 0, sizeof *t);
}

PGconn *ed_pg_connect(const ed_pg_target *t, ed_buf *err)
{
    /* options before dbname: an options= in the URL replaces ours */
    const char *keys[6] = {"options", "dbname", "application_name", "connect_timeout", NULL,
                           NULL};
    char options[64];
    snprintf(options, sizeof options, "-c statement_timeout=%u",
             t->statement_timeout_ms ? t->statement_timeout_ms : DEFAULT_STATEMENT_TIMEOUT_MS);
    const char *vals[6] = {options, t->url, APPLICATION_NAME, CONNECT_TIMEOUT_S, NULL, NULL};
    if (t->password != NULL) {
        keys[4] = "password";
        vals[4] = t->password;
    }
    /* expand_dbname: the URL in dbname is expanded, the keys after it win */
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL) {
        abort(); /* libpq could not allocate */
    }
    if (PQstatus(c) != CONNECTION_OK) {
        ed_pg_error(t, c, NULL, "cannot connect", err);
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* Replace every secret in b with "***". */
static void scrub(const ed_pg_target *t, ed_buf *b)
{
    for (size_t i = 0; t->secrets[i] != NULL && b->data != NULL; i++) {
        const char *s = t->secrets[i];
        size_t n = strlen(s);
        ed_buf out = {0};
        const char *p = b->data, *hit;
        while ((hit = strstr(p, s)) != NULL) {
            ed_buf_append(&out, p, (size_t)(hit - p));
            ed_buf_puts(&out, "***");
            p = hit + n;
        }
        ed_buf_puts(&out, p);
        ed_buf_reset(b);
        ed_buf_append(b, out.data, out.len);
        ed_buf_free(&out);
    }
}

void ed_pg_error(const ed_pg_target *t, PGconn *c, const PGresult *res, const char *what,
                 ed_buf *err)
{
    ed_buf msg = {0};
    if (what == NULL) {
        /* scrub err itself */
        ed_buf_append(&msg, err->data ? err->data : "", err->len);
        ed_buf_reset(err);
    } else {
        const char *why = res ? PQresultErrorMessage(res) : c ? PQerrorMessage(c) : "";
        if (why == NULL || *why == '\0') {
            why = c ? PQerrorMessage(c) : "";
        }
        ed_buf_printf(&msg, "store %s: %s", t->shown ? t->shown : "postgres://", what);
        if (why && *why) {
            ed_buf_printf(&msg, ": %s", why);
        }
    }
    while (msg.len > 0 && (msg.data[msg.len - 1] == '\n' || msg.data[msg.len - 1] == ' ')) {
        msg.data[--msg.len] = '\0';
    }
    scrub(t, &msg);
    /* libpq's messages run over lines ("ERROR: …\nDETAIL: …"): one line */
    for (size_t i = 0; i < msg.len; i++) {
        if (msg.data[i] == '\n') {
            msg.data[i] = ' ';
        }
    }
    ed_buf_append(err, msg.data ? msg.data : "", msg.len);
    ed_buf_free(&msg);
}

int ed_pg_exec(const ed_pg_target *t, PGconn *c, const char *sql, ed_buf *err)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
        ed_pg_error(t, c, r, "query failed", err);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

PGresult *ed_pg_query(const ed_pg_target *t, PGconn *c, const char *sql, int n,
                      const char *const *vals, ExecStatusType want, const char *what,
                      ed_buf *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
    if (PQresultStatus(r) != want) {
        ed_pg_error(t, c, r, what, err);
        PQclear(r);
        return NULL;
    }
    return r;
}

void ed_pg_rollback(PGconn *c)
{
    if (PQtransactionStatus(c) != PQTRANS_IDLE) {
        PQclear(PQexec(c, "ROLLBACK"));
    }
}

uint64_t ed_pg_u64(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t v = 0;
    if (PQgetlength(r, row, col) != 8) {
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

int32_t ed_pg_i32(const PGresult *r, int row, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    if (PQgetlength(r, row, col) != 4) {
        return 0;
    }
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

void ed_pg_put_u64(char out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (char)(v & 0xff);
        v >>= 8;
    }
}
