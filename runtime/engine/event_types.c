/*
 * event_types.c — the event catalogue read from its embedded Lua text into
 * C declarations once per process, and the check of an event's `data`
 * against them (see event_types.h and events/catalogue.lua for what is
 * checked and what is left to the packs).
 */
#include "event_types.h"

#include "json.h"
#include "util/luascan.h"

#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    "text", "id", "number", "boolean", "date", "timestamp", "month", "enum",
    "object", "list", "person", "any",
};

const char *ed_field_kind_name(ed_field_kind kind)
{
    return kind_names[kind];
}

/* ------------------------------------------------------------------ */
/* Reading the declarations                                            */
/* ------------------------------------------------------------------ */

/* Everything is calloc'ed into the catalogue as it is read, so a Lua error
 * half-way (a broken declaration) leaves a structure free_catalogue can
 * release: the walk runs under lua_pcall in a state of its own and owns
 * nothing the catalogue does not reach. */

static char *dup_string(lua_State *L, int idx)
{
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        luaL_error(L, "out of memory");
        return NULL;
    }
    memcpy(copy, s, len + 1);
    return copy;
}

static void *zalloc(lua_State *L, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) {
        luaL_error(L, "out of memory");
    }
    return p;
}

static char *string_field(lua_State *L, int t, const char *key, int required,
                          const char *where)
{
    char *s = NULL;
    int type = lua_getfield(L, t, key);
    if (type == LUA_TSTRING) {
        s = dup_string(L, -1);
    } else if (type != LUA_TNIL || required) {
        luaL_error(L, "%s: '%s' must be text", where, key);
    }
    lua_pop(L, 1);
    return s;
}

static void read_field(lua_State *L, int t, ed_field *f, int named, const char *where);

static void read_fields(lua_State *L, int t, ed_field **out, size_t *n, const char *where)
{
    t = lua_absindex(L, t);
    size_t count = lua_rawlen(L, t);
    *out = zalloc(L, count, sizeof **out);
    for (size_t i = 1; i <= count; i++) {
        lua_rawgeti(L, t, (lua_Integer)i);
        if (!lua_istable(L, -1)) {
            luaL_error(L, "%s: field %d is not a table", where, (int)i);
        }
        read_field(L, -1, &(*out)[i - 1], 1, where);
        *n = i;
        lua_pop(L, 1);
    }
}

static void read_field(lua_State *L, int t, ed_field *f, int named, const char *where)
{
    t = lua_absindex(L, t);
    int slot = 1;
    if (named) {
        if (lua_rawgeti(L, t, slot++) != LUA_TSTRING) {
            luaL_error(L, "%s: a field starts with its name", where);
        }
        f->name = dup_string(L, -1);
        lua_pop(L, 1);
    }
    if (lua_rawgeti(L, t, slot++) != LUA_TSTRING) {
        luaL_error(L, "%s: field %s has no kind", where, f->name ? f->name : "(items)");
    }
    const char *kind = lua_tostring(L, -1);
    size_t k = 0;
    while (k < sizeof kind_names / sizeof *kind_names && strcmp(kind_names[k], kind) != 0) {
        k++;
    }
    if (k == sizeof kind_names / sizeof *kind_names) {
        luaL_error(L, "%s: field %s: unknown kind '%s'", where,
                   f->name ? f->name : "(items)", kind);
    }
    f->kind = (ed_field_kind)k;
    lua_pop(L, 1);
    if (lua_rawgeti(L, t, slot) == LUA_TSTRING) {
        f->doc = dup_string(L, -1);
    } else if (named) {
        luaL_error(L, "%s: field %s has no description", where, f->name);
    }
    lua_pop(L, 1);
    lua_getfield(L, t, "required");
    f->required = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (f->kind == ED_KIND_ENUM) {
        if (lua_getfield(L, t, "values") != LUA_TTABLE) {
            luaL_error(L, "%s: enum %s lists no values", where, f->name);
        }
        size_t n = lua_rawlen(L, -1);
        f->values = zalloc(L, n, sizeof *f->values);
        for (size_t i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i);
            f->values[i - 1] = dup_string(L, -1);
            f->nvalues = i;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (f->kind == ED_KIND_OBJECT) {
        if (lua_getfield(L, t, "fields") != LUA_TTABLE) {
            luaL_error(L, "%s: object %s declares no fields", where, f->name);
        }
        read_fields(L, -1, &f->fields, &f->nfields, where);
        lua_pop(L, 1);
    } else if (f->kind == ED_KIND_LIST) {
        if (lua_getfield(L, t, "items") != LUA_TTABLE) {
            luaL_error(L, "%s: list %s declares no items", where, f->name);
        }
        f->items = zalloc(L, 1, sizeof *f->items);
        read_field(L, -1, f->items, 0, where);
        lua_pop(L, 1);
    } else if (f->kind == ED_KIND_PERSON) {
        /* written as an object, a person has these fields */
        static const struct {
            const char *name;
            ed_field_kind kind;
        } person[] = {{"name", ED_KIND_TEXT}, {"employee_id", ED_KIND_ID}};
        f->fields = zalloc(L, 2, sizeof *f->fields);
        for (size_t i = 0; i < 2; i++) {
            lua_pushstring(L, person[i].name);
            f->fields[i].name = dup_string(L, -1);
            f->fields[i].kind = person[i].kind;
            f->nfields = i + 1;
            lua_pop(L, 1);
        }
    }
}

static int read_catalogue(lua_State *L)
{
    ed_event_catalogue *c = lua_touserdata(L, 1);
    if (!lua_istable(L, 2)) {
        return luaL_error(L, "the catalogue must return a table");
    }
    lua_getfield(L, 2, "version");
    c->version = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "types") != LUA_TTABLE) {
        return luaL_error(L, "the catalogue has no types");
    }
    size_t n = lua_rawlen(L, -1);
    c->types = zalloc(L, n, sizeof *c->types);
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(L, 3, (lua_Integer)i);
        ed_event_type *t = &c->types[i - 1];
        c->ntypes = i;
        t->name = string_field(L, -1, "type", 1, "a type");
        t->summary = string_field(L, -1, "summary", 1, t->name);
        lua_getfield(L, -1, "closed");
        t->closed = lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (lua_getfield(L, -1, "jurisdictions") == LUA_TTABLE) {
            size_t nj = lua_rawlen(L, -1);
            t->jurisdictions = zalloc(L, nj, sizeof *t->jurisdictions);
            for (size_t j = 1; j <= nj; j++) {
                lua_rawgeti(L, -1, (lua_Integer)j);
                t->jurisdictions[j - 1] = dup_string(L, -1);
                t->njurisdictions = j;
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
        if (lua_getfield(L, -1, "fields") != LUA_TTABLE) {
            return luaL_error(L, "%s: no fields", t->name);
        }
        read_fields(L, -1, &t->fields, &t->nfields, t->name);
        lua_pop(L, 2);
    }
    return 0;
}

static void free_field(ed_field *f)
{
    free(f->name);
    free(f->doc);
    for (size_t i = 0; i < f->nvalues; i++) {
        free(f->values[i]);
    }
    free(f->values);
    for (size_t i = 0; i < f->nfields; i++) {
        free_field(&f->fields[i]);
    }
    free(f->fields);
    if (f->items != NULL) {
        free_field(f->items);
        free(f->items);
    }
}

static void free_catalogue(ed_event_catalogue *c)
{
    for (size_t i = 0; i < c->ntypes; i++) {
        ed_event_type *t = &c->types[i];
        free(t->name);
        free(t->summary);
        for (size_t j = 0; j < t->njurisdictions; j++) {
            free(t->jurisdictions[j]);
        }
        free(t->jurisdictions);
        for (size_t j = 0; j < t->nfields; j++) {
            free_field(&t->fields[j]);
        }
        free(t->fields);
    }
    free(c->types);
    memset(c, 0, sizeof *c);
}

static ed_event_catalogue catalogue;
static int catalogue_ok;
static pthread_once_t catalogue_once = PTHREAD_ONCE_INIT;

static void load_catalogue(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "edict: events/catalogue.lua: out of memory\n");
        return;
    }
    int rc = luaL_loadbufferx(L, ed_event_catalogue_lua, ed_event_catalogue_lua_len,
                              "=events/catalogue.lua", "t");
    if (rc == LUA_OK) {
        rc = lua_pcall(L, 0, 1, 0);
    }
    if (rc == LUA_OK) {
        lua_pushcfunction(L, read_catalogue);
        lua_pushlightuserdata(L, &catalogue);
        lua_pushvalue(L, -3);
        rc = lua_pcall(L, 2, 0, 0);
    }
    if (rc != LUA_OK) {
        fprintf(stderr, "edict: events/catalogue.lua: %s\n", lua_tostring(L, -1));
        free_catalogue(&catalogue);
    } else {
        catalogue_ok = 1;
    }
    lua_close(L);
}

const ed_event_catalogue *ed_event_catalogue_get(void)
{
    pthread_once(&catalogue_once, load_catalogue);
    return catalogue_ok ? &catalogue : NULL;
}

const ed_event_type *ed_event_type_find(const char *type)
{
    const ed_event_catalogue *c = ed_event_catalogue_get();
    for (size_t i = 0; c != NULL && i < c->ntypes; i++) {
        if (strcmp(c->types[i].name, type) == 0) {
            return &c->types[i];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Checking an event's data                                            */
/* ------------------------------------------------------------------ */

typedef struct check {
    lua_State *L;
    ed_buf *err;
    const ed_event_type *type;
    char path[512]; /* the JSON pointer of the value being checked */
    size_t len;
} check;

/* What a value is, as JSON: objects and lists are both Lua tables. */
typedef enum { V_ABSENT, V_SCALAR, V_OBJECT, V_LIST, V_EMPTY } value_shape;

static value_shape shape_of(lua_State *L, int idx)
{
    int type = lua_type(L, idx);
    if (type == LUA_TNIL || ed_json_is_null(L, idx)) {
        return V_ABSENT;
    }
    if (type != LUA_TTABLE) {
        return V_SCALAR;
    }
    if (lua_rawlen(L, idx) > 0) {
        return V_LIST;
    }
    lua_pushnil(L);
    if (lua_next(L, idx < 0 ? idx - 1 : idx) == 0) {
        return V_EMPTY;
    }
    lua_pop(L, 2);
    return V_OBJECT;
}

static const char *described(lua_State *L, int idx, value_shape shape)
{
    switch (shape) {
    case V_OBJECT: return "an object";
    case V_LIST: return "a list";
    case V_EMPTY: return "an empty object or list";
    case V_ABSENT: return "null";
    default: break;
    }
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: return "text";
    case LUA_TNUMBER: return "a number";
    case LUA_TBOOLEAN: return "a boolean";
    default: return "a value";
    }
}

static const char *expected(ed_field_kind kind)
{
    switch (kind) {
    case ED_KIND_TEXT: return "text";
    case ED_KIND_ID: return "text or a whole number";
    case ED_KIND_NUMBER: return "a number";
    case ED_KIND_BOOLEAN: return "true or false";
    case ED_KIND_DATE: return "a date (YYYY-MM-DD)";
    case ED_KIND_TIMESTAMP: return "an RFC 3339 timestamp";
    case ED_KIND_MONTH: return "a month (YYYY-MM)";
    case ED_KIND_OBJECT: return "an object";
    case ED_KIND_LIST: return "a list";
    case ED_KIND_PERSON: return "a name or an object {name, employee_id}";
    default: return "anything";
    }
}

/* Append a JSON pointer token (RFC 6901: ~ as ~0, / as ~1); returns the
 * previous length, to restore. */
static size_t push_token(check *c, const char *token)
{
    size_t before = c->len;
    if (c->len + 2 < sizeof c->path) {
        c->path[c->len++] = '/';
    }
    for (const char *p = token; *p && c->len + 3 < sizeof c->path; p++) {
        if (*p == '~' || *p == '/') {
            c->path[c->len++] = '~';
            c->path[c->len++] = *p == '~' ? '0' : '1';
        } else {
            c->path[c->len++] = *p;
        }
    }
    c->path[c->len] = '\0';
    return before;
}

static void pop_token(check *c, size_t before)
{
    c->len = before;
    c->path[before] = '\0';
}

/* The problem, after the pointer of the value it is about. */
static int fail(check *c, const char *what)
{
    ed_buf_printf(c->err, "%s: %s", c->path, what);
    return -1;
}

/* The value at the top of the stack is not of the declared kind. */
static int mismatch(check *c, const ed_field *f, ed_field_kind kind, value_shape shape)
{
    char what[320];
    int n = snprintf(what, sizeof what, "expected %s", kind == ED_KIND_ENUM ? "one of " : expected(kind));
    for (size_t v = 0; kind == ED_KIND_ENUM && v < f->nvalues && n > 0 && (size_t)n < sizeof what; v++) {
        n += snprintf(what + n, sizeof what - (size_t)n, "%s%s", v ? ", " : "", f->values[v]);
    }
    if (n > 0 && (size_t)n < sizeof what) {
        snprintf(what + n, sizeof what - (size_t)n, ", not %s", described(c->L, -1, shape));
    }
    return fail(c, what);
}

static int check_fields(check *c, int obj, const ed_field *fields, size_t n, int closed);

/* The value at the top of the stack against f. */
static int check_value(check *c, const ed_field *f)
{
    lua_State *L = c->L;
    value_shape shape = shape_of(L, -1);
    if (shape == V_ABSENT) {
        if (f->required) {
            char what[256];
            snprintf(what, sizeof what, "missing (a %s event requires it: %s)",
                     c->type->name, f->doc ? f->doc : "");
            return fail(c, what);
        }
        return 0;
    }
    if (f->kind == ED_KIND_ANY || shape == V_EMPTY) {
        return 0;
    }
    switch (f->kind) {
    case ED_KIND_OBJECT:
        if (shape != V_OBJECT) {
            return mismatch(c, f, ED_KIND_OBJECT, shape);
        }
        return check_fields(c, lua_gettop(L), f->fields, f->nfields, 0);
    case ED_KIND_LIST:
        if (shape == V_SCALAR) {
            return mismatch(c, f, ED_KIND_LIST, shape);
        }
        if (shape == V_OBJECT) {
            /* one record where a list of records belongs: a list of one,
             * as the packs read it (edict.read.list) */
            return f->items->kind == ED_KIND_OBJECT || f->items->kind == ED_KIND_ANY
                ? check_value(c, f->items)
                : mismatch(c, f, ED_KIND_LIST, shape);
        }
        for (lua_Integer i = 1, n = (lua_Integer)lua_rawlen(L, -1); i <= n; i++) {
            char index[32];
            snprintf(index, sizeof index, "%lld", (long long)(i - 1));
            size_t before = push_token(c, index);
            lua_rawgeti(L, -1, i);
            int rc = check_value(c, f->items);
            lua_pop(L, 1);
            pop_token(c, before);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    case ED_KIND_PERSON:
        if (shape == V_LIST) {
            return mismatch(c, f, f->kind, shape);
        }
        return shape == V_OBJECT ? check_fields(c, lua_gettop(L), f->fields, f->nfields, 0) : 0;
    default:
        /* a value: its text, number or date is the packs' to read (they
         * name what they cannot), but no reading makes one of a record */
        if (shape != V_SCALAR) {
            return mismatch(c, f, f->kind, shape);
        }
        return 0;
    }
}

static int declared(const ed_field *fields, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(fields[i].name, key) == 0) {
            return 1;
        }
    }
    return 0;
}

static int check_fields(check *c, int obj, const ed_field *fields, size_t n, int closed)
{
    lua_State *L = c->L;
    for (size_t i = 0; i < n; i++) {
        size_t before = push_token(c, fields[i].name);
        lua_getfield(L, obj, fields[i].name);
        int rc = check_value(c, &fields[i]);
        lua_pop(L, 1);
        pop_token(c, before);
        if (rc != 0) {
            return rc;
        }
    }
    if (closed) {
        lua_pushnil(L);
        while (lua_next(L, obj) != 0) {
            lua_pop(L, 1);
            if (lua_type(L, -1) != LUA_TSTRING ||
                !declared(fields, n, lua_tostring(L, -1))) {
                const char *key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
                push_token(c, key);
                lua_pop(L, 1);
                char what[256];
                snprintf(what, sizeof what, "not a field of %s (its fields are closed)",
                         c->type->name);
                return fail(c, what);
            }
        }
    }
    return 0;
}

int ed_event_data_check(lua_State *L, int idx, const char *type, ed_buf *err)
{
    const ed_event_type *t = ed_event_type_find(type);
    if (t == NULL) {
        return 0;
    }
    if (!lua_checkstack(L, 64)) {
        ed_buf_puts(err, "/data: too deeply nested to check");
        return -1;
    }
    idx = lua_absindex(L, idx);
    check c = {L, err, t, "/data", 5};
    lua_getfield(L, idx, "data");
    value_shape shape = shape_of(L, -1);
    int rc = 0;
    if (shape == V_ABSENT) {
        char what[512];
        snprintf(what, sizeof what, "missing (a %s event carries its data; `edict "
                 "events %s` lists the fields)", t->name, t->name);
        rc = fail(&c, what);
    } else if (shape == V_OBJECT || shape == V_EMPTY) {
        rc = check_fields(&c, lua_gettop(L), t->fields, t->nfields, t->closed);
    } else {
        rc = mismatch(&c, NULL, ED_KIND_OBJECT, shape);
    }
    lua_pop(L, 1);
    return rc;
}

/* ------------------------------------------------------------------ */
/* How a pack uses the catalogue (edict check's warnings)              */
/* ------------------------------------------------------------------ */

static int declares(const ed_event_type *t, const char *name, size_t len)
{
    for (size_t i = 0; i < t->nfields; i++) {
        if (strlen(t->fields[i].name) == len && memcmp(t->fields[i].name, name, len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The types the rules of file `path` of p are on; 0 when one of them is
 * not in the catalogue (its fields are unknown, so nothing is said). */
static size_t file_types(const ed_pack *p, const char *path, const ed_event_type **types,
                         size_t max)
{
    size_t n = 0, label = strlen(p->label), plen = strlen(path);
    for (size_t r = 0; r < p->n_rules; r++) {
        const char *w = p->rules[r].where;
        if (w == NULL || strncmp(w, p->label, label) != 0 || w[label] != '/' ||
            strncmp(w + label + 1, path, plen) != 0 || w[label + 1 + plen] != ':') {
            continue;
        }
        for (size_t i = 0; i < p->rules[r].n_on; i++) {
            const ed_event_type *t = ed_event_type_find(p->rules[r].on[i]);
            if (t == NULL) {
                return 0;
            }
            size_t k = 0;
            while (k < n && types[k] != t) {
                k++;
            }
            if (k == n && n < max) {
                types[n++] = t;
            }
        }
    }
    return n;
}

typedef struct read_lint {
    const ed_pack *p;
    const ed_file *f;
    const ed_event_type *types[16];
    size_t ntypes;
    ed_buf said; /* "\nname\n" of each field warned about: once per file */
    ed_buf *out;
    size_t warnings;
} read_lint;

static void lint_read(void *arg, int line, const char *name, size_t len)
{
    read_lint *rl = arg;
    for (size_t k = 0; k < rl->ntypes; k++) {
        if (declares(rl->types[k], name, len)) {
            return;
        }
    }
    char key[80];
    snprintf(key, sizeof key, "\n%.*s\n", (int)(len < 64 ? len : 64), name);
    if (rl->said.data != NULL && strstr(rl->said.data, key) != NULL) {
        return;
    }
    ed_buf_puts(&rl->said, key);
    ed_buf_printf(rl->out, "%s/%s:%d: warning: reads e.data.%.*s, which %s does not "
                  "declare (`edict events %s`); fine if your events carry it\n",
                  rl->p->label, rl->f->path, line, (int)len, name, rl->types[0]->name,
                  rl->types[0]->name);
    rl->warnings++;
}

/* Reads of `e.data.X` (and X of a local bound to e.data) in one rule file
 * that none of its rules' types declares. */
static size_t lint_reads(const ed_pack *p, const ed_file *f, ed_buf *out)
{
    read_lint rl = {.p = p, .f = f, .out = out};
    rl.ntypes = file_types(p, f->path, rl.types, 16);
    if (rl.ntypes > 0) {
        ed_lua_field_reads(f->data, f->len, "e.data", lint_read, &rl);
    }
    ed_buf_free(&rl.said);
    return rl.warnings;
}

/* Edit distance of a and b, or more than `most` when it is (cut short). */
static size_t distance(const char *a, const char *b, size_t most)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 128 || lb > 128 || (la > lb ? la - lb : lb - la) > most) {
        return most + 1;
    }
    size_t row[129];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best = row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t v = diag + (a[i - 1] != b[j - 1]);
            v = up + 1 < v ? up + 1 : v;
            v = row[j - 1] + 1 < v ? row[j - 1] + 1 : v;
            row[j] = v;
            diag = up;
            best = v < best ? v : best;
        }
        if (best > most) {
            return most + 1;
        }
    }
    return row[lb];
}

/* The catalogued type `type` is a slip of (two edits at most), or NULL. */
static const char *near_type(const char *type)
{
    const ed_event_catalogue *c = ed_event_catalogue_get();
    for (size_t i = 0; c != NULL && i < c->ntypes; i++) {
        if (distance(type, c->types[i].name, 2) <= 2) {
            return c->types[i].name;
        }
    }
    return NULL;
}

size_t ed_event_types_lint(const ed_pack *p, ed_buf *out)
{
    size_t warnings = 0;
    /* a pack that declares its events: a declared type off the catalogue
     * is its own, unless it is a slip of a catalogued one (the rules on
     * it were checked against the declaration when the pack loaded) */
    for (size_t i = 0; i < p->n_events; i++) {
        const char *near = ed_event_type_find(p->events[i]) == NULL
                         ? near_type(p->events[i]) : NULL;
        if (near != NULL) {
            ed_buf_printf(out, "%s/%s: warning: events names '%s', which is not in the "
                          "event catalogue: did you mean '%s'? (`edict events` lists "
                          "the types)\n", p->label, p->manifest ? p->manifest : "pack.lua",
                          p->events[i], near);
            warnings++;
        }
    }
    for (size_t r = 0; p->events == NULL && r < p->n_rules; r++) {
        for (size_t i = 0; i < p->rules[r].n_on; i++) {
            const char *near = ed_event_type_find(p->rules[r].on[i]) == NULL
                             ? near_type(p->rules[r].on[i]) : NULL;
            if (near != NULL) {
                ed_buf_printf(out, "%s: warning: rule %s is on '%s', which is not in the "
                              "event catalogue: did you mean '%s'? (`edict events` lists "
                              "the types)\n",
                              p->rules[r].where ? p->rules[r].where : p->label,
                              p->rules[r].id, p->rules[r].on[i], near);
                warnings++;
            }
        }
    }
    for (size_t i = 0; i < p->n_files; i++) {
        size_t n = strlen(p->files[i].path);
        if (n > 4 && strcmp(p->files[i].path + n - 4, ".lua") == 0 &&
            strncmp(p->files[i].path, "tests/", 6) != 0) {
            warnings += lint_reads(p, &p->files[i], out);
        }
    }
    return warnings;
}
