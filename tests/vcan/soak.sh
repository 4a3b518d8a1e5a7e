#!/bin/sh
# A real-time soak on vcan (tools/vcan-vm, or a host with a vcan interface):
# the bridge drives soak.toml for SOAK_S seconds of wall time while candump
# listens; every 10 s the bridge's RSS and CPU time are sampled.
# IF, IN, OUT, EVTWIN as for drive.sh; SOAK_S (default 60).
set -u
SOAK_S=${SOAK_S:-$(cat "$IN/soak-env" 2>/dev/null || echo 60)}
candump -L "$IF" >/dev/null &
dump=$!
"$EVTWIN" bridge "$IN/soak.toml" --iface "$IF" --report "$OUT/soak.json" \
  >"$OUT/soak.out" 2>"$OUT/soak.err" &
pid=$!
tick=$(getconf CLK_TCK 2>/dev/null || echo 100)
t=0
echo "t_s rss_kb cpu_ticks" >"$OUT/soak-samples.txt"
while [ "$t" -le "$SOAK_S" ]; do
  if [ -r /proc/$pid/status ]; then
    rss=$(grep VmRSS /proc/$pid/status | tr -s ' ' | cut -d' ' -f2)
    cpu=$(cut -d' ' -f14,15 /proc/$pid/stat | tr ' ' '+' | sed 's/+$//')
    echo "$t $rss $((cpu))" >>"$OUT/soak-samples.txt"
  fi
  [ "$t" -ge "$SOAK_S" ] && break
  sleep 10
  t=$((t + 10))
done
echo "$tick" >"$OUT/clk_tck"
kill -INT $pid
wait $pid
echo $? >"$OUT/soak.rc"
kill $dump
exit 0
