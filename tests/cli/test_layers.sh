# test_layers.sh — the include lines that keep the layers apart (docs/
# ARCHITECTURE.md draws them): data flows cli -> server -> api -> decider
# -> engine/store -> util, and never back. stdlib/ reaches the engine only
# through runtime/engine/budget.h (and may use runtime/util/), budget.h
# pulls in nothing of the engine, runtime/util/ includes nothing above it,
# and the server holds no Lua.
. tests/cli/lib.sh

# The project headers a file includes ("..." includes), one per line.
project_includes() {
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

for f in stdlib/*.c stdlib/*.h; do
    bad=
    for inc in $(project_includes "$f"); do
        case $inc in
        engine/budget.h | util/*) ;;            # the engine's face, and util
        */*) bad="$bad $inc" ;;                 # any other part of runtime/
        *) [ -f "stdlib/$inc" ] || bad="$bad $inc" ;; # a stdlib sibling
        esac
    done
    is "$f includes of runtime/ only engine/budget.h and util/" "${bad# }" ""
done

is "budget.h includes no project header" \
    "$(project_includes runtime/engine/budget.h | tr '\n' ' ')" ""

for f in runtime/util/*.c runtime/util/*.h; do
    bad=
    for inc in $(project_includes "$f"); do
        case $inc in
        util/*) ;;
        */*) bad="$bad $inc" ;;
        *) [ -f "runtime/util/$inc" ] || bad="$bad $inc" ;;
        esac
    done
    is "$f includes only util/" "${bad# }" ""
done

# A part may include only the parts below it. $1: the part; $2: the parts
# (folder prefixes) it may include besides its own.
only_below() {
    part=$1
    allowed=$2
    for f in runtime/$part/*.c runtime/$part/*.h; do
        bad=
        for inc in $(project_includes "$f"); do
            case $inc in
            */*)
                ok=
                for a in $allowed; do
                    case $inc in "$a"/*) ok=1 ;; esac
                done
                [ -n "$ok" ] || bad="$bad $inc" ;;
            *) [ -f "runtime/$part/$inc" ] || bad="$bad $inc" ;;
            esac
        done
        is "$f includes only its own part and $allowed" "${bad# }" ""
    done
}
only_below engine "engine util stdlib"
# adapters/ (the outside systems: Metrc) sit beside the decider: they may
# use the store and util, never the engine, the decider, the server or cli
for f in adapters/*/*.c adapters/*/*.h; do
    [ -f "$f" ] || continue
    own=$(dirname "$f")
    bad=
    for inc in $(project_includes "$f"); do
        case $inc in
        store/* | util/*) ;;
        */*) bad="$bad $inc" ;;
        *) [ -f "$own/$inc" ] || bad="$bad $inc" ;;
        esac
    done
    is "$f includes only its own adapter, store/ and util/" "${bad# }" ""
done
# and only the command line and the server include an adapter
above=$(grep -l '#[[:space:]]*include[[:space:]]*"adapters/' runtime/engine/* \
    runtime/store/* runtime/decider/* runtime/util/* stdlib/*.c stdlib/*.h 2>/dev/null | tr '\n' ' ')
is "no part below the server includes an adapter" "$above" ""
only_below store "store util stdlib"
only_below decider "decider engine store util stdlib"
only_below server "server decider engine store util stdlib adapters"

# the server knows no Lua: no Lua header anywhere under runtime/server/
lua_in_server=$(grep -l '#[[:space:]]*include[[:space:]]*<\(lua\|lauxlib\|lualib\)\.h>' \
    runtime/server/*.c runtime/server/*.h 2>/dev/null | tr '\n' ' ')
is "no file under runtime/server/ includes a Lua header" "$lua_in_server" ""
# and the endpoints never call back into the connection layer
is "api.c and api.h do not include server.h" \
    "$(project_includes runtime/server/api.c; project_includes runtime/server/api.h)" \
    "$(project_includes runtime/server/api.c | grep -v '^server.h$'; project_includes runtime/server/api.h | grep -v '^server.h$')"

summary
