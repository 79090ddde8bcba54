//! Fuzz the `.shipgate.yml` parser: arbitrary bytes must give a config or an
//! error naming a line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = shipgate::config::Config::parse(&text, "fuzz.yml") {
        assert!(e.to_string().starts_with("fuzz.yml"));
    }
});
