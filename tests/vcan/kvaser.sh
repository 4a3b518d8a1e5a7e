#!/bin/sh
# A real controller driver (tools/vcan-vm --kvaser 2): two emulated SJA1000s
# (QEMU's Kvaser PCI) on one CAN bus, driven by the kernel's sja1000 and
# kvaser_pci drivers. The bridge sends on can0 at 500 kbit/s with a transmit
# queue of 4 frames (the SJA1000 has one transmit buffer): bursts of frames due
# together can meet ENOBUFS for real (when the guest falls behind). can-utils on can1 capture everything and,
# from 2 s on, flood the bus with 1000 frames of identifier 0x7FF.
# IN, OUT, EVTWIN as for drive.sh; iproute2's ip at /usr/local/bin/ip.
set -u
IP=/usr/local/bin/ip
for c in can0 can1; do
  $IP link set $c type can bitrate 500000 || exit 10
  $IP link set $c up || exit 11
done
$IP link set can0 txqueuelen 4 || exit 12
candump -L -r 16000000 "can1,0:0,#FFFFFFFF" >"$OUT/cap.log" &
dump=$!
vcan-wait-reader can1 1
"$EVTWIN" bridge "$IN/kvaser.toml" --iface can0 --log "$OUT/twin.log" \
  --report "$OUT/k.json" >"$OUT/k.out" 2>"$OUT/k.err" &
pid=$!
sleep 2
cangen can1 -g 2 -n 1000 -I 7FF -L 8 -D i
wait $pid
echo $? >"$OUT/k.rc"
sleep 0.3
kill $dump
wait $dump
$IP -details -statistics link show can0 >"$OUT/link.txt"
exit 0
