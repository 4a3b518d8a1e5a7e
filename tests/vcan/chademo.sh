#!/bin/sh
# CHAdeMO between two evtwin processes on a real vcan, run inside tools/vcan-vm
# (or on a host with a vcan interface): IF, IN, OUT, EVTWIN as for drive.sh;
# chademo.toml, charger.log (the station's frames of an in-process run) and
# protocol-only.dbc/.map.toml in IN: on a charging bus only the protocol's
# frames go (the twin's own BMS/VCU network is the car's internal bus; two
# twins playing it on one bus would each take the other's frames for a
# simulated node's, and a car's CHG_* frames for a real charger's).
#
# A. The car (--real CHARGER) and the station (--real EV) complete a session;
#    candump captures it.
# B. The same, but the station process is frozen (SIGSTOP) 12 s in: it stops
#    answering, and the car must time out.
# C. The car alone against canplayer replaying a recorded station.
set -u
NET="--dbc $IN/protocol-only.dbc --map $IN/protocol-only.map.toml"

pair() { # $1: name; $2: seconds before freezing the station (0: never)
  candump -L "$IF" >"$OUT/$1-cap.log" &
  dump=$!
  vcan-wait-reader "$IF" 1
  "$EVTWIN" bridge "$IN/chademo.toml" --iface "$IF" $NET --real EV --json \
    >"$OUT/$1-station.json" 2>"$OUT/$1-station.err" &
  station=$!
  # The station listens before the car starts: it waits 8 s for the car's
  # first frame, while the car gives the station 1 s to answer.
  vcan-wait-reader "$IF" 2
  "$EVTWIN" bridge "$IN/chademo.toml" --iface "$IF" $NET --real CHARGER --json \
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
# station's first frame, sent on the car's first 0x102: replay it on that.
candump -L "$IF" >"$OUT/c-cap.log" &
dump=$!
vcan-wait-reader "$IF" 1
"$EVTWIN" bridge "$IN/chademo.toml" --iface "$IF" $NET --real CHARGER --json \
  >"$OUT/c-car.json" 2>"$OUT/c-car.err" &
car=$!
candump -n 1 "$IF,102:7FF" >/dev/null
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
