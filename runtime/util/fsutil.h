/*
 * fsutil.h — the little file-system work the host does: read a whole file,
 * list a folder in a stable order, test for folders and files.
 */
#ifndef EDICT_FSUTIL_H
#define EDICT_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Read a whole file. Returns a malloc'd NUL-terminated buffer (MUST BE
 * FREED by the caller) and its length, or NULL with errno set. */
char *ed_read_file(const char *path, size_t *len);

/* The entry names of a folder (no "." or ".."), sorted bytewise. Returns
 * the count, or -1 with errno set. *names is a malloc'd array of malloc'd
 * strings: free with ed_free_names(). */
int ed_list_dir(const char *path, char ***names);
void ed_free_names(char **names, int n);

int ed_is_dir(const char *path);
int ed_is_file(const char *path);

/* malloc'd "a/b", or a copy of b when a is empty. */
char *ed_path_join(const char *a, const char *b);

/* The last component of a path ("x/y/" -> "y"), malloc'd. */
char *ed_path_base(const char *path);

/* Where edict keeps what it writes for the user or the installation
 * (the journal, a server's state), leaf being "journal" or "state":
 * $EDICT_HOME/var/LEAF when EDICT_HOME is set, else
 * $XDG_STATE_HOME/edict/LEAF, else ~/.local/state/edict/LEAF, else (no
 * home at all) var/LEAF. Never relative to the current folder when a home
 * is known: a run in another folder must not start another journal.
 * malloc'd. */
char *ed_state_path(const char *leaf);

/* Make dir, and its parents, with mode (like mkdir -p). Returns 1 when dir
 * itself was created, 0 when it was already a folder, -1 with errno set. */
int ed_make_dirs(const char *dir, mode_t mode);

/* Write all n bytes to fd, retrying short writes and EINTR. 0, or -1 with
 * errno set. */
int ed_write_all(int fd, const void *p, size_t n);

/* p is a relative path that stays inside its folder: not empty, not
 * absolute, no ".." component. */
int ed_path_is_inside(const char *p);

/* Write bytes to path whole (created or truncated, mode 0644), making its
 * folders first. 0, or -1 with err naming the path. */
struct ed_buf;
int ed_write_file(const char *path, const char *bytes, size_t len, struct ed_buf *err);

/* strdup that aborts on allocation failure. */
char *ed_strdup(const char *s);
/* The same, with NULL for NULL (optional settings). */
char *ed_strdup_or_null(const char *s);

/* Remove path and everything under it (symbolic links are removed, not
 * followed). Best effort: what cannot be removed stays. */
void ed_remove_tree(const char *path);

#endif
