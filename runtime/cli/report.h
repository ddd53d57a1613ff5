/*
 * report.h — the monthly report's Lua (runtime/cli/report_monthly.lua),
 * embedded at build by the Makefile (gen/report_lua.c), for cmd_report.c.
 */
#ifndef EDICT_CLI_REPORT_H
#define EDICT_CLI_REPORT_H

#include <stddef.h>

extern const char *const ed_report_monthly_lua;
extern const size_t ed_report_monthly_lua_len;

#endif
