#!/bin/sh
# Issue 13's faults on a real vcan, run inside tools/vcan-vm (or on a host with a
# vcan interface): IF, IN, OUT, EVTWIN as for drive.sh; idle.toml in IN.
#
# A. The interface goes down 3 s into a real-time bridge run and comes back 2 s
#    later; a capture started after it is back shows the twin sending again.
# B1. A flood of random frames while the bridge's stderr drains one line per 50 ms.
# B2. Garbage frames with the real VCU's identifier: the E2E receiver goes INVALID.
set -u

# A: link down and up.
( sleep 3; ip link set "$IF" down; sleep 2; ip link set "$IF" up
  candump -L "$IF" >"$OUT/after-up.log" & d=$!; sleep 2; kill $d ) &
side=$!
"$EVTWIN" bridge "$IN/idle.toml" --iface "$IF" --report "$OUT/a.json" \
  >"$OUT/a.out" 2>"$OUT/a.err" &
pid=$!
sleep 9
kill -INT $pid
wait $pid
echo $? >"$OUT/a.rc"
wait $side

# B1: a flood of random frames (ids, lengths, payloads) while the bridge's
# stderr is a pipe that drains one line per 50 ms.
mkfifo /tmp/err
( while IFS= read -r line; do echo "$line"; sleep 0.05; done </tmp/err >"$OUT/b1.err" ) &
reader=$!
candump -L "$IF" >"$OUT/b1-cap.log" &
dump=$!
vcan-wait-reader "$IF" 1
"$EVTWIN" bridge "$IN/idle.toml" --iface "$IF" --report "$OUT/b1.json" \
  >"$OUT/b1.out" 2>/tmp/err &
pid=$!
sleep 1.5
cangen "$IF" -g 0.5 -n 4000 -L 8 -D r -I r
sleep 1
kill -INT $pid
wait $pid
echo $? >"$OUT/b1.rc"
sleep 0.3
kill $dump
wait $dump
wait $reader

# B2: the real VCU's identifier, garbage payloads (bad CRCs and counters), 1 kHz,
# from 1.5 s on: the E2E receiver must go INVALID and the BMS must open the
# contactors (a communication fault), as with silence.
"$EVTWIN" bridge "$IN/idle.toml" --iface "$IF" --real VCU --report "$OUT/b2.json" \
  >"$OUT/b2.out" 2>"$OUT/b2.err" &
pid=$!
sleep 1.5
cangen "$IF" -g 1 -n 3000 -I 110 -L 8 -D r &
gen=$!
wait $pid
echo $? >"$OUT/b2.rc"
kill $gen 2>/dev/null
wait $gen
exit 0
