/*
 * cmd_eval.c — `edict eval`: decide events from a file or stdin and write
 * one decision per line, in input order.
 *
 * Input is a JSON object, a JSON array of objects, or NDJSON (an event per
 * line; an event may span lines when its first line is a lone "{", as
 * pretty-printers write it), read by intake.c. A bad event never stops the
 * run: it gets an error line in its place and the rest are decided.
 */
#define _POSIX_C_SOURCE 200809L
#define cmd_eval_c

#include "cli.h"
#include "pretty.h"

#include "adapters/metrc/metrc.h"
#include "decider/decider.h"
#include "engine/json.h"
#include "util/fsutil.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUMMARY_TOP 8

static const char usage[] =
    "usage: edict eval [options] [FILE|-]\n"
    "\n"
    "Decide the events in FILE (or stdin) and write one decision per line\n"
    "(NDJSON) to stdout, in input order. Input: a JSON object, an array of\n"
    "objects, or NDJSON. A bad event gives {\"line\":N,\"error\":...} in its\n"
    "place (and on stderr); the other events are still decided.\n"
    "\n"
    "options:\n"
    "  --packs DIR             a folder of packs (repeatable; replaces the\n"
    "                          default rules/ and jurisdictions/)\n"
    "  --tenants DIR           tenant overlays (default: the shipped tenants/\n"
    "                          when no --packs is given)\n"
    "  --tenant NAME           events belong to NAME: an event without a\n"
    "                          tenant takes it, one with another is refused\n"
    "  --as-of RFC3339         decide every event as of this moment (overrides\n"
    "                          the events' own as_of)\n"
    "  --fail-on red|yellow|error\n"
    "                          exit 3 when a decision reaches this flag, or\n"
    "                          (error) carries a rule error; may be repeated\n"
    "  --explain               add a trace of every rule considered\n"
    "  --store S               append every decision to the audit journal S,\n"
    "                          a folder or postgres://user@host:port/db\n"
    "                          (default: $EDICT_JOURNAL_DIR, else\n"
    "                          $EDICT_HOME/var/journal, else\n"
    "                          $XDG_STATE_HOME/edict/journal, else\n"
    "                          ~/.local/state/edict/journal; the last line\n"
    "                          of this text names it) before writing it out;\n"
    "                          --journal DIR is the same option\n"
    "  --no-journal            do not journal\n"
    "  --fsync-every N         at most N decisions per fsync (default 256;\n"
    "                          1 when the input is a pipe or a terminal)\n"
    "  --summary               print a summary to stderr at the end\n"
    "  --format json|pretty    json (the default): each decision as the\n"
    "                          journal keeps it, one line; pretty: for a\n"
    "                          person, a finding per line (with --explain,\n"
    "                          the trace as a table)\n"
    "  --metrc LICENSE         rules may ask Metrc (edict.metrc) about this\n"
    "                          licence, as the --tenant tenant (repeatable);\n"
    "                          the keys from --metrc-keys FILE (vendor_key=,\n"
    "                          user_key=, mode 0600) or $EDICT_METRC_VENDOR_KEY\n"
    "                          and $EDICT_METRC_USER_KEY; Metrc at\n"
    "                          --metrc-state ST (api-ST.metrc.com) or\n"
    "                          --metrc-base-url URL. Each call waits at most\n"
    "                          --metrc-timeout S (default 5) and never past\n"
    "                          the rule's time limit\n"
    ED_CLI_LIMIT_HELP
    "  --help                  this text\n"
    "\n"
    "A decision is written out only once it is durable in the journal: the\n"
    "journal is synced (fdatasync; with PostgreSQL, a COMMIT) at least every\n"
    "N decisions, and the lines held until then are written after it.\n"
    "\n"
    "exit status: 0 all decided; 2 some events were bad; 3 --fail-on reached;\n"
    "1 edict could not run (unreadable input, packs with problems, a journal\n"
    "that cannot be written) or a tenant's journal does not verify (its events\n"
    "are not decided; the other tenants' are).\n";

typedef struct rule_count {
    const ed_rule *rule;
    ed_severity severity;
    long count;
} rule_count;

typedef struct eval_state {
    ed_catalog *cat;
    ed_decider *decider;
    int fail_on;          /* -1 none, else the flag */
    int fail_on_error;    /* a rule error reaches it too */
    int flush_each;       /* stream input: flush every decision */
    long decided, refused, flagged, rule_errors, quarantined;
    long flags[3];
    rule_count *counts;
    size_t n_counts;
    int host_failure;
    ed_buf err;
    ed_store *store;      /* NULL with --no-journal */
    long fsync_every;
    ed_buf held;          /* output lines waiting for the journal sync */
    lua_State *pretty;    /* --format pretty: decodes each decision */
    /* With a journal and a file for input, a group's sync runs on the
     * committer thread while the next group is decided: the disk and the
     * rules work at once. One group at a time is in flight, and its lines
     * are written out, in order, only once it is durable. */
    int has_committer;
    pthread_t committer;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int busy;             /* `inflight` is being made durable */
    int quit;
    int failed;           /* a sync failed: nothing later is written */
    ed_buf inflight;
} eval_state;

static void *committer_main(void *arg)
{
    eval_state *st = arg;
    ed_buf err = {0};
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!st->busy && !st->quit) {
            pthread_cond_wait(&st->cv, &st->mu);
        }
        if (!st->busy) {
            break;
        }
        pthread_mutex_unlock(&st->mu);
        ed_buf_reset(&err);
        int rc = ed_store_commit(st->store, ED_TICKET_ALL, &err);
        if (rc == 0) {
            fwrite(st->inflight.data, 1, st->inflight.len, stdout);
        } else {
            fprintf(stderr, "edict: %s; the decisions not yet written out are "
                    "not acknowledged\n", err.data);
        }
        ed_buf_reset(&st->inflight);
        pthread_mutex_lock(&st->mu);
        st->failed |= rc != 0;
        st->busy = 0;
        pthread_cond_broadcast(&st->cv);
    }
    pthread_mutex_unlock(&st->mu);
    ed_buf_free(&err);
    return NULL;
}

/* Wait until no group is in flight; 0, or -1 when a sync failed. */
static int drain(eval_state *st)
{
    if (!st->has_committer) {
        return 0;
    }
    pthread_mutex_lock(&st->mu);
    while (st->busy) {
        pthread_cond_wait(&st->cv, &st->mu);
    }
    int failed = st->failed;
    pthread_mutex_unlock(&st->mu);
    return failed ? -1 : 0;
}

static void start_committer(eval_state *st)
{
    if (pthread_mutex_init(&st->mu, NULL) != 0) {
        return;
    }
    if (pthread_cond_init(&st->cv, NULL) != 0) {
        pthread_mutex_destroy(&st->mu);
        return;
    }
    if (pthread_create(&st->committer, NULL, committer_main, st) != 0) {
        pthread_cond_destroy(&st->cv);
        pthread_mutex_destroy(&st->mu);
        return; /* commits stay on this thread */
    }
    st->has_committer = 1;
}

static void stop_committer(eval_state *st)
{
    if (!st->has_committer) {
        return;
    }
    pthread_mutex_lock(&st->mu);
    st->quit = 1;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    pthread_join(st->committer, NULL);
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
    ed_buf_free(&st->inflight);
    st->has_committer = 0;
}

/* Write out the held lines once what they acknowledge is durable. */
static void commit(eval_state *st, int force)
{
    if (st->held.len == 0) {
        return;
    }
    if (st->store != NULL) {
        if (!force && !st->flush_each &&
            (long)ed_store_pending(st->store) < st->fsync_every) {
            return;
        }
        if (drain(st) != 0) {
            st->host_failure = 1;
            ed_buf_reset(&st->held);
            return;
        }
        if (!force && !st->flush_each && st->has_committer) {
            /* hand the group over; the next is decided meanwhile */
            ed_buf swap = st->inflight;
            pthread_mutex_lock(&st->mu);
            st->inflight = st->held;
            st->held = swap;
            ed_buf_reset(&st->held);
            st->busy = 1;
            pthread_cond_broadcast(&st->cv);
            pthread_mutex_unlock(&st->mu);
            return;
        }
        ed_buf_reset(&st->err);
        if (ed_store_commit(st->store, ED_TICKET_ALL, &st->err) != 0) {
            fprintf(stderr, "edict: %s; the decisions not yet written out are "
                    "not acknowledged\n", st->err.data);
            st->host_failure = 1;
            ed_buf_reset(&st->held);
            return;
        }
    }
    fwrite(st->held.data, 1, st->held.len, stdout);
    if (st->flush_each || force) {
        fflush(stdout);
    }
    ed_buf_reset(&st->held);
}

static void count_rule(eval_state *st, const ed_rule *r, ed_severity sev)
{
    for (size_t i = 0; i < st->n_counts; i++) {
        if (st->counts[i].rule == r && st->counts[i].severity == sev) {
            st->counts[i].count++;
            return;
        }
    }
    rule_count *p = realloc(st->counts, (st->n_counts + 1) * sizeof *p);
    if (p == NULL) {
        abort();
    }
    p[st->n_counts].rule = r;
    p[st->n_counts].severity = sev;
    p[st->n_counts].count = 1;
    st->n_counts++;
    st->counts = p;
}

/* One verdict of the decider: its decision line, or the error line of an
 * event not decided ({"line":N,...} or {"index":N,...}), in input order. */
static int on_verdict(void *arg, const ed_verdict *v)
{
    eval_state *st = arg;
    if (v->status == ED_HOST_FAILURE) {
        fprintf(stderr, "edict: %s\n", v->error);
        st->host_failure = 1;
        return 1;
    }
    if (v->status != ED_DECIDED) {
        if (st->pretty) {
            ed_buf_printf(&st->held, "%s %ld  %s%s  NOT DECIDED\n  %s\n\n", v->unit, v->where,
                          v->event_id, v->event_id[0] ? "" : "(no id)", v->error);
        } else {
            ed_decider_error_json(st->decider, v, &st->held);
            ed_buf_putc(&st->held, '\n');
        }
        commit(st, 0);
        fprintf(stderr, "edict: %s %ld: %s\n", v->unit, v->where, v->error);
        if (v->status == ED_QUARANTINED) {
            st->quarantined++; /* edict's own problem: exit 1, the others go on */
        } else {
            st->refused++;
        }
        return st->host_failure;
    }
    const ed_outcome *o = v->outcome;
    if (st->pretty) {
        ed_buf_reset(&st->err);
        if (ed_pretty_decision(st->pretty, v->decision, v->len, &st->held, &st->err) != 0) {
            fprintf(stderr, "edict: cannot show decision %s: %s\n", o->decision_id,
                    st->err.data);
            st->host_failure = 1;
            return 1;
        }
        ed_buf_putc(&st->held, '\n');
    } else {
        ed_buf_append(&st->held, v->decision, v->len);
        ed_buf_putc(&st->held, '\n');
    }
    commit(st, 0);
    st->decided++;
    st->flags[o->flag]++;
    st->rule_errors += (long)o->n_errors;
    if ((st->fail_on >= 0 && (int)o->flag >= st->fail_on) ||
        (st->fail_on_error && o->n_errors > 0)) {
        st->flagged++;
    }
    for (size_t i = 0; i < o->n_fired; i++) {
        count_rule(st, o->fired[i].rule, o->fired[i].severity);
    }
    return st->host_failure;
}

static int compare_counts(const void *a, const void *b)
{
    const rule_count *x = a, *y = b;
    if (x->count != y->count) {
        return x->count < y->count ? 1 : -1;
    }
    int c = strcmp(x->rule->id, y->rule->id);
    return c ? c : (int)x->severity - (int)y->severity;
}

static void print_summary(eval_state *st, const char *journal)
{
    fprintf(stderr, "\n%ld events: %ld decided (red %ld, yellow %ld, green %ld), "
            "%ld refused, %ld rule errors\n", st->decided + st->refused,
            st->decided, st->flags[ED_FLAG_RED], st->flags[ED_FLAG_YELLOW],
            st->flags[ED_FLAG_GREEN], st->refused, st->rule_errors);
    fprintf(stderr, "journal: %s\n", journal ? journal : "none (--no-journal)");
    if (st->n_counts == 0) {
        return;
    }
    if (st->n_counts > 1) {
        qsort(st->counts, st->n_counts, sizeof *st->counts, compare_counts);
    }
    fprintf(stderr, "top findings:\n");
    for (size_t i = 0; i < st->n_counts && i < SUMMARY_TOP; i++) {
        fprintf(stderr, "  %6ld  %-40s %-8s %s\n", st->counts[i].count,
                st->counts[i].rule->id,
                ed_severity_name(st->counts[i].severity),
                st->counts[i].rule->cite);
    }
}

int ed_cmd_eval(int argc, char **argv)
{
    enum { O_TENANT = ED_OPT_OWN, O_AS_OF, O_FAIL_ON, O_EXPLAIN, O_SUMMARY,
           O_JOURNAL, O_NO_JOURNAL, O_FSYNC_EVERY, O_FORMAT, O_METRC, O_METRC_KEYS,
           O_METRC_STATE, O_METRC_URL, O_METRC_TIMEOUT };
    static const struct option options[] = {
        ED_CLI_SHARED_OPTIONS,
        {"tenant", required_argument, 0, O_TENANT},
        {"as-of", required_argument, 0, O_AS_OF},
        {"fail-on", required_argument, 0, O_FAIL_ON},
        {"explain", no_argument, 0, O_EXPLAIN},
        {"summary", no_argument, 0, O_SUMMARY},
        {"journal", required_argument, 0, O_JOURNAL},
        {"store", required_argument, 0, O_JOURNAL},
        {"no-journal", no_argument, 0, O_NO_JOURNAL},
        {"fsync-every", required_argument, 0, O_FSYNC_EVERY},
        {"format", required_argument, 0, O_FORMAT},
        {"metrc", required_argument, 0, O_METRC},
        {"metrc-keys", required_argument, 0, O_METRC_KEYS},
        {"metrc-state", required_argument, 0, O_METRC_STATE},
        {"metrc-base-url", required_argument, 0, O_METRC_URL},
        {"metrc-timeout", required_argument, 0, O_METRC_TIMEOUT},
        {0, 0, 0, 0}};
    const char *metrc_keys = NULL;
    const char *metrc_licences[64];
    size_t n_metrc = 0;
    ed_metrc_config mc = {0};
    ed_metrc_lookups *lookups = NULL;
    const char *journal_dir = ed_store_default_location();
    ed_decider_config dc = {0};
    ed_vault *vault = NULL;
    int no_journal = 0;
    ed_cli cli;
    ed_cli_init(&cli);
    eval_state st;
    memset(&st, 0, sizeof st);
    st.fail_on = -1;
    st.fsync_every = 256;
    int summary = 0, pretty = 0, opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        int shared = ed_cli_option(&cli, opt, optarg);
        if (shared < 0) {
            ed_cli_free(&cli);
            return ED_EXIT_USAGE;
        }
        if (shared > 0) {
            continue;
        }
        switch (opt) {
        case O_TENANT: dc.tenant = optarg; break;
        case O_AS_OF: {
            ed_time t;
            char why[160];
            if (ed_time_parse(optarg, strlen(optarg), 0, &t, why, sizeof why) != 0) {
                fprintf(stderr, "edict: --as-of: %s\n", why);
                ed_cli_free(&cli);
                return ED_EXIT_USAGE;
            }
            dc.as_of = optarg;
            break;
        }
        case O_FAIL_ON:
            if (strcmp(optarg, "red") == 0) {
                st.fail_on = st.fail_on == ED_FLAG_YELLOW ? ED_FLAG_YELLOW : ED_FLAG_RED;
            } else if (strcmp(optarg, "yellow") == 0) {
                st.fail_on = ED_FLAG_YELLOW;
            } else if (strcmp(optarg, "error") == 0) {
                st.fail_on_error = 1;
            } else {
                fprintf(stderr, "edict: --fail-on takes red, yellow or error\n");
                ed_cli_free(&cli);
                return ED_EXIT_USAGE;
            }
            break;
        case O_EXPLAIN: dc.explain = 1; break;
        case O_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "pretty") != 0) {
                fprintf(stderr, "edict: --format takes json or pretty\n");
                ed_cli_free(&cli);
                return ED_EXIT_USAGE;
            }
            pretty = strcmp(optarg, "pretty") == 0;
            break;
        case O_SUMMARY: summary = 1; break;
        case O_METRC:
            if (n_metrc == sizeof metrc_licences / sizeof metrc_licences[0]) {
                fprintf(stderr, "edict: --metrc: at most 64 licences\n");
                ed_cli_free(&cli);
                return ED_EXIT_USAGE;
            }
            metrc_licences[n_metrc++] = optarg;
            break;
        case O_METRC_KEYS: metrc_keys = optarg; break;
        case O_METRC_STATE: mc.state = optarg; break;
        case O_METRC_URL: mc.base_url = optarg; break;
        case O_METRC_TIMEOUT: {
            char *end;
            dc.lookup_timeout_s = strtod(optarg, &end);
            if (*end || end == optarg || !(dc.lookup_timeout_s > 0) ||
                dc.lookup_timeout_s > 300) {
                fprintf(stderr, "edict: --metrc-timeout takes seconds, more than 0 and at "
                        "most 300\n");
                ed_cli_free(&cli);
                return ED_EXIT_USAGE;
            }
            break;
        }
        case O_JOURNAL: journal_dir = optarg; break;
        case O_NO_JOURNAL: no_journal = 1; break;
        case O_FSYNC_EVERY: {
            char *end;
            st.fsync_every = strtol(optarg, &end, 10);
            if (*end || end == optarg || st.fsync_every <= 0 || st.fsync_every > 1000000) {
                fprintf(stderr, "edict: --fsync-every takes a whole number from 1 "
                        "to 1000000\n");
                ed_cli_free(&cli);
                return ED_EXIT_USAGE;
            }
            break;
        }
        case ED_OPT_HELP:
            fputs(usage, stdout);
            printf("\nThe journal by default: %s\n", ed_store_default_location());
            ed_cli_free(&cli);
            return ED_EXIT_OK;
        default: fputs(usage, stderr); ed_cli_free(&cli); return ED_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fputs("edict eval: give one input file (or - for stdin)\n", stderr);
        ed_cli_free(&cli);
        return ED_EXIT_USAGE;
    }
    if (n_metrc > 0) {
        /* the keys are the --tenant tenant's: no other tenant's event can
         * use them (ed_metrc_lookup answers it "no keys configured") */
        char *vendor = NULL, *user = NULL;
        if (dc.tenant == NULL || (mc.state == NULL) == (mc.base_url == NULL)) {
            fprintf(stderr, "edict: --metrc needs --tenant, and one of --metrc-state and "
                    "--metrc-base-url\n");
            ed_cli_free(&cli);
            return ED_EXIT_USAGE;
        }
        if (ed_metrc_keys_load(metrc_keys, &vendor, &user, &st.err) != 0) {
            fprintf(stderr, "edict: %s\n", st.err.data);
            ed_buf_free(&st.err);
            ed_cli_free(&cli);
            return ED_EXIT_USAGE;
        }
        mc.vendor_key = vendor;
        mc.user_key = user;
        lookups = ed_metrc_lookups_new(30);
        for (size_t i = 0; i < n_metrc; i++) {
            ed_metrc_lookups_add(lookups, dc.tenant, metrc_licences[i], &mc, &st.err);
        }
        free(vendor);
        free(user);
        dc.lookup = ed_metrc_lookup;
        dc.lookup_arg = lookups;
    }
    const char *path = optind < argc ? argv[optind] : "-";
    FILE *in = ed_decider_open_input(path);
    if (in == NULL) {
        fprintf(stderr, "edict: cannot open %s: %s\n", path, strerror(errno));
        ed_cli_free(&cli);
        return ED_EXIT_HOST;
    }

    ed_diags d = {0};
    st.cat = ed_cli_catalog(&cli, &d);
    int status = ED_EXIT_OK;
    if (st.cat->problems > 0) {
        ed_diags_print(&d, stderr, 0);
        fprintf(stderr, "edict: %d problem%s in the packs; nothing was decided "
                "(see `edict check`)\n", st.cat->problems,
                st.cat->problems == 1 ? "" : "s");
        status = ED_EXIT_HOST;
        goto done;
    }
    struct stat sb;
    st.flush_each = fstat(fileno(in), &sb) == 0 && !S_ISREG(sb.st_mode);
    if (!no_journal) {
        ed_store_options so = {.mode = ED_STORE_WRITE};
        st.store = ed_store_open(journal_dir, &so, &st.err);
        if (st.store == NULL) {
            fprintf(stderr, "edict: %s\n", st.err.data);
            status = ED_EXIT_HOST;
            goto done;
        }
    }
    if (pretty && (st.pretty = ed_json_host_state()) == NULL) {
        fputs("edict: cannot start the JSON decoder\n", stderr);
        status = ED_EXIT_HOST;
        goto done;
    }
    dc.cat = st.cat;
    dc.store = st.store;
    /* the journal's evidence vault, where there is one: evidence.stored
     * decisions say whether it holds the digest (ctx.evidence_in_vault) */
    const char *vdir = st.store ? ed_vault_default_dir(journal_dir) : NULL;
    if (vdir != NULL && ed_is_dir(vdir)) {
        ed_buf verr = {0};
        vault = ed_vault_open(vdir, NULL, &verr);
        ed_buf_free(&verr);
    }
    dc.vault = vault;
    st.decider = ed_decider_new(&dc, &st.err);
    if (st.decider == NULL) {
        fprintf(stderr, "edict: %s\n", st.err.data);
        status = ED_EXIT_HOST;
        goto done;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    if (st.store != NULL && !st.flush_each) {
        start_committer(&st);
    }
    if (ed_decider_read_file(st.decider, in, path, on_verdict, &st) != 0) {
        st.host_failure = 1;
    }
    commit(&st, 1);
    if (drain(&st) != 0) {
        st.host_failure = 1;
    }
    stop_committer(&st);
    fflush(stdout);
    if (summary) {
        char *shown = no_journal ? NULL : ed_store_display(journal_dir);
        print_summary(&st, shown);
        free(shown);
    }
    if (st.host_failure || st.quarantined) {
        status = ED_EXIT_HOST;
    } else if (st.refused) {
        status = ED_EXIT_BAD_INPUT;
    } else if (st.flagged) {
        status = ED_EXIT_FLAGGED;
    }
done:
    if (in != stdin) {
        fclose(in);
    }
    ed_decider_free(st.decider);
    ed_metrc_lookups_free(lookups);
    ed_vault_close(vault);
    ed_store_close(st.store);
    if (st.pretty) {
        lua_close(st.pretty);
    }
    ed_buf_free(&st.held);
    free(st.counts);
    ed_buf_free(&st.err);
    ed_catalog_free(st.cat);
    ed_diags_free(&d);
    ed_cli_free(&cli);
    return status;
}
