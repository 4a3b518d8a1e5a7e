//! AFL++ target: `evtwin_can::fuzzing::dbc` (see fuzz/README.md).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        evtwin_can::fuzzing::dbc(data);
    });
}
