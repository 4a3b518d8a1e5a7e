//! AFL++ target: `evtwin_scenario::fuzzing::network` (see fuzz/README.md).
fn main() {
    // Before the fork server starts: loading the shipped networks takes
    // milliseconds, once.
    evtwin_scenario::fuzzing::prepare();
    afl::fuzz!(|data: &[u8]| {
        evtwin_scenario::fuzzing::network(data);
    });
}
