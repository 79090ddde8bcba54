//! Fuzz the avro gate's schema reader and checker: arbitrary bytes are parsed
//! as an `.avsc` file (JSON with positions, then the schema model), resolved,
//! validated, and checked for compatibility with themselves in every mode.
//! Nothing may panic, and a valid schema must be compatible with itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::avro::compat;
use shipgate::gates::avro::schema::SchemaSet;

fuzz_target!(|data: &[u8]| {
    let mut set = SchemaSet::new();
    let Ok(root) = set.add_file("fuzz.avsc", data) else {
        return;
    };
    let _ = set.missing_names();
    if set.resolve().is_err() {
        return;
    }
    let _ = set.validate(|_| true);
    let _ = set.describe(root);
    let found = compat::check((&set, root), (&set, root));
    assert!(
        found.is_empty(),
        "a schema must read its own data: {found:?}"
    );
});
