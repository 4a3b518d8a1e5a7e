#!/bin/sh
# Checks 1 and 3 of tests/vcan.rs, run inside tools/vcan-vm (or on a host that has
# a vcan interface). Needs: IF (interface), IN (inputs), OUT (results), SCRATCH (fast
# local files), EVTWIN (the binary). Results land in $OUT; the test judges them.
#
# 1. The twin drives tests/vcan/short.toml in real time on $IF while candump
#    captures the bus (a 16 MB receive buffer, and a file on local storage: a
#    reader that blocks on a slow file system loses frames).
# 2. canplayer replays the twin's own frame log at full speed; candump captures it.
set -u
candump -r 16000000 -L "$IF" >"$SCRATCH/cap.log" &
dump=$!
sleep 0.5
"$EVTWIN" bridge "$IN/short.toml" --iface "$IF" --trace "$OUT/trace.csv" \
  --log "$OUT/twin.log" --report "$OUT/drive.json" >"$OUT/drive.out" 2>"$OUT/drive.err"
echo $? >"$OUT/drive.rc"
sleep 0.3
kill "$dump"
wait "$dump"

candump -r 16000000 -L "$IF" >"$SCRATCH/replay.log" &
dump=$!
sleep 0.5
# -t: ignore the log's timestamps, -g 0: no gap between frames.
canplayer -t -g 0 -I "$OUT/twin.log" "$IF=$IF"
echo $? >"$OUT/replay.rc"
sleep 0.5
kill "$dump"
wait "$dump"
[ "$SCRATCH" = "$OUT" ] || cp "$SCRATCH/cap.log" "$SCRATCH/replay.log" "$OUT/"
