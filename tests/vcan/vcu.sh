#!/bin/sh
# Checks 2 and 4 of tests/vcan.rs, run inside tools/vcan-vm (or on a host that has
# a vcan interface). Same variables as drive.sh. The test wrote the inputs:
# vcu-a.log and vcu-b.log (a real VCU's frames, candump -L, interface vcan0) and
# malformed.sh (cansend lines).
#
# A. canplayer plays the VCU (contactor and power requests) while the twin drives
#    short.toml with --real VCU; five seconds in, malformed frames are sent.
# B. canplayer plays a VCU that falls silent after 5 s while the twin idles.
set -u
run() { # NAME SCENARIO
  candump -r 16000000 -L "$IF" >"$SCRATCH/cap-$1.log" &
  dump=$!
  canplayer -I "$IN/vcu-$1.log" "$IF=vcan0" &
  player=$!
  sleep 0.3
  if [ "$1" = a ]; then (sleep 4.7; sh "$IN/malformed.sh") & fi
  "$EVTWIN" bridge "$IN/$2" --iface "$IF" --real VCU --trace "$OUT/trace-$1.csv" \
    --log "$OUT/twin-$1.log" --report "$OUT/$1.json" >"$OUT/$1.out" 2>"$OUT/$1.err"
  echo $? >"$OUT/$1.rc"
  kill "$player" 2>/dev/null
  wait "$player"
  sleep 0.3
  kill "$dump"
  wait "$dump"
  [ "$SCRATCH" = "$OUT" ] || cp "$SCRATCH/cap-$1.log" "$OUT/"
}
run a short.toml
run b idle.toml
