/*
 * cmd_events.c — `edict events [TYPE] [--json-schema] [--format F]`: the
 * event catalogue (events/catalogue.lua, embedded) for people, for
 * integrators (JSON Schema) and for docs/EVENTS.md (--format markdown,
 * which tests/cli/test_events.sh compares with the file).
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include "engine/event_types.h"
#include "util/buf.h"
#include "util/jsonstr.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: edict events [TYPE] [--json-schema] [--format text|markdown]\n"
    "\n"
    "The event catalogue: every event type edict's packs decide, with the\n"
    "fields of its `data`. Without TYPE, the list of types; with TYPE, its\n"
    "fields. `edict eval` and `edict serve` check each event's data against\n"
    "its type before any rule runs, and refuse one that is no instance of it\n"
    "with a JSON pointer (/data/witness: expected ...); docs/EVENTS.md says\n"
    "what is checked and what the packs judge.\n"
    "\n"
    "options:\n"
    "  --json-schema     a JSON Schema (2020-12) of TYPE's events, or of every\n"
    "                    type's without TYPE, for integrators to validate with\n"
    "  --format F        text (default) or markdown (docs/EVENTS.md)\n"
    "  --help            this text\n";

static const char *kind_text(const ed_field *f)
{
    return ed_field_kind_name(f->kind);
}

/* ------------------------------------------------------------------ */
/* For people                                                           */
/* ------------------------------------------------------------------ */

static void text_fields(ed_buf *out, const ed_field *fields, size_t n, int depth)
{
    for (size_t i = 0; i < n; i++) {
        const ed_field *f = &fields[i];
        const ed_field *item = f->kind == ED_KIND_LIST ? f->items : NULL;
        char kind[64];
        if (item != NULL) {
            snprintf(kind, sizeof kind, "list of %s", kind_text(item));
        } else {
            snprintf(kind, sizeof kind, "%s", kind_text(f));
        }
        ed_buf_printf(out, "%*s%-*s %-16s %s%s", 2 + depth * 2, "", 28 - depth * 2, f->name,
                      kind, f->required ? "(required) " : "", f->doc ? f->doc : "");
        if (f->kind == ED_KIND_ENUM) {
            ed_buf_puts(out, ": ");
            for (size_t v = 0; v < f->nvalues; v++) {
                ed_buf_printf(out, "%s%s", v ? ", " : "", f->values[v]);
            }
        }
        ed_buf_puts(out, "\n");
        if (f->kind == ED_KIND_OBJECT) {
            text_fields(out, f->fields, f->nfields, depth + 1);
        } else if (item != NULL && item->kind == ED_KIND_OBJECT) {
            text_fields(out, item->fields, item->nfields, depth + 1);
        }
    }
}

static void jurisdictions(ed_buf *out, const ed_event_type *t)
{
    for (size_t j = 0; j < t->njurisdictions; j++) {
        ed_buf_printf(out, "%s%s", j ? ", " : "", t->jurisdictions[j]);
    }
}

static void text_type(ed_buf *out, const ed_event_type *t)
{
    ed_buf_printf(out, "%s — %s\njurisdictions: ", t->name, t->summary);
    jurisdictions(out, t);
    ed_buf_puts(out, "\ndata:\n");
    text_fields(out, t->fields, t->nfields, 0);
}

static void text_list(ed_buf *out, const ed_event_catalogue *c)
{
    ed_buf_printf(out, "event catalogue v%d (%zu types; `edict events TYPE` for the "
                  "fields)\n", c->version, c->ntypes);
    for (size_t i = 0; i < c->ntypes; i++) {
        ed_buf_printf(out, "  %-21s %s\n", c->types[i].name, c->types[i].summary);
    }
}

/* ------------------------------------------------------------------ */
/* docs/EVENTS.md                                                       */
/* ------------------------------------------------------------------ */

static void markdown_fields(ed_buf *out, const ed_field *fields, size_t n, const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        const ed_field *f = &fields[i];
        const ed_field *item = f->kind == ED_KIND_LIST ? f->items : NULL;
        ed_buf_printf(out, "| `%s%s%s` | %s%s%s | %s", prefix, f->name, item ? "[]" : "",
                      item ? "list of " : "", item ? kind_text(item) : kind_text(f),
                      f->required ? ", required" : "", f->doc ? f->doc : "");
        if (f->kind == ED_KIND_ENUM) {
            ed_buf_puts(out, ": ");
            for (size_t v = 0; v < f->nvalues; v++) {
                ed_buf_printf(out, "%s`%s`", v ? ", " : "", f->values[v]);
            }
        }
        ed_buf_puts(out, " |\n");
        const ed_field *inner = f->kind == ED_KIND_OBJECT ? f
                              : item != NULL && item->kind == ED_KIND_OBJECT ? item : NULL;
        if (inner != NULL) {
            char deeper[256];
            snprintf(deeper, sizeof deeper, "%s%s%s.", prefix, f->name, item ? "[]" : "");
            markdown_fields(out, inner->fields, inner->nfields, deeper);
        }
    }
}

static void markdown(ed_buf *out, const ed_event_catalogue *c)
{
    ed_buf_printf(out, "<!-- Generated by `edict events --format markdown` from "
                  "events/catalogue.lua; tests/cli/test_events.sh compares. -->\n"
                  "## The types (catalogue v%d)\n\n| type | jurisdictions | what it is |\n"
                  "| --- | --- | --- |\n", c->version);
    for (size_t i = 0; i < c->ntypes; i++) {
        ed_buf_printf(out, "| [`%s`](#", c->types[i].name);
        for (const char *p = c->types[i].name; *p; p++) {
            if (*p != '.') {
                ed_buf_append(out, p, 1);
            }
        }
        ed_buf_puts(out, ") | ");
        jurisdictions(out, &c->types[i]);
        ed_buf_printf(out, " | %s |\n", c->types[i].summary);
    }
    for (size_t i = 0; i < c->ntypes; i++) {
        const ed_event_type *t = &c->types[i];
        ed_buf_printf(out, "\n### %s\n\n%s. Jurisdictions: ", t->name, t->summary);
        jurisdictions(out, t);
        ed_buf_printf(out, ".%s\n\n| field | kind | meaning |\n| --- | --- | --- |\n",
                      t->closed ? " Only these fields are allowed." : "");
        markdown_fields(out, t->fields, t->nfields, "");
    }
}

/* ------------------------------------------------------------------ */
/* JSON Schema                                                          */
/* ------------------------------------------------------------------ */

static void schema_field(ed_buf *out, const ed_field *f);

static void schema_properties(ed_buf *out, const ed_field *fields, size_t n, int closed)
{
    ed_buf_puts(out, "\"type\":\"object\",\"properties\":{");
    for (size_t i = 0; i < n; i++) {
        ed_json_escape(out, fields[i].name, strlen(fields[i].name));
        ed_buf_puts(out, ":");
        schema_field(out, &fields[i]);
        ed_buf_puts(out, i + 1 < n ? "," : "");
    }
    ed_buf_puts(out, "}");
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (fields[i].required) {
            ed_buf_puts(out, any ? "," : ",\"required\":[");
            ed_json_escape(out, fields[i].name, strlen(fields[i].name));
            any = 1;
        }
    }
    ed_buf_puts(out, any ? "]" : "");
    if (closed) {
        ed_buf_puts(out, ",\"additionalProperties\":false");
    }
}

static void schema_field(ed_buf *out, const ed_field *f)
{
    ed_buf_puts(out, "{");
    if (f->doc != NULL) {
        ed_buf_puts(out, "\"description\":");
        ed_json_escape(out, f->doc, strlen(f->doc));
        ed_buf_puts(out, f->kind == ED_KIND_ANY ? "" : ",");
    }
    switch (f->kind) {
    case ED_KIND_TEXT: ed_buf_puts(out, "\"type\":\"string\""); break;
    case ED_KIND_ID: ed_buf_puts(out, "\"type\":[\"string\",\"integer\"]"); break;
    case ED_KIND_NUMBER: ed_buf_puts(out, "\"type\":\"number\""); break;
    case ED_KIND_BOOLEAN: ed_buf_puts(out, "\"type\":\"boolean\""); break;
    case ED_KIND_DATE:
        ed_buf_puts(out, "\"type\":\"string\",\"anyOf\":[{\"format\":\"date\"},"
                    "{\"format\":\"date-time\"}]");
        break;
    case ED_KIND_TIMESTAMP: ed_buf_puts(out, "\"type\":\"string\",\"format\":\"date-time\""); break;
    case ED_KIND_MONTH:
        ed_buf_puts(out, "\"type\":\"string\",\"pattern\":\"^[0-9]{4}-(0[1-9]|1[0-2])$\"");
        break;
    case ED_KIND_ENUM:
        ed_buf_puts(out, "\"type\":\"string\",\"enum\":[");
        for (size_t v = 0; v < f->nvalues; v++) {
            ed_buf_puts(out, v ? "," : "");
            ed_json_escape(out, f->values[v], strlen(f->values[v]));
        }
        ed_buf_puts(out, "]");
        break;
    case ED_KIND_OBJECT: schema_properties(out, f->fields, f->nfields, 0); break;
    case ED_KIND_LIST:
        ed_buf_puts(out, "\"type\":\"array\",\"items\":");
        schema_field(out, f->items);
        break;
    case ED_KIND_PERSON:
        ed_buf_puts(out, "\"anyOf\":[{\"type\":\"string\"},{\"type\":\"object\",\"properties\":"
                    "{\"name\":{\"type\":\"string\"},\"employee_id\":{\"type\":[\"string\","
                    "\"integer\"]}}}]");
        break;
    case ED_KIND_ANY: break;
    }
    ed_buf_puts(out, "}");
}

/* The whole event of type t: the envelope, then its data. */
static void schema_event(ed_buf *out, const ed_event_type *t)
{
    ed_buf_puts(out, "{\"title\":");
    ed_json_escape(out, t->name, strlen(t->name));
    ed_buf_puts(out, ",\"description\":");
    ed_json_escape(out, t->summary, strlen(t->summary));
    ed_buf_puts(out, ",\"type\":\"object\",\"required\":[\"id\",\"type\",\"jurisdiction\","
                "\"occurred_at\",\"data\"],\"properties\":{"
                "\"id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":256},"
                "\"type\":{\"const\":");
    ed_json_escape(out, t->name, strlen(t->name));
    ed_buf_puts(out, "},\"tenant\":{\"type\":\"string\",\"description\":\"the tenant; "
                "may be left to the token or --tenant\"},"
                "\"jurisdiction\":{\"type\":\"string\"},"
                "\"occurred_at\":{\"type\":\"string\",\"format\":\"date-time\"},"
                "\"as_of\":{\"type\":\"string\",\"format\":\"date-time\"},"
                "\"data\":{");
    schema_properties(out, t->fields, t->nfields, t->closed);
    ed_buf_puts(out, "}}}");
}

static void schema(ed_buf *out, const ed_event_catalogue *c, const ed_event_type *only)
{
    ed_buf_puts(out, "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",");
    if (only != NULL) {
        ed_buf_puts(out, "\"$id\":\"urn:edict:events:v1:");
        ed_buf_puts(out, only->name);
        ed_buf_puts(out, "\",\"allOf\":[");
        schema_event(out, only);
        ed_buf_puts(out, "]}\n");
        return;
    }
    ed_buf_puts(out, "\"$id\":\"urn:edict:events:v1\",\"oneOf\":[");
    for (size_t i = 0; i < c->ntypes; i++) {
        ed_buf_puts(out, i ? "," : "");
        schema_event(out, &c->types[i]);
    }
    ed_buf_puts(out, "]}\n");
}

int ed_cmd_events(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json-schema", no_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json_schema = 0, md = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 's': json_schema = 1; break;
        case 'f':
            if (strcmp(optarg, "markdown") == 0) {
                md = 1;
            } else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr, "edict events: --format is text or markdown, not '%s'\n",
                        optarg);
                return ED_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage, stdout); return ED_EXIT_OK;
        default: fputs(usage, stderr); return ED_EXIT_USAGE;
        }
    }
    if (argc - optind > 1 || (md && (json_schema || optind < argc))) {
        fputs(usage, stderr);
        return ED_EXIT_USAGE;
    }
    const ed_event_catalogue *c = ed_event_catalogue_get();
    if (c == NULL) {
        return ED_EXIT_HOST;
    }
    const ed_event_type *t = NULL;
    if (optind < argc) {
        t = ed_event_type_find(argv[optind]);
        if (t == NULL) {
            fprintf(stderr, "edict events: no event type '%s' in the catalogue "
                    "(`edict events` lists them)\n", argv[optind]);
            return ED_EXIT_USAGE;
        }
    }
    ed_buf out = {0};
    if (md) {
        markdown(&out, c);
    } else if (json_schema) {
        schema(&out, c, t);
    } else if (t != NULL) {
        text_type(&out, t);
    } else {
        text_list(&out, c);
    }
    fwrite(out.data, 1, out.len, stdout);
    ed_buf_free(&out);
    return ED_EXIT_OK;
}
