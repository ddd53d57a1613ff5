/*
 * cmd_metrc.c — `edict metrc`: Metrc from the command line (adapters/
 * metrc/metrc.h does the work). `sync` pulls a licence's packages,
 * plants, plant batches, harvests and transfers into the store with a
 * sync log; `outbox` lists, adds to and pushes the writes kept for Metrc;
 * `status` says what the mirror holds and how the last syncs went.
 */
#define _GNU_SOURCE
#define cmd_metrc_c

#include "cli.h"

#include "adapters/metrc/metrc.h"
#include "store/store.h"
#include "util/fsutil.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: edict metrc sync --tenant T --license L [--state ST | --base-url URL]\n"
    "                        [--since TIME] [--until TIME] [client options]\n"
    "       edict metrc outbox [--tenant T] [--only pending|sent|dead|staged]\n"
    "       edict metrc outbox add --tenant T --license L --key K --path P\n"
    "                        [--method POST|PUT|DELETE] FILE|-\n"
    "       edict metrc outbox push --tenant T [--license L] [--state ST | --base-url URL]\n"
    "                        [client options]\n"
    "       edict metrc status --tenant T --license L\n"
    "\n"
    "sync    pull the licence's packages (active, inactive), plants (vegetative,\n"
    "        flowering, inactive), plant batches and harvests (active,\n"
    "        inactive) and transfers (incoming, outgoing) modified in\n"
    "        [--since, --until) into the store, in lastModified windows of at\n"
    "        most 24 hours, 20 objects a page; the run goes to the sync log\n"
    "outbox  list the operations kept for Metrc (key, state, attempts, message);\n"
    "        staged: a decision's write whose decision is not in the journal\n"
    "        (file store), never sent\n"
    "  add   keep a write (FILE: a JSON array of objects) for Metrc, split into\n"
    "        operations of at most 10 objects (K, K#2, K#3…); a key already\n"
    "        kept is not kept again\n"
    "  push  send every pending operation once, with its key; a refused one\n"
    "        goes to dead with Metrc's message, an unreachable Metrc leaves it\n"
    "        pending for the next push\n"
    "status  objects in the mirror per resource, and the sync log\n"
    "\n"
    "options:\n"
    "  --tenant T        whose Metrc data (required)\n"
    "  --license L       the facility licence number\n"
    "  --state ST        the state's API: https://api-ST.metrc.com (or, with\n"
    "                    --sandbox, sandbox-api-ST)\n"
    "  --base-url URL    another base URL (the emulator; plain http only to\n"
    "                    this machine)\n"
    "  --keys FILE       vendor_key=… and user_key=… lines, mode 0600 (default:\n"
    "                    $EDICT_METRC_VENDOR_KEY and $EDICT_METRC_USER_KEY);\n"
    "                    the keys are never printed\n"
    "  --since TIME      YYYY-MM-DDTHH:MM:SSZ, or Nh / Nd ago (default 24h)\n"
    "  --until TIME      the same (default: now)\n"
    "  --store S         the store (default: $EDICT_JOURNAL_DIR)\n"
    "client options (defaults from FACTS §1):\n"
    "  --rate-facility N, --rate-integrator N   GET calls per second (50, 150)\n"
    "  --concurrent-facility N, --concurrent-integrator N   at once (10, 30)\n"
    "  --attempts N      tries per request on 429, 5xx, time-outs (6)\n"
    "  --backoff S       first back-off in seconds, doubled per try (0.25)\n"
    "  --timeout S       per try (30)\n"
    "  --window-hours N  lastModified slice (24, at most 24)\n"
    "  --help            this text\n"
    "\n"
    "exit status: 0; 1 when Metrc or the store failed (sync: some requests\n"
    "failed, what came is stored and the log says what did not); 64 usage.\n";

/* TIME: an ISO-8601 UTC time, or Nh / Nd before now. -1 when neither. */
static time_t parse_time(const char *s, time_t now)
{
    char *end = NULL;
    long n = strtol(s, &end, 10);
    if (end != s && n >= 0 && (strcmp(end, "h") == 0 || strcmp(end, "d") == 0)) {
        return now - (time_t)n * (strcmp(end, "h") == 0 ? 3600 : 86400);
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (rest == NULL || strcmp(rest, "Z") != 0) {
        return -1;
    }
    return timegm(&tm);
}

typedef struct opts {
    const char *tenant, *license, *location, *keys, *since, *until, *key, *path, *method,
        *only, *file;
    ed_metrc_config cfg;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    enum {
        O_TENANT = ED_OPT_OWN, O_LICENSE, O_STATE, O_SANDBOX, O_BASE, O_KEYS, O_SINCE,
        O_UNTIL, O_STORE, O_RF, O_RI, O_CF, O_CI, O_ATTEMPTS, O_BACKOFF, O_TIMEOUT, O_WINDOW,
        O_KEY, O_PATH, O_METHOD, O_ONLY, O_HELP
    };
    static const struct option options[] = {
        {"tenant", required_argument, 0, O_TENANT},
        {"license", required_argument, 0, O_LICENSE},
        {"state", required_argument, 0, O_STATE},
        {"sandbox", no_argument, 0, O_SANDBOX},
        {"base-url", required_argument, 0, O_BASE},
        {"keys", required_argument, 0, O_KEYS},
        {"since", required_argument, 0, O_SINCE},
        {"until", required_argument, 0, O_UNTIL},
        {"store", required_argument, 0, O_STORE},
        {"journal", required_argument, 0, O_STORE},
        {"rate-facility", required_argument, 0, O_RF},
        {"rate-integrator", required_argument, 0, O_RI},
        {"concurrent-facility", required_argument, 0, O_CF},
        {"concurrent-integrator", required_argument, 0, O_CI},
        {"attempts", required_argument, 0, O_ATTEMPTS},
        {"backoff", required_argument, 0, O_BACKOFF},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"window-hours", required_argument, 0, O_WINDOW},
        {"key", required_argument, 0, O_KEY},
        {"path", required_argument, 0, O_PATH},
        {"method", required_argument, 0, O_METHOD},
        {"only", required_argument, 0, O_ONLY},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case O_TENANT: o->tenant = optarg; break;
        case O_LICENSE: o->license = optarg; break;
        case O_STATE: o->cfg.state = optarg; break;
        case O_SANDBOX: o->cfg.sandbox = 1; break;
        case O_BASE: o->cfg.base_url = optarg; break;
        case O_KEYS: o->keys = optarg; break;
        case O_SINCE: o->since = optarg; break;
        case O_UNTIL: o->until = optarg; break;
        case O_STORE: o->location = optarg; break;
        case O_RF: o->cfg.get_per_s_facility = atof(optarg); break;
        case O_RI: o->cfg.get_per_s_integrator = atof(optarg); break;
        case O_CF: o->cfg.concurrent_facility = atoi(optarg); break;
        case O_CI: o->cfg.concurrent_integrator = atoi(optarg); break;
        case O_ATTEMPTS: o->cfg.max_attempts = atoi(optarg); break;
        case O_BACKOFF: o->cfg.backoff_s = atof(optarg); break;
        case O_TIMEOUT: o->cfg.timeout_s = atof(optarg); break;
        case O_WINDOW: o->cfg.window_hours = atoi(optarg); break;
        case O_KEY: o->key = optarg; break;
        case O_PATH: o->path = optarg; break;
        case O_METHOD: o->method = optarg; break;
        case O_ONLY: o->only = optarg; break;
        case O_HELP: fputs(usage, stdout); return 1;
        default: fputs(usage, stderr); return -1;
        }
    }
    if (optind < argc) {
        o->file = argv[optind++];
    }
    if (optind < argc) {
        fprintf(stderr, "edict metrc: unexpected '%s'\n", argv[optind]);
        return -1;
    }
    if (o->cfg.window_hours < 0 || o->cfg.window_hours > 24) {
        fputs("edict metrc: --window-hours: 1 to 24 (Metrc refuses longer windows)\n", stderr);
        return -1;
    }
    return 0;
}

static int need(const char *what, const char *v)
{
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "edict metrc: %s is required\n", what);
        return -1;
    }
    return 0;
}

/* The client, with keys; NULL after saying why. */
static ed_metrc *client(opts *o)
{
    char *vendor = NULL, *user = NULL;
    ed_buf err = {0};
    if (ed_metrc_keys_load(o->keys, &vendor, &user, &err) != 0) {
        fprintf(stderr, "edict metrc: %s\n", err.data);
        ed_buf_free(&err);
        return NULL;
    }
    if (o->cfg.state == NULL && o->cfg.base_url == NULL) {
        fputs("edict metrc: --state ST (or --base-url) is required\n", stderr);
        free(vendor);
        free(user);
        return NULL;
    }
    o->cfg.vendor_key = vendor;
    o->cfg.user_key = user;
    ed_metrc *m = ed_metrc_new(NULL, &o->cfg, &err);
    explicit_bzero(vendor, strlen(vendor));
    explicit_bzero(user, strlen(user));
    free(vendor);
    free(user);
    o->cfg.vendor_key = o->cfg.user_key = NULL;
    if (m == NULL) {
        fprintf(stderr, "edict metrc: %s\n", err.data);
    }
    ed_buf_free(&err);
    return m;
}

static ed_store *open_store(const opts *o)
{
    ed_buf err = {0};
    /* read mode: no writer's lock, so a sync runs beside edict serve (the
     * Metrc data is not the journal); a new folder is made first */
    if (strncmp(o->location, "postgres://", 11) != 0 &&
        strncmp(o->location, "postgresql://", 13) != 0) {
        const char *dir = strncmp(o->location, "file:", 5) == 0 ? o->location + 5 : o->location;
        ed_make_dirs(dir, 0750);
    }
    ed_store_options so = {.mode = ED_STORE_READ};
    ed_store *s = ed_store_open(o->location, &so, &err);
    if (s == NULL) {
        fprintf(stderr, "edict metrc: %s\n", err.data);
    }
    ed_buf_free(&err);
    return s;
}

/* The client and the store a command needs, both or neither (said why). */
static int client_and_store(opts *o, ed_metrc **m, ed_store **s)
{
    *m = client(o);
    *s = *m ? open_store(o) : NULL;
    if (*s == NULL) {
        ed_metrc_free(*m);
        *m = NULL;
        return -1;
    }
    return 0;
}

static int cmd_sync(opts *o)
{
    if (need("--tenant", o->tenant) || need("--license", o->license)) {
        return ED_EXIT_USAGE;
    }
    time_t now = time(NULL);
    time_t until = o->until ? parse_time(o->until, now) : now;
    time_t since = o->since ? parse_time(o->since, now) : until - 86400;
    if (since < 0 || until < 0 || since >= until) {
        fputs("edict metrc sync: --since and --until: YYYY-MM-DDTHH:MM:SSZ or Nh/Nd ago, "
              "since before until\n", stderr);
        return ED_EXIT_USAGE;
    }
    ed_metrc *m;
    ed_store *s;
    if (client_and_store(o, &m, &s) != 0) {
        return ED_EXIT_HOST;
    }
    ed_metrc_sync_report rep;
    ed_buf err = {0};
    int rc = ed_metrc_sync(m, s, o->tenant, o->license, since, until, &rep, &err);
    ed_metrc_stats st;
    ed_metrc_get_stats(m, &st);
    if (rc >= 0) {
        printf("synced %s for tenant %s:", o->license, o->tenant);
        for (int i = 0; i < ED_METRC_RESOURCES; i++) {
            printf("%s %zu %s", i ? "," : "", rep.counts[i], ed_metrc_resource_names[i]);
        }
        printf("\n%zu pages, %lu requests (%lu retried, %lu throttled), %zu errors\n",
               rep.pages, st.requests, st.retries, st.throttled, rep.errors);
    }
    if (rep.error_text.len) {
        fputs(rep.error_text.data, stderr);
    }
    if (rc < 0) {
        fprintf(stderr, "edict metrc sync: %s\n", err.data);
    }
    ed_buf_free(&rep.error_text);
    ed_buf_free(&err);
    ed_store_close(s);
    ed_metrc_free(m);
    return rc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}

static int print_op(void *arg, const ed_outbox_op *op)
{
    (void)arg;
    printf("%s\t%s\t%s %s\t%s\tattempts %d", op->key, op->state, op->method, op->path,
           op->license, op->attempts);
    if (op->message && *op->message) {
        printf("\t%s", op->message);
    }
    putchar('\n');
    return 0;
}

static int cmd_outbox(opts *o, const char *sub)
{
    if (need("--tenant", o->tenant)) {
        return ED_EXIT_USAGE;
    }
    if (sub == NULL) {
        ed_store *s = open_store(o);
        if (s == NULL) {
            return ED_EXIT_HOST;
        }
        ed_buf err = {0};
        int rc = ed_store_outbox_each(s, o->tenant, o->only, print_op, NULL, &err);
        if (rc != 0) {
            fprintf(stderr, "edict metrc outbox: %s\n", err.data);
        }
        ed_buf_free(&err);
        ed_store_close(s);
        return rc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
    }
    if (strcmp(sub, "add") == 0) {
        if (need("--license", o->license) || need("--key", o->key) ||
            need("--path", o->path) || need("FILE", o->file)) {
            return ED_EXIT_USAGE;
        }
        size_t len = 0;
        char *body = strcmp(o->file, "-") == 0 ? ed_read_file("/dev/stdin", &len)
                                               : ed_read_file(o->file, &len);
        if (body == NULL) {
            fprintf(stderr, "edict metrc outbox add: %s: cannot be read\n", o->file);
            return ED_EXIT_HOST;
        }
        ed_store *s = open_store(o);
        if (s == NULL) {
            free(body);
            return ED_EXIT_HOST;
        }
        /* adding needs no keys and sends nothing: a client only splits */
        ed_metrc_config cfg = o->cfg;
        cfg.vendor_key = cfg.user_key = "-";
        if (cfg.state == NULL && cfg.base_url == NULL) {
            cfg.base_url = "http://127.0.0.1/";
        }
        ed_buf err = {0};
        ed_metrc *m = ed_metrc_new(NULL, &cfg, &err);
        int n = m ? ed_metrc_outbox_add(m, s, o->tenant, o->license,
                                        o->method ? o->method : "POST", o->path, body, o->key,
                                        &err)
                  : -1;
        if (n >= 0) {
            printf("%d operation%s kept for %s\n", n, n == 1 ? "" : "s", o->license);
        } else {
            fprintf(stderr, "edict metrc outbox add: %s\n", err.data);
        }
        ed_buf_free(&err);
        ed_metrc_free(m);
        ed_store_close(s);
        free(body);
        return n >= 0 ? ED_EXIT_OK : ED_EXIT_HOST;
    }
    if (strcmp(sub, "push") == 0) {
        ed_metrc *m;
        ed_store *s;
        if (client_and_store(o, &m, &s) != 0) {
            return ED_EXIT_HOST;
        }
        ed_metrc_push_report rep;
        ed_buf err = {0};
        int rc = ed_metrc_outbox_push(m, s, o->tenant, o->license, &rep, &err);
        ed_metrc_stats st;
        ed_metrc_get_stats(m, &st);
        printf("pushed: %zu sent, %zu dead, %zu still pending; %lu requests (%lu retried)\n",
               rep.sent, rep.dead, rep.retry, st.requests, st.retries);
        if (rc != 0) {
            fprintf(stderr, "edict metrc outbox push: %s\n", err.data);
        }
        ed_buf_free(&err);
        ed_store_close(s);
        ed_metrc_free(m);
        return rc == 0 && rep.retry == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
    }
    fprintf(stderr, "edict metrc outbox: unknown '%s'\n", sub);
    return ED_EXIT_USAGE;
}

static int print_log(void *arg, const char *json)
{
    (void)arg;
    printf("%s\n", json);
    return 0;
}

static int cmd_status(opts *o)
{
    if (need("--tenant", o->tenant) || need("--license", o->license)) {
        return ED_EXIT_USAGE;
    }
    ed_store *s = open_store(o);
    if (s == NULL) {
        return ED_EXIT_HOST;
    }
    ed_buf err = {0};
    int rc = 0;
    printf("%s for tenant %s:", o->license, o->tenant);
    for (int i = 0; i < ED_METRC_RESOURCES && rc == 0; i++) {
        size_t n = 0;
        rc = ed_store_metrc_count(s, o->tenant, o->license, ed_metrc_resource_names[i], &n,
                                  &err);
        printf("%s %zu %s", i ? "," : "", n, ed_metrc_resource_names[i]);
    }
    putchar('\n');
    if (rc == 0) {
        rc = ed_store_metrc_log_each(s, o->tenant, print_log, NULL, &err);
    }
    if (rc != 0) {
        fprintf(stderr, "edict metrc status: %s\n", err.data);
    }
    ed_buf_free(&err);
    ed_store_close(s);
    return rc == 0 ? ED_EXIT_OK : ED_EXIT_HOST;
}

int ed_cmd_metrc(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        int help = argc >= 2;
        fputs(usage, help ? stdout : stderr);
        return help ? ED_EXIT_OK : ED_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    const char *sub = NULL;
    int skip = 1;
    if (strcmp(cmd, "outbox") == 0 && argc > 2 && argv[2][0] != '-') {
        sub = argv[2];
        skip = 2;
    }
    opts o;
    memset(&o, 0, sizeof o);
    o.location = ed_store_default_location();
    int p = parse(argc - skip, argv + skip, &o);
    if (p != 0) {
        return p > 0 ? ED_EXIT_OK : ED_EXIT_USAGE;
    }
    if (strcmp(cmd, "sync") == 0) {
        return cmd_sync(&o);
    }
    if (strcmp(cmd, "outbox") == 0) {
        return cmd_outbox(&o, sub);
    }
    if (strcmp(cmd, "status") == 0) {
        return cmd_status(&o);
    }
    fprintf(stderr, "edict metrc: unknown '%s'\n\n%s", cmd, usage);
    return ED_EXIT_USAGE;
}
