#!/usr/bin/env python3
"""Generates assets/dbc/evtwin.dbc, the CAN network of the evtwin car, and checks it.

Run from the repository root:

  python3 tools/gen-evtwin-dbc.py           # writes assets/dbc/evtwin.dbc
  python3 tools/gen-evtwin-dbc.py --check   # checks the DBC and both signal mappings
  python3 tools/gen-evtwin-dbc.py --markdown  # prints the tables of assets/dbc/README.md

The network (every message, its layout, cycle, E2E protection and value tables) is
described once, in the tables below; the DBC is their output, byte for byte, so edit
this file and regenerate rather than editing the DBC. `--check` needs python
`cantools` (45) and verifies:

- the committed DBC is exactly what this script generates;
- `cantools` loads it with strict checking (no overlapping signals, every signal
  inside its 8 bytes), every message has a transmitter and a `GenMsgCycleTime` of
  10..1000 ms, every declared [min|max] is representable by the signal's raw bits,
  and every message encodes and decodes a sample frame;
- E2E counters and CRCs are marked with the `SigType` attribute (MessageCounter /
  MessageChecksum), the counter is 4 bits and the CRC 8 bits on a byte boundary;
- each mapping (`assets/dbc/evtwin.map.toml` against this DBC,
  `assets/dbc/foxbms.map.toml` against ../shared/data/dbc/foxbms.dbc) names only
  messages and signals its DBC has (expanding `{i}` / `{i:03}` over the DBC's
  signal names), uses only the documented keys, and names twin signals and inputs
  that exist in crates/evtwin-sim/src/signals.rs;
- every signal of evtwin.dbc that is not a counter, CRC or multiplexer switch is
  either mapped or listed in UNMAPPED with its reason;
- assets/dbc/README.md holds the tables `--markdown` prints;
- the worst-case bus load at 500 kbit/s.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DBC_PATH = ROOT / "assets" / "dbc" / "evtwin.dbc"
MAP_PATH = ROOT / "assets" / "dbc" / "evtwin.map.toml"
FOX_DBC_PATH = ROOT.parent / "shared" / "data" / "dbc" / "foxbms.dbc"
FOX_MAP_PATH = ROOT / "assets" / "dbc" / "foxbms.map.toml"
SIGNALS_RS = ROOT / "crates" / "evtwin-sim" / "src" / "signals.rs"

MAX_GROUPS = 256          # series groups the cell messages have room for
BITRATE = 500_000         # bit/s, written to the DBC as the "Baudrate" attribute

NODES = [
    ("BMS", "Battery management system: pack measurements, state estimation, limits, contactors, thermal system"),
    ("VCU", "Vehicle control unit: driver demand, drive/charge mode, contactor request"),
    ("CHARGER", "DC charging station controller (J1939-style 29-bit identifiers, source address 0xE5)"),
    ("CLUSTER", "Instrument cluster and data logger; receives only"),
]

# SigType values, as foxBMS (and the Vector J1939 template) declares them.
SIGTYPE_ENUM = ["Default", "Range", "RangeSigned", "ASCII", "Discrete", "Control", "ReferencePGN",
                "DTC", "StringDelimiter", "StringLength", "StringLengthControl",
                "MessageCounter", "MessageChecksum"]
VFRAME_ENUM = ["StandardCAN", "ExtendedCAN", "reserved", "J1939PG", "reserved", "reserved",
               "reserved", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
               "reserved", "StandardCAN_FD", "ExtendedCAN_FD"]

CONTACTOR_STATE = {0: "Open", 1: "Precharging", 2: "Closed", 3: "Opening", 4: "Welded"}
FAULT_CODE = {0: "None", 1: "Overvoltage", 2: "Undervoltage", 3: "Overtemperature",
              4: "Undertemperature", 5: "Overcurrent", 6: "IsolationFault", 7: "SensorFault",
              8: "ContactorWelded", 9: "CommunicationLoss"}
CHARGER_PHASE = {0: "None", 1: "PlugIn", 2: "Handshake", 3: "InsulationTest", 4: "Precharge",
                 5: "Ramp", 6: "Charging", 7: "Taper", 8: "Stopping", 9: "Unplug", 10: "Done"}
VCU_MODE = {0: "Off", 1: "Drive", 2: "Charge"}
THERMAL_MODE = {0: "Off", 1: "Heating", 2: "Cooling", 3: "Preconditioning"}
NOT_AVAILABLE_16 = {65535: "NotAvailable"}


def sig(name, start, length, comment, *, factor=1, offset=0, lo=None, hi=None, unit="",
        signed=False, motorola=False, values=None, start_value=None, sigtype=None, mux=None):
    """One signal. `start` is the DBC start bit: the LSB for Intel, the MSB (sawtooth
    numbering) for Motorola. `start_value` is a RAW value (GenSigStartValue)."""
    if lo is None or hi is None:
        rmin, rmax = raw_range(length, signed)
        lo = rmin * factor + offset if lo is None else lo
        hi = rmax * factor + offset if hi is None else hi
    return dict(name=name, start=start, length=length, comment=comment, factor=factor,
                offset=offset, lo=lo, hi=hi, unit=unit, signed=signed, motorola=motorola,
                values=values or {}, start_value=start_value, sigtype=sigtype, mux=mux)


def raw_range(length, signed):
    if signed:
        return -(1 << (length - 1)), (1 << (length - 1)) - 1
    return 0, (1 << length) - 1


def counter(msg, lo_hi=(0, 14)):
    return sig(f"{msg}_Counter", 8, 4, "E2E alive counter (SigType MessageCounter)",
               lo=lo_hi[0], hi=lo_hi[1], sigtype="MessageCounter")


def crc(msg):
    return sig(f"{msg}_CRC", 0, 8, "E2E CRC-8 over the data ID and the other bytes (SigType MessageChecksum)",
               sigtype="MessageChecksum")


EXT = 0x80000000  # the DBC's extended-identifier flag (bit 31 of the BO_ number)

def msg(can_id, name, sender, receivers, cycle_ms, comment, signals, extended=False):
    return dict(id=can_id, name=name, sender=sender, receivers=receivers, cycle_ms=cycle_ms,
                comment=comment, signals=signals, extended=extended)


def cell_voltage_signals():
    out = [sig("BMS_CellVoltages_Mux", 0, 8, "Multiplexer: frame k carries the voltages of series groups 4k..4k+3",
               lo=0, hi=MAX_GROUPS // 4 - 1, mux="M",
               values={k: f"Cells_{4 * k:03}_{4 * k + 3:03}" for k in range(MAX_GROUPS // 4)})]
    for g in range(MAX_GROUPS):
        out.append(sig(f"BMS_CellVoltage_{g:03}", 8 + 14 * (g % 4), 14,
                       f"Terminal voltage of series group {g} (0-based)", factor=0.001, unit="V",
                       mux=g // 4))
    return out


TEMPS_PER_FRAME = 7
TEMP_FRAMES = -(-MAX_GROUPS // TEMPS_PER_FRAME)  # 37


def cell_temp_signals():
    def label(k):
        first = TEMPS_PER_FRAME * k
        return f"Temps_{first:03}_{min(first + TEMPS_PER_FRAME, MAX_GROUPS) - 1:03}"
    out = [sig("BMS_CellTemperatures_Mux", 0, 8,
               f"Multiplexer: frame k carries the temperatures of series groups {TEMPS_PER_FRAME}k..{TEMPS_PER_FRAME}k+{TEMPS_PER_FRAME - 1}",
               lo=0, hi=TEMP_FRAMES - 1, mux="M", values={k: label(k) for k in range(TEMP_FRAMES)})]
    for g in range(MAX_GROUPS):
        out.append(sig(f"BMS_CellTemp_{g:03}", 8 + 8 * (g % TEMPS_PER_FRAME), 8,
                       f"Temperature of series group {g} (0-based)", offset=-40, unit="degC",
                       start_value=65, mux=g // TEMPS_PER_FRAME))
    return out


TEMP = dict(offset=-40, unit="degC", start_value=65)  # J1939-style: 1 degC/bit, -40..215; starts at 25 degC

MESSAGES = [
    msg(0x110, "VCU_Command", "VCU", ["BMS", "CHARGER", "CLUSTER"], 10,
        "Driver demand and contactor request from the VCU; E2E profile 1 (data ID 0x0110)", [
            crc("VCU_Command"),
            counter("VCU_Command"),
            sig("VCU_ContactorRequest", 12, 2, "Main contactors: 0 open, 1 close", lo=0, hi=1,
                values={0: "Open", 1: "Close"}),
            sig("VCU_Mode", 14, 2, "Vehicle mode", lo=0, hi=2, values=VCU_MODE),
            sig("VCU_PowerRequest", 16, 16, "Requested motor electric power (negative: regeneration)",
                factor=0.05, unit="kW", signed=True),
            sig("VCU_SpeedLimit", 32, 8, "Speed cap for the driver; 255 = no limit", unit="km/h",
                values={255: "NoLimit"}, start_value=255),
            sig("VCU_AuxLoadRequest", 40, 12, "Extra auxiliary load the VCU switches on (beyond the twin's own HVAC and auxiliaries)",
                factor=0.01, unit="kW"),
        ]),
    msg(0x120, "BMS_Limits", "BMS", ["VCU", "CHARGER", "CLUSTER"], 20,
        "Current and power limits; safety relevant, E2E profile 1 (data ID 0x0120)", [
            crc("BMS_Limits"),
            counter("BMS_Limits"),
            sig("BMS_ChargeCurrentLimit", 16, 12, "Charge current limit (CCL), positive", factor=0.25, unit="A"),
            sig("BMS_DischargeCurrentLimit", 28, 12, "Discharge current limit (DCL), positive", factor=0.25, unit="A"),
            sig("BMS_ChargePowerLimit", 40, 12, "Charge power the pack accepts", factor=0.25, unit="kW"),
            sig("BMS_DischargePowerLimit", 52, 12, "Discharge power the pack can deliver", factor=0.25, unit="kW"),
        ]),
    msg(0x130, "BMS_Status", "BMS", ["VCU", "CHARGER", "CLUSTER"], 50,
        "Contactor state and the most severe active fault; E2E profile 2", [
            crc("BMS_Status"),
            counter("BMS_Status", (0, 15)),
            sig("BMS_ContactorState", 12, 4, "Main contactor state", lo=0, hi=4, values=CONTACTOR_STATE),
            sig("BMS_FaultCode", 16, 4, "Most severe active fault", lo=0, hi=9, values=FAULT_CODE),
            sig("BMS_BalancingCount", 24, 9, "Number of series groups being bled", lo=0, hi=MAX_GROUPS),
        ]),
    msg(0x140, "BMS_PackState", "BMS", ["VCU", "CHARGER", "CLUSTER"], 20,
        "Pack terminal voltage, current and power", [
            sig("BMS_PackVoltage", 0, 16, "Pack terminal voltage", factor=0.05, unit="V"),
            sig("BMS_PackCurrent", 16, 16, "Pack current, positive discharging", factor=0.1, unit="A", signed=True),
            sig("BMS_PackPower", 32, 20, "Pack terminal power, positive discharging", factor=0.01, unit="kW", signed=True),
        ]),
    msg(0x200, "BMS_CellVoltageStats", "BMS", ["VCU", "CHARGER", "CLUSTER"], 100,
        "Lowest and highest group voltage and where they are", [
            sig("BMS_CellVoltageMin", 0, 16, "Lowest series-group voltage", factor=0.001, unit="V"),
            sig("BMS_CellVoltageMax", 16, 16, "Highest series-group voltage", factor=0.001, unit="V"),
            sig("BMS_CellVoltageMinIndex", 32, 16, "Series group (0-based) with the lowest voltage",
                values=NOT_AVAILABLE_16, start_value=65535),
            sig("BMS_CellVoltageMaxIndex", 48, 16, "Series group (0-based) with the highest voltage",
                values=NOT_AVAILABLE_16, start_value=65535),
        ]),
    msg(0x210, "BMS_TempStats", "BMS", ["VCU", "CHARGER", "CLUSTER"], 100,
        "Cell and coolant temperatures", [
            sig("BMS_TempMin", 0, 8, "Coldest series-group temperature", **TEMP),
            sig("BMS_TempMax", 8, 8, "Hottest series-group temperature", **TEMP),
            sig("BMS_TempMean", 16, 8, "Mean series-group temperature", **TEMP),
            sig("BMS_CoolantTemp", 24, 8, "Coolant (and housing) temperature", **TEMP),
            sig("BMS_TempMinIndex", 32, 16, "Series group (0-based) with the lowest temperature",
                values=NOT_AVAILABLE_16, start_value=65535),
            sig("BMS_TempMaxIndex", 48, 16, "Series group (0-based) with the highest temperature",
                values=NOT_AVAILABLE_16, start_value=65535),
        ]),
    msg(0x220, "BMS_SOC", "BMS", ["VCU", "CHARGER", "CLUSTER"], 100,
        "State of charge as the BMS estimates it, state of health", [
            sig("BMS_SOC", 0, 16, "State of charge (BMS estimate)", factor=0.01, lo=0, hi=100, unit="%"),
            sig("BMS_SOH", 16, 8, "State of health", factor=0.5, lo=0, hi=100, unit="%", start_value=200),
        ]),
    msg(0x300, "VCU_VehicleStatus", "VCU", ["BMS", "CLUSTER"], 100,
        "Vehicle speed, odometer and motor power; Motorola (big-endian) byte order", [
            sig("VCU_VehicleSpeed", 7, 16, "Vehicle speed", factor=0.01, unit="km/h", motorola=True),
            sig("VCU_Odometer", 23, 24, "Distance driven", factor=0.1, unit="km", motorola=True),
            sig("VCU_MotorPower", 47, 16, "Motor electric power (negative: regeneration)",
                factor=0.05, unit="kW", signed=True, motorola=True),
        ]),
    msg(0x400, "BMS_CellVoltages", "BMS", ["CLUSTER"], 15,
        f"All series-group voltages, 4 per frame; the multiplexer steps through {MAX_GROUPS // 4} values, "
        f"one per frame, so {MAX_GROUPS} groups are refreshed every {MAX_GROUPS // 4 * 15} ms",
        cell_voltage_signals()),
    msg(0x410, "BMS_CellTemperatures", "BMS", ["CLUSTER"], 25,
        f"All series-group temperatures, {TEMPS_PER_FRAME} per frame; the multiplexer steps through {TEMP_FRAMES} values, "
        f"one per frame, so {MAX_GROUPS} groups are refreshed every {TEMP_FRAMES * 25} ms",
        cell_temp_signals()),
    msg(0x500, "BMS_Thermal", "BMS", ["VCU", "CLUSTER"], 1000,
        "Pack thermal system", [
            sig("BMS_ThermalMode", 0, 4, "Thermal system mode", lo=0, hi=3, values=THERMAL_MODE),
            sig("BMS_HeaterPower", 8, 16, "Heat from the coolant heater", unit="W"),
            sig("BMS_ChillerPower", 24, 16, "Heat taken out by the chiller", unit="W"),
            sig("BMS_ThermalPower", 40, 16, "Electric power of heater, chiller and pump", unit="W"),
            sig("BMS_CellHeat", 56, 8, "Heat generated in the cells (negative: entropic cooling)", factor=200, unit="W", signed=True),
        ]),
    msg(0x6A0, "BMS_DebugTruth", "BMS", ["CLUSTER"], 100,
        "Debug: the twin's true values, which no real BMS can measure (sent only by a simulated BMS)", [
            sig("BMS_TrueSOC", 0, 16, "True state of charge: charge held over capacity", factor=0.01, lo=0, hi=100, unit="%"),
            sig("BMS_TrueSOCMin", 16, 16, "Lowest true series-group SOC", factor=0.01, lo=0, hi=100, unit="%"),
            sig("BMS_TrueSOCMax", 32, 16, "Highest true series-group SOC", factor=0.01, lo=0, hi=100, unit="%"),
            sig("BMS_PackOCV", 48, 16, "Pack open-circuit voltage", factor=0.05, unit="V"),
        ]),
    msg(0x0CFF51E5, "CHG_Setpoints", "CHARGER", ["BMS", "VCU", "CLUSTER"], 100,
        "Charger controller setpoints; J1939 PGN 0xFF51, priority 3, source 0xE5; E2E profile 1 (data ID 0x0C51)", [
            crc("CHG_Setpoints"),
            counter("CHG_Setpoints"),
            sig("CHG_CurrentSetpoint", 16, 16, "Output current the charger controller aims for", factor=0.1, unit="A"),
            sig("CHG_VoltageLimit", 32, 16, "Highest output voltage the charger will apply", factor=0.1, unit="V",
                start_value=10000),
        ], extended=True),
    msg(0x1806E5F4, "BMS_ChargeRequest", "BMS", ["CHARGER", "CLUSTER"], 100,
        "Charge request to the charger (Elcon/TC style: J1939 PGN 0x0600 to 0xE5 from 0xF4, big-endian)", [
            sig("BMS_ChargeVoltageTarget", 7, 16, "Target (maximum) charging voltage", factor=0.1, unit="V", motorola=True),
            sig("BMS_ChargeCurrentMax", 23, 16, "Maximum charging current (the CCL)", factor=0.1, unit="A", motorola=True),
        ], extended=True),
    msg(0x18FF50E5, "CHG_Status", "CHARGER", ["BMS", "VCU", "CLUSTER"], 100,
        "Charger output and session phase (Elcon/TC style: J1939 PGN 0xFF50 from 0xE5, big-endian)", [
            sig("CHG_OutputVoltage", 7, 16, "Station output voltage", factor=0.1, unit="V", motorola=True),
            sig("CHG_OutputCurrent", 23, 16, "Station output current", factor=0.1, unit="A", motorola=True),
            sig("CHG_DcPower", 39, 16, "DC power delivered", factor=0.01, unit="kW", motorola=True),
            sig("CHG_Phase", 55, 4, "Charging session phase", lo=0, hi=10, values=CHARGER_PHASE, motorola=True),
            sig("CHG_Connected", 51, 1, "Connector plugged in", values={0: "Unplugged", 1: "Plugged"}, motorola=True),
        ], extended=True),
]

# Signals of evtwin.dbc that evtwin.map.toml leaves at their start value, and why.
UNMAPPED = {
    "BMS_TempStats.BMS_TempMinIndex": "the twin publishes no coldest-group index; stays 65535 (NotAvailable)",
    "BMS_ChargeRequest.BMS_ChargeVoltageTarget": "the twin has no charge target voltage signal yet; stays 0",
    "CHG_Setpoints.CHG_VoltageLimit": "the twin's station has no voltage limit signal; stays 1000.0 V",
}


# --- DBC writer ------------------------------------------------------------------

def num(x):
    """A number as a DBC writes it: integers plain, others without float noise."""
    x = round(float(x), 9)
    if x == int(x):
        return str(int(x))
    return f"{x:.9f}".rstrip("0")


def frame_id(m):
    return m["id"] | EXT if m["extended"] else m["id"]


def generate():
    out = []
    w = out.append
    w('VERSION "evtwin 1"')
    w("")
    w("")
    w("NS_ :")
    for ns in ["NS_DESC_", "CM_", "BA_DEF_", "BA_", "VAL_", "CAT_DEF_", "CAT_", "FILTER", "BA_DEF_DEF_",
               "EV_DATA_", "ENVVAR_DATA_", "SGTYPE_", "SGTYPE_VAL_", "BA_DEF_SGTYPE_", "BA_SGTYPE_",
               "SIG_TYPE_REF_", "VAL_TABLE_", "SIG_GROUP_", "SIG_VALTYPE_", "SIGTYPE_VALTYPE_",
               "BO_TX_BU_", "BA_DEF_REL_", "BA_REL_", "BA_DEF_DEF_REL_", "BU_SG_REL_", "BU_EV_REL_",
               "BU_BO_REL_", "SG_MUL_VAL_"]:
        w(f"\t{ns}")
    w("")
    w("BS_:")
    w("")
    w("BU_: " + " ".join(n for n, _ in NODES))
    w("")
    for m in MESSAGES:
        w("")
        w(f"BO_ {frame_id(m)} {m['name']}: 8 {m['sender']}")
        for s in m["signals"]:
            mux = ""
            if s["mux"] == "M":
                mux = " M"
            elif s["mux"] is not None:
                mux = f" m{s['mux']}"
            order = "0" if s["motorola"] else "1"
            sign = "-" if s["signed"] else "+"
            w(f" SG_ {s['name']}{mux} : {s['start']}|{s['length']}@{order}{sign} "
              f"({num(s['factor'])},{num(s['offset'])}) [{num(s['lo'])}|{num(s['hi'])}] "
              f"\"{s['unit']}\" {','.join(m['receivers'])}")
    w("")
    w("")
    w('CM_ "evtwin: the CAN network of the evtwin digital-twin car. Generated by tools/gen-evtwin-dbc.py; edit that, not this file.";')
    for n, c in NODES:
        w(f'CM_ BU_ {n} "{c}";')
    for m in MESSAGES:
        w(f'CM_ BO_ {frame_id(m)} "{m["comment"]}";')
        for s in m["signals"]:
            w(f'CM_ SG_ {frame_id(m)} {s["name"]} "{s["comment"]}";')
    w('BA_DEF_  "BusType" STRING ;')
    w('BA_DEF_  "DBName" STRING ;')
    w('BA_DEF_  "Baudrate" INT 0 1000000;')
    w('BA_DEF_ BO_  "GenMsgCycleTime" INT 0 65535;')
    w('BA_DEF_ BO_  "VFrameFormat" ENUM  ' + ",".join(f'"{v}"' for v in VFRAME_ENUM) + ";")
    w('BA_DEF_ SG_  "GenSigStartValue" FLOAT -3.4E+038 3.4E+038;')
    w('BA_DEF_ SG_  "SigType" ENUM  ' + ",".join(f'"{v}"' for v in SIGTYPE_ENUM) + ";")
    w('BA_DEF_DEF_  "BusType" "CAN";')
    w('BA_DEF_DEF_  "DBName" "";')
    w(f'BA_DEF_DEF_  "Baudrate" {BITRATE};')
    w('BA_DEF_DEF_  "GenMsgCycleTime" 0;')
    w('BA_DEF_DEF_  "VFrameFormat" "StandardCAN";')
    w('BA_DEF_DEF_  "GenSigStartValue" 0;')
    w('BA_DEF_DEF_  "SigType" "Default";')
    w('BA_ "BusType" "CAN";')
    w('BA_ "DBName" "evtwin";')
    w(f'BA_ "Baudrate" {BITRATE};')
    for m in MESSAGES:
        w(f'BA_ "GenMsgCycleTime" BO_ {frame_id(m)} {m["cycle_ms"]};')
    for m in MESSAGES:
        if m["extended"]:
            w(f'BA_ "VFrameFormat" BO_ {frame_id(m)} {VFRAME_ENUM.index("ExtendedCAN")};')
    for m in MESSAGES:
        for s in m["signals"]:
            if s["start_value"] is not None:
                w(f'BA_ "GenSigStartValue" SG_ {frame_id(m)} {s["name"]} {s["start_value"]};')
    for m in MESSAGES:
        for s in m["signals"]:
            if s["sigtype"]:
                w(f'BA_ "SigType" SG_ {frame_id(m)} {s["name"]} {SIGTYPE_ENUM.index(s["sigtype"])};')
    for m in MESSAGES:
        for s in m["signals"]:
            if s["values"]:
                pairs = " ".join(f'{k} "{v}"' for k, v in sorted(s["values"].items(), reverse=True))
                w(f"VAL_ {frame_id(m)} {s['name']} {pairs} ;")
    w("")
    return "\n".join(out)


# --- README tables ---------------------------------------------------------------

E2E_OF = {"VCU_Command": "P1 0x0110", "BMS_Limits": "P1 0x0120", "BMS_Status": "P2",
          "CHG_Setpoints": "P1 0x0C51"}


def markdown():
    """The message and signal tables of assets/dbc/README.md."""
    out = ["| ID | name | sender | receivers | cycle ms | E2E | byte order | content |",
           "|---|---|---|---|---|---|---|---|"]
    for m in MESSAGES:
        width = 8 if m["extended"] else 3
        order = "Motorola" if any(s["motorola"] for s in m["signals"]) else "Intel"
        content = ", ".join(s["name"] for s in m["signals"] if s["sigtype"] is None)
        if m["signals"][0]["mux"] == "M":
            content = f"{m['signals'][0]['name']} (switch), {m['signals'][1]['name']} .. {m['signals'][-1]['name']}"
        out.append(f"| 0x{m['id']:0{width}X} | {m['name']} | {m['sender']} | {', '.join(m['receivers'])} "
                   f"| {m['cycle_ms']} | {E2E_OF.get(m['name'], '-')} | {order} | {content} |")
    out += ["", "| signal | bits (start\\|length) | signed | factor, offset | range | unit | start value (raw) |",
            "|---|---|---|---|---|---|---|"]
    for m in MESSAGES:
        muxed = m["signals"][0]["mux"] == "M"
        shown = m["signals"][:3] if muxed else m["signals"]
        for s in shown:
            mux = " (mux switch)" if s["mux"] == "M" else (f" (m{s['mux']})" if s["mux"] is not None else "")
            out.append(f"| {m['name']}.{s['name']}{mux} | {s['start']}\\|{s['length']}"
                       f"{'@0' if s['motorola'] else ''} | {'yes' if s['signed'] else 'no'} "
                       f"| {num(s['factor'])}, {num(s['offset'])} | {num(s['lo'])} .. {num(s['hi'])} "
                       f"| {s['unit']} | {'' if s['start_value'] is None else s['start_value']} |")
        if muxed:
            per = m["signals"][2]["start"] - m["signals"][1]["start"]
            first = m["signals"][1]["start"]
            n = sum(1 for s in m["signals"] if s["mux"] == 0)
            stem = m["signals"][1]["name"][:-3]
            out.append(f"| {m['name']}.{stem}NNN for series group g = NNN (0..{len(m['signals']) - 2}): "
                       f"multiplexer value g div {n}, start bit {first} + {per} (g mod {n}) | | | | | | |")
    return "\n".join(out) + "\n"


# --- checks ------------------------------------------------------------------------

def sim_catalogue():
    """Scalar signal names, and the names of the inputs that are not signals
    (input-only quantities; every other input is named after its signal)."""
    text = SIGNALS_RS.read_text()
    scalars_block = text.split("scalars! {", 1)[1].split("\n}\n", 1)[0]
    scalars = set(re.findall(r'=>\s*"([^"]+)"', scalars_block))
    name_fn = text.split("pub const fn name(self) -> &'static str {\n        match self.signal()", 1)[1]
    input_block = name_fn.split("\n    }\n", 1)[0]
    inputs = set(re.findall(r'=>\s*"([^"]+)"', input_block))
    return scalars, inputs


CELL_RE = re.compile(r"^cell\[(0|[1-9][0-9]*)\]\.(soc_pct|voltage_v|temp_c)$")


def pattern_regex(pattern):
    """A mapping key's signal part as a regex: {i} any decimal, {i:03} zero-padded to 3."""
    parts = re.split(r"(\{i\}|\{i:03\})", pattern)
    rx = ""
    for p in parts:
        if p == "{i}":
            rx += r"(?P<i>0|[1-9][0-9]*)"
        elif p == "{i:03}":
            rx += r"(?P<i>[0-9]{3,})"
        else:
            rx += re.escape(p)
    return re.compile("^" + rx + "$"), ("{i" in pattern)


def expand(key_sig, signal_names):
    """The DBC signal names a key's signal part matches, with their i."""
    rx, has_i = pattern_regex(key_sig)
    hits = []
    for name in signal_names:
        mt = rx.match(name)
        if not mt:
            continue
        if has_i:
            i = int(mt.group("i"))
            if "{i:03}" in key_sig and f"{i:03}" != mt.group("i"):
                continue  # `0001` is not how {i:03} spells 1
            hits.append((name, i))
        else:
            hits.append((name, None))
    return hits


def check_mapping(db, map_path, problems, scalars, inputs):
    import tomllib
    cfg = tomllib.loads(map_path.read_text())
    unknown_top = set(cfg) - {"messages", "signals"}
    if unknown_top:
        problems.append(f"{map_path.name}: unknown top-level keys {sorted(unknown_top)}")
    by_name = {m.name: m for m in db.messages}
    used_sims, used_inputs = set(), set()
    mapped = set()  # (message, signal)
    for mname, mcfg in cfg.get("messages", {}).items():
        if mname not in by_name:
            problems.append(f"{map_path.name}: [messages.{mname}]: no such message")
            continue
        m = by_name[mname]
        extra = set(mcfg) - {"e2e", "timeout_ms", "sender", "cycle_ms"}
        if extra:
            problems.append(f"{map_path.name}: [messages.{mname}]: unknown keys {sorted(extra)}")
        if "sender" in mcfg:
            if m.senders:
                problems.append(f"{map_path.name}: {mname}: `sender` given but the DBC names {m.senders}")
            if mcfg["sender"] not in {"BMS", "VCU", "CHARGER", "CLUSTER"}:
                problems.append(f"{map_path.name}: {mname}: unknown sender {mcfg['sender']}")
        if "timeout_ms" in mcfg and not (isinstance(mcfg["timeout_ms"], int) and mcfg["timeout_ms"] > 0):
            problems.append(f"{map_path.name}: {mname}: timeout_ms must be a positive integer")
        if "e2e" in mcfg:
            check_e2e(map_path.name, m, mcfg["e2e"], problems)
    for key, val in cfg.get("signals", {}).items():
        if "." not in key:
            problems.append(f"{map_path.name}: {key!r}: want Message.Signal")
            continue
        mname, sname = key.split(".", 1)
        if mname not in by_name:
            problems.append(f"{map_path.name}: {key!r}: no message {mname}")
            continue
        m = by_name[mname]
        hits = expand(sname, [s.name for s in m.signals])
        if not hits:
            problems.append(f"{map_path.name}: {key!r}: no signal of {mname} matches")
            continue
        if isinstance(val, str):
            val = {"signal": val}
        if not isinstance(val, dict):
            problems.append(f"{map_path.name}: {key!r}: want a string or an inline table")
            continue
        extra = set(val) - {"signal", "value", "scale", "add"}
        if extra:
            problems.append(f"{map_path.name}: {key!r}: unknown keys {sorted(extra)}")
        if ("signal" in val) == ("value" in val):
            problems.append(f"{map_path.name}: {key!r}: needs signal or value (one of them)")
        if val.get("scale", 1.0) == 0:
            problems.append(f"{map_path.name}: {key!r}: scale must not be 0")
        for sname_hit, i in hits:
            if (mname, sname_hit) in mapped:
                problems.append(f"{map_path.name}: {mname}.{sname_hit} mapped twice")
            mapped.add((mname, sname_hit))
            s = m.get_signal_by_name(sname_hit)
            if s.is_multiplexer:
                problems.append(f"{map_path.name}: {key!r}: maps the multiplexer switch {sname_hit}")
            if val.get("signal") in inputs:
                used_inputs.add(val["signal"])
            elif "signal" in val:
                sim = val["signal"].replace("{i}", str(i)) if i is not None else val["signal"]
                if "{" in sim:
                    problems.append(f"{map_path.name}: {key!r}: unexpanded {sim!r}")
                used_sims.add(CELL_RE.sub(r"cell[{i}].\2", sim))
                cm = CELL_RE.match(sim)
                if cm:
                    if int(cm.group(1)) >= MAX_GROUPS:
                        problems.append(f"{map_path.name}: {key!r}: group {cm.group(1)} >= {MAX_GROUPS}")
                elif sim not in scalars:
                    problems.append(f"{map_path.name}: {key!r}: unknown twin signal {sim!r}")
    return mapped, used_sims, used_inputs, cfg


def check_e2e(fname, m, e2e, problems):
    extra = set(e2e) - {"profile", "data_id", "data_id_list", "counter", "crc"}
    if extra:
        problems.append(f"{fname}: {m.name}.e2e: unknown keys {sorted(extra)}")
    prof = e2e.get("profile")
    if prof == 1:
        if not (isinstance(e2e.get("data_id"), int) and 0 <= e2e["data_id"] <= 0xFFFF):
            problems.append(f"{fname}: {m.name}: profile 1 needs data_id 0..0xFFFF")
    elif prof == 2:
        lst = e2e.get("data_id_list")
        if not (isinstance(lst, list) and len(lst) == 16 and all(isinstance(x, int) and 0 <= x <= 255 for x in lst)):
            problems.append(f"{fname}: {m.name}: profile 2 needs data_id_list of 16 bytes")
    else:
        problems.append(f"{fname}: {m.name}: e2e profile must be 1 or 2")
    attrs = {}
    for s in m.signals:
        a = s.dbc.attributes.get("SigType") if s.dbc else None
        if a is not None:
            attrs[s.name] = SIGTYPE_ENUM[int(a.value)] if str(a.value).isdigit() else a.value
    try:
        c = m.get_signal_by_name(e2e.get("counter", ""))
        if c.length != 4:
            problems.append(f"{fname}: {m.name}: counter {c.name} is {c.length} bits, not 4")
        if attrs.get(c.name) != "MessageCounter":
            problems.append(f"{fname}: {m.name}: counter {c.name} has no SigType MessageCounter")
    except KeyError:
        problems.append(f"{fname}: {m.name}: no counter signal {e2e.get('counter')!r}")
    try:
        c = m.get_signal_by_name(e2e.get("crc", ""))
        aligned = (c.start % 8 == 0) if c.byte_order == "little_endian" else (c.start % 8 == 7)
        if c.length != 8 or not aligned:
            problems.append(f"{fname}: {m.name}: CRC {c.name} is not one whole byte")
        if attrs.get(c.name) != "MessageChecksum":
            problems.append(f"{fname}: {m.name}: CRC {c.name} has no SigType MessageChecksum")
    except KeyError:
        problems.append(f"{fname}: {m.name}: no CRC signal {e2e.get('crc')!r}")


def frame_bits_worst(extended, dlc=8):
    """Worst-case bits on the wire with stuffing (Davis et al. 2007), incl. 3-bit interframe space."""
    g = 54 if extended else 34
    return g + 8 * dlc + 13 + (g + 8 * dlc - 1) // 4


def check():
    import cantools
    problems, notes = [], []
    text = generate()
    if DBC_PATH.read_text() != text:
        problems.append("assets/dbc/evtwin.dbc differs from what tools/gen-evtwin-dbc.py generates")
    readme = DBC_PATH.parent / "README.md"
    readme_text = readme.read_text() if readme.exists() else ""
    for table in markdown().split("\n\n"):
        if table.strip() not in readme_text:
            problems.append("assets/dbc/README.md lacks a table `--markdown` prints: " + table.splitlines()[0])
    db = cantools.database.load_file(str(DBC_PATH), strict=True)
    notes.append(f"evtwin.dbc: cantools strict load OK: {len(db.messages)} messages, "
                 f"{sum(len(m.signals) for m in db.messages)} signals, nodes {[n.name for n in db.nodes]}")
    load_bits = 0.0
    for m in db.messages:
        if not m.senders:
            problems.append(f"{m.name}: no transmitter")
        if m.cycle_time is None or not 10 <= m.cycle_time <= 1000:
            problems.append(f"{m.name}: GenMsgCycleTime {m.cycle_time} not in 10..1000")
        if m.length != 8:
            problems.append(f"{m.name}: length {m.length}")
        if not m.comment:
            problems.append(f"{m.name}: no comment")
        load_bits += frame_bits_worst(m.is_extended_frame) * 1000.0 / m.cycle_time
        for s in m.signals:
            if not s.comment:
                problems.append(f"{m.name}.{s.name}: no comment")
            rmin, rmax = raw_range(s.length, s.is_signed)
            pmin = rmin * s.scale + s.offset
            pmax = rmax * s.scale + s.offset
            if s.minimum < pmin - 1e-9 or s.maximum > pmax + 1e-9:
                problems.append(f"{m.name}.{s.name}: [{s.minimum}|{s.maximum}] exceeds raw range [{pmin}|{pmax}]")
        # a sample frame per multiplexer value (or one), encoded and decoded by cantools
        muxes = [None]
        mux_sig = next((s for s in m.signals if s.is_multiplexer), None)
        if mux_sig is not None:
            muxes = sorted(mux_sig.conversion.choices or {})
        for mv in muxes:
            data = {}
            for s in m.signals:
                if s.is_multiplexer:
                    data[s.name] = mv
                elif s.multiplexer_ids is None or mv in s.multiplexer_ids:
                    data[s.name] = s.minimum + (s.maximum - s.minimum) * 0.37
            frame = m.encode(data, scaling=True, strict=True)
            back = m.decode(frame, decode_choices=False)
            for k, v in data.items():
                s = m.get_signal_by_name(k)
                if abs(back[k] - v) > s.scale / 2 + 1e-9:
                    problems.append(f"{m.name}.{k}: encoded {v}, decoded {back[k]}")
    for m in MESSAGES:
        ids = m["id"]
        if m["extended"] != (ids > 0x7FF):
            problems.append(f"{m['name']}: id {ids:#x} and extended flag disagree")
    notes.append(f"evtwin.dbc: worst-case bus load at {BITRATE // 1000} kbit/s: "
                 f"{100.0 * load_bits / BITRATE:.1f} % ({load_bits / 1000:.1f} kbit/s)")

    scalars, inputs = sim_catalogue()
    mapped, sims, ins, cfg = check_mapping(db, MAP_PATH, problems, scalars, inputs)
    # every non-counter/CRC/mux signal mapped or listed in UNMAPPED
    e2e_sigs = set()
    for mname, mcfg in cfg.get("messages", {}).items():
        if "e2e" in mcfg:
            e2e_sigs.add((mname, mcfg["e2e"].get("counter")))
            e2e_sigs.add((mname, mcfg["e2e"].get("crc")))
    left = []
    for m in db.messages:
        for s in m.signals:
            key = (m.name, s.name)
            if s.is_multiplexer or key in e2e_sigs or key in mapped:
                if f"{m.name}.{s.name}" in UNMAPPED and key in mapped:
                    problems.append(f"{m.name}.{s.name} is mapped but listed in UNMAPPED")
                continue
            if f"{m.name}.{s.name}" in UNMAPPED:
                left.append(f"{m.name}.{s.name}")
            else:
                problems.append(f"evtwin.map.toml: {m.name}.{s.name} is neither mapped nor in UNMAPPED")
    notes.append(f"evtwin.map.toml: {len(mapped)} DBC signals mapped; left at start value: {left}")
    notes.append(f"evtwin.map.toml: twin signals used: {sorted(sims)}")
    notes.append(f"evtwin.map.toml: twin inputs used: {sorted(ins)}")

    if FOX_DBC_PATH.exists():
        fox = cantools.database.load_file(str(FOX_DBC_PATH), strict=True)
        fmapped, fsims, fins, fcfg = check_mapping(fox, FOX_MAP_PATH, problems, scalars, inputs)
        senders = {k: v.get("sender") for k, v in fcfg.get("messages", {}).items()}
        for mname in {k for k, _ in fmapped}:
            if not senders.get(mname):
                problems.append(f"foxbms.map.toml: {mname} has mapped signals but no sender")
        per_msg = {}
        for mname, _ in fmapped:
            per_msg[mname] = per_msg.get(mname, 0) + 1
        notes.append(f"foxbms.map.toml: {len(fmapped)} foxBMS signals mapped in {len(per_msg)} messages: "
                     + ", ".join(f"{k} {v}/{len(fox.get_message_by_name(k).signals)}" for k, v in sorted(per_msg.items())))
        notes.append(f"foxbms.map.toml: senders: {senders}")
        notes.append(f"foxbms.map.toml: twin signals used: {sorted(fsims)}")
        notes.append(f"foxbms.map.toml: twin inputs used: {sorted(fins)}")
    else:
        problems.append(f"{FOX_DBC_PATH} is missing; foxbms.map.toml not checked")

    for n in notes:
        print(n)
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    print("\nall checks passed")
    return 0


def main(argv):
    if argv[1:] == ["--check"]:
        return check()
    if argv[1:] == ["--markdown"]:
        print(markdown(), end="")
        return 0
    if argv[1:]:
        print(__doc__)
        return 2
    DBC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DBC_PATH.write_text(generate())
    print(f"wrote {DBC_PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
