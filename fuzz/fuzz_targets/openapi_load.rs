//! Fuzz the openapi gate's loader and comparison: arbitrary bytes are split at
//! NUL bytes into a root spec, a file it may reference as `other.yaml`, and a
//! second spec; each is parsed (YAML/JSON with positions), its `$ref`s
//! resolved, built into the model and compared. Nothing may panic (deep
//! nesting, alias bombs, ref cycles, huge numbers), and a spec compared with
//! itself must show no change.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::openapi::diff::{Options, compare};
use shipgate::gates::openapi::model::Spec;
use shipgate::gates::openapi::refs::Docs;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let root = parts.next().unwrap_or_default();
    let other = parts.next().map(<[u8]>::to_vec);
    let second = parts.next().unwrap_or(root);
    let mut read = |p: &str| Ok(if p == "other.yaml" { other.clone() } else { None });
    let Ok(a) = Docs::load("api.yaml", root, &mut read) else {
        return;
    };
    let opts = Options {
        today: "2026-01-01".into(),
        ..Options::default()
    };
    let Ok(sa) = Spec::build(&a) else {
        return;
    };
    if let Ok(same) = compare(&sa, &sa, &opts) {
        assert!(same.is_empty(), "a spec compared with itself changed: {same:?}");
    }
    let Ok(b) = Docs::load("api.yaml", second, &mut read) else {
        return;
    };
    if let Ok(sb) = Spec::build(&b) {
        let _ = compare(&sa, &sb, &opts);
        let _ = compare(&sb, &sa, &opts);
    }
});
