/*
 * chain.h — chain-of-custody and transformation graphs for rules: the Lua
 * module `edict.chain` (EUDR batch verification, seed 002).
 *
 * A rule builds a graph from plain tables and asks it questions; answers
 * are plain Lua tables the rule turns into findings:
 *
 *   local chain = require "edict.chain"
 *   local g = chain.graph{ nodes = {{id = "plot-1"}, {id = "batch-7"}},
 *                          edges = {{from = "plot-1", to = "batch-7",
 *                                    date = "2026-03-01", quantity = 500,
 *                                    id = "T1"}} }
 *   g:trace(id)        -> sorted origin ids reachable backwards from id,
 *                         and a sorted list of unknown ids met on the way;
 *                         nil, message when id is not a node
 *   g:cycles()         -> { {id, ...}, ... } one cycle per strongly
 *                         connected component that has one
 *   g:dangling()       -> { {edge =, missing =, side = "from"|"to"}, ... }
 *   g:gaps(id)         -> { {from_edge =, to_edge =, node =, days =}, ... }
 *   g:stats()          -> { nodes =, edges =, dangling = }
 *   chain.mass_balance(transformations[, tolerance = 0.01])
 *                      -> { {id =, expected_kg =, actual_kg =, ratio =,
 *                            ok =}, ... }
 *
 * All graph memory is Lua userdata, so the sandbox's allocator accounts it
 * and the collector frees it; traversals are iterative and charge the
 * sandbox's instruction budget (ed_budget_charge) as they go.
 */
#ifndef EDICT_CHAIN_H
#define EDICT_CHAIN_H

#include <lua.h>

/* Lua module entry point: require "edict.chain". */
int luaopen_edict_chain(lua_State *L);

#endif
