# test_readme_serve.sh — README's "edict serve" tour, run as README writes
# it: the server started with the example configuration, then each curl
# command copied out of README.md and its answer compared with the output
# README shows ("…" stands for any text). A copy of the tree is used so
# that the example's journal (build/serve/journal) lands in a temporary folder.
. tests/cli/lib.sh

EDICT_ABS=$(cd "$(dirname "$EDICT")" && pwd)/$(basename "$EDICT")
T=$TMP/tree
mkdir -p "$T"
cp -R README.md examples rules jurisdictions tenants "$T"/

# the console block of the section, as README has it
sed -n '/^## edict serve/,/^| endpoint/p' README.md |
    sed -n '/^```console$/,/^```$/p' | sed '1d;$d' >"$TMP/block"
SERVE=$(sed -n 's/^\$ \(edict serve .*\)$/\1/p' "$TMP/block")
check "README shows how to start the server" [ -n "$SERVE" ]

cd "$T" || exit 1
# shellcheck disable=SC2086
"$EDICT_ABS" ${SERVE#edict } 2>"$TMP/serve.err" &
PID=$!
i=0
until curl -s -o /dev/null http://127.0.0.1:8080/healthz || [ $i -ge 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
check "the example server answers on 127.0.0.1:8080" curl -s -o /dev/null http://127.0.0.1:8080/healthz
has "its first log line is the one README shows" "$TMP/serve.err" '"msg":"listening","host":"127.0.0.1","port":8080'

# every "$ curl" command (continued over "\" lines) with the line after it
# as the expected output, when README shows one
awk '
    /^\$ curl/ { cmd = substr($0, 3); cont = /\\$/; if (!cont) { print "CMD " cmd }; next }
    cont { cmd = substr(cmd, 1, length(cmd) - 1) " " $0; sub(/^ +/, " ", cmd); cont = /\\$/;
           if (!cont) print "CMD " cmd; next }
    /^\$ / { next }
    { print "OUT " $0 }
' "$TMP/block" >"$TMP/steps"
n=0
while IFS= read -r step; do
    case $step in
    CMD\ *)
        n=$((n + 1))
        cmd=${step#CMD }
        sh -c "$cmd" >"$TMP/got.$n" 2>&1
        echo "$?" >"$TMP/rc.$n"
        : >"$TMP/want.$n"
        ;;
    OUT\ *) printf '%s\n' "${step#OUT }" >>"$TMP/want.$n" ;;
    esac
done <"$TMP/steps"
check "README shows curl commands" [ "$n" -ge 2 ]
k=1
while [ $k -le "$n" ]; do
    is "README command $k runs" "$(cat "$TMP/rc.$k")" 0
    if [ -s "$TMP/want.$k" ]; then
        # README's "…" is any text; everything else must match
        pattern=$(sed -e 's/[][\.*^$/]/\\&/g' -e 's/…/.*/g' "$TMP/want.$k")
        check "README command $k answers what README shows" grep -q "^$pattern\$" "$TMP/got.$k"
    fi
    k=$((k + 1))
done
grep -q '"decided":12' "$TMP/got.1" || { echo "got:"; cut -c1-300 "$TMP/got.1"; }

kill -TERM "$PID" 2>/dev/null
wait "$PID"
cd - >/dev/null || exit 1
summary
