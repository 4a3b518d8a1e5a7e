//! AFL++ target: `evtwin_can::fuzzing::e2e` (see fuzz/README.md).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        evtwin_can::fuzzing::e2e(data);
    });
}
