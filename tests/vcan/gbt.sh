#!/bin/sh
# GB/T 27930 between two evtwin processes on a real vcan, run inside
# tools/vcan-vm (or on a host with a vcan interface): IF, IN, OUT, EVTWIN as
# for drive.sh; gbt.toml, charger.log (the station's frames of an in-process
# run, source address 0x56) and protocol-only.dbc/.map.toml in IN (only the
# protocol's frames on the charging bus, as for chademo.sh).
#
# A. The car (--real CHARGER) and the station (--real EV) complete a session;
#    candump captures it.
# B. The same, but the station process is frozen (SIGSTOP) 12 s in: it stops
#    answering, and the car must send BEM (CCS timeout), then give up after
#    its reconnects.
# C. The car alone against canplayer replaying a recorded station.
set -u
NET="--dbc $IN/protocol-only.dbc --map $IN/protocol-only.map.toml"

pair() { # $1: name; $2: seconds before freezing the station (0: never)
  candump -L "$IF" >"$OUT/$1-cap.log" &
  dump=$!
  vcan-wait-reader "$IF" 1
  "$EVTWIN" bridge "$IN/gbt.toml" --iface "$IF" $NET --real EV --json \
    >"$OUT/$1-station.json" 2>"$OUT/$1-station.err" &
  station=$!
  vcan-wait-reader "$IF" 2
  "$EVTWIN" bridge "$IN/gbt.toml" --iface "$IF" $NET --real CHARGER --json \
    >"$OUT/$1-car.json" 2>"$OUT/$1-car.err" &
  car=$!
  if [ "$2" -gt 0 ]; then
    sleep "$2"
    kill -STOP $station
  fi
  wait $car
  echo $? >"$OUT/$1-car.rc"
  if [ "$2" -gt 0 ]; then
    kill -CONT $station
    sleep 0.5
    kill -INT $station
  fi
  wait $station
  echo $? >"$OUT/$1-station.rc"
  sleep 0.3
  kill $dump
  wait $dump
}

pair a 0
pair b 12

# C: the car against a recorded station. The recording starts with the
# station's first CHM, at its plug-in (1 s): the car plugs in after 1 s too,
# so the replay starts 1.5 s after the car.
candump -L "$IF" >"$OUT/c-cap.log" &
dump=$!
vcan-wait-reader "$IF" 1
"$EVTWIN" bridge "$IN/gbt.toml" --iface "$IF" $NET --real CHARGER --json \
  >"$OUT/c-car.json" 2>"$OUT/c-car.err" &
car=$!
sleep 1.5
canplayer -I "$IN/charger.log" "$IF=vcan0" &
player=$!
wait $car
echo $? >"$OUT/c-car.rc"
kill $player 2>/dev/null
wait $player
sleep 0.3
kill $dump
wait $dump
exit 0
