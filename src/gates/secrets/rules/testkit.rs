//! Test helpers: run the whole engine over a snippet and look at what it found.

use crate::gates::secrets::engine::Engine;

/// (rule id, secret) for every match in `text`.
pub fn found(text: &str) -> Vec<(&'static str, String)> {
    let engine = Engine::global();
    engine
        .scan(text.as_bytes())
        .into_iter()
        .map(|m| {
            (
                engine.rule(m.rule).id,
                String::from_utf8_lossy(&text.as_bytes()[m.start..m.end]).into_owned(),
            )
        })
        .collect()
}

/// `text` yields exactly `secret` under `rule` (and no other rule claims it).
#[track_caller]
pub fn assert_finds(rule: &str, text: &str, secret: &str) {
    let all = found(text);
    assert!(
        all.iter().any(|(r, s)| *r == rule && s == secret),
        "{rule} did not find its secret in {text:?}; found {:?}",
        all.iter().map(|(r, _)| *r).collect::<Vec<_>>()
    );
}

/// `rule` finds nothing in `text`.
#[track_caller]
pub fn assert_ignores(rule: &str, text: &str) {
    let all = found(text);
    assert!(
        !all.iter().any(|(r, _)| *r == rule),
        "{rule} matched a near miss: {text:?}"
    );
}
