#!/bin/sh
# The shipped suite's real-node part (scenarios/suite-vcan/), run inside
# tools/vcan-vm (or on a host with a vcan interface) by tests/vcan/suite.rs.
# Same variables as drive.sh. The test wrote the inputs: for each NAME in
# bad-crc and silent, vcu-NAME.toml (the shipped scenario) and vcu-NAME.log (the
# real VCU's frames, candump -L, interface vcan0).
#
# Each scenario runs under `evtwin suite` while canplayer plays its VCU. The
# VCU starts when the twin's first frame is on the bus: `evtwin suite` loads and
# validates before it runs (seconds for a debug build in the VM), longer than a
# head start would cover. The two JUnit reports are then joined with
# `evtwin report merge`.
set -u
run() { # NAME
  candump -n 1 "$IF" >"$OUT/$1.first" &
  first=$!
  vcan-wait-reader "$IF" 1
  # From IN, so that the reports name the file as the folder's suite would.
  (cd "$IN" && exec "$EVTWIN" suite "vcu-$1.toml" --junit "$OUT/$1.xml") \
    >"$OUT/$1.out" 2>"$OUT/$1.err" &
  twin=$!
  wait "$first"
  canplayer -I "$IN/vcu-$1.log" "$IF=vcan0" &
  player=$!
  wait "$twin"
  echo $? >"$OUT/$1.rc"
  kill "$player" 2>/dev/null
  wait "$player"
}
run bad-crc
run silent
"$EVTWIN" report merge "$OUT/bad-crc.xml" "$OUT/silent.xml" -o "$OUT/all.xml" \
  >"$OUT/merge.out" 2>&1
echo $? >"$OUT/merge.rc"
exit 0
