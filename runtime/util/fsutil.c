/*
 * fsutil.c — small file-system helpers (see fsutil.h).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#define fsutil_c

#include "fsutil.h"

#include "alloc.h"
#include "buf.h"

#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *ed_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(ed_xmalloc(n), s, n);
}

char *ed_strdup_or_null(const char *s)
{
    return s != NULL ? ed_strdup(s) : NULL;
}

char *ed_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    while (data != NULL) {
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            break;
        }
        if (n + 1 == cap) {
            char *p = realloc(data, cap * 2);
            if (p == NULL) {
                free(data);
                data = NULL;
                errno = ENOMEM;
                break;
            }
            data = p;
            cap *= 2;
        }
    }
    int failed = data == NULL || ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(data);
        errno = saved ? saved : EIO;
        return NULL;
    }
    data[n] = '\0';
    if (len) {
        *len = n;
    }
    return data;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ed_list_dir(const char *path, char ***names)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    int n = 0, cap = 16;
    char **list = malloc(sizeof *list * (size_t)cap);
    struct dirent *e;
    while (list != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (n == cap) {
            char **p = realloc(list, sizeof *list * (size_t)(cap *= 2));
            if (p == NULL) {
                ed_free_names(list, n);
                list = NULL;
                break;
            }
            list = p;
        }
        list[n++] = ed_strdup(e->d_name);
    }
    closedir(d);
    if (list == NULL) {
        errno = ENOMEM;
        return -1;
    }
    qsort(list, (size_t)n, sizeof *list, compare_names);
    *names = list;
    return n;
}

void ed_free_names(char **names, int n)
{
    for (int i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

int ed_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ed_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *ed_path_join(const char *a, const char *b)
{
    if (a == NULL || *a == '\0') {
        return ed_strdup(b);
    }
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/') {
        la--;
    }
    char *p = ed_xmalloc(la + lb + 2);
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

char *ed_path_base(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') {
        n--;
    }
    size_t start = n;
    while (start > 0 && path[start - 1] != '/') {
        start--;
    }
    char *p = ed_xmalloc(n - start + 1);
    memcpy(p, path + start, n - start);
    p[n - start] = '\0';
    return p;
}

static int make_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0) {
        return 1;
    }
    return errno == EEXIST && ed_is_dir(path) ? 0 : -1;
}

int ed_make_dirs(const char *dir, mode_t mode)
{
    char *copy = ed_strdup(dir);
    for (char *p = copy + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (make_dir(copy, mode) < 0) {
                free(copy);
                return -1;
            }
            *p = '/';
        }
    }
    int rc = make_dir(copy, mode);
    free(copy);
    return rc;
}

int ed_write_all(int fd, const void *p, size_t n)
{
    const char *at = p;
    while (n > 0) {
        ssize_t w = write(fd, at, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        at += w;
        n -= (size_t)w;
    }
    return 0;
}

char *ed_state_path(const char *leaf)
{
    const char *home = getenv("EDICT_HOME");
    char *base;
    if (home && *home) {
        base = ed_path_join(home, "var");
    } else if ((home = getenv("XDG_STATE_HOME")) && *home == '/') {
        base = ed_path_join(home, "edict");
    } else if ((home = getenv("HOME")) && *home == '/') {
        char *state = ed_path_join(home, ".local/state");
        base = ed_path_join(state, "edict");
        free(state);
    } else {
        base = ed_strdup("var");
    }
    char *path = ed_path_join(base, leaf);
    free(base);
    return path;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void ed_remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int ed_path_is_inside(const char *p)
{
    if (p[0] == '\0' || p[0] == '/') {
        return 0;
    }
    for (const char *s = p; s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL) {
        if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0')) {
            return 0;
        }
    }
    return 1;
}

int ed_write_file(const char *path, const char *bytes, size_t len, ed_buf *err)
{
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        int made = ed_make_dirs(path, 0755);
        *slash = '/';
        if (made < 0) {
            ed_buf_printf(err, "%s: cannot make its folder: %s", path, strerror(errno));
            return -1;
        }
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ed_write_all(fd, bytes, len) != 0) {
        ed_buf_printf(err, "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    close(fd);
    return 0;
}
