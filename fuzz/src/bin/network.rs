//! AFL++ target: `evtwin_scenario::fuzzing::network` (see fuzz/README.md).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        evtwin_scenario::fuzzing::network(data);
    });
}
