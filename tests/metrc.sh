#!/bin/sh
# metrc.sh — the Metrc emulator (adapters/metrc/emulator) for the tests
# and the bench, on a loopback port of its own.
#
#   . tests/metrc.sh; emu_start [CONFIG_JSON]   start it and export
#       EMU_URL   http://127.0.0.1:PORT (edict's --base-url)
#       EMU_PID   its process (emu_stop ends it)
#   emu_faults JSON     set the injected faults (POST /_emulator/faults)
#   emu_stats           GET /_emulator/stats to stdout
#   emu_stop            stop it
# Callers put emu_stop in a trap.
emu_start() {
    _emu_dir=$(mktemp -d /tmp/edict-emu-XXXXXX) || return 1
    python3 "${ROOT:-.}/adapters/metrc/emulator/metrc_emulator.py" \
        --port-file "$_emu_dir/port" ${1:+--config "$1"} 2>"$_emu_dir/log" &
    EMU_PID=$!
    _i=0
    while [ ! -s "$_emu_dir/port" ] && [ $_i -lt 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    [ -s "$_emu_dir/port" ] || { cat "$_emu_dir/log" >&2; return 1; }
    EMU_URL=http://127.0.0.1:$(cat "$_emu_dir/port")
    export EMU_URL EMU_PID
}

emu_faults() {
    curl -s -X POST -d "$1" "$EMU_URL/_emulator/faults" >/dev/null
}

emu_stats() {
    curl -s "$EMU_URL/_emulator/stats"
}

emu_stop() {
    if [ -n "${EMU_PID:-}" ]; then
        kill "$EMU_PID" 2>/dev/null
        wait "$EMU_PID" 2>/dev/null
        EMU_PID=
    fi
    [ -n "${_emu_dir:-}" ] && rm -rf "$_emu_dir"
}
