//! AFL++ target: `evtwin_can::fuzzing::candump` (see fuzz/README.md).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        evtwin_can::fuzzing::log(data, evtwin_can::log::LogFormat::Candump);
    });
}
