# test_layers.sh — the include lines that keep the layers apart: stdlib/
# reaches the engine only through runtime/engine/budget.h (and may use
# runtime/util/), budget.h pulls in nothing of the engine, and
# runtime/util/ includes nothing above it.
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

summary
