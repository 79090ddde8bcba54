//! Fuzz `shipgate publish --report FILE`'s input: a report from another
//! (possibly untrusted) job. Parsing and rendering every output must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::publish::markdown::{self, Links};
use shipgate::publish::view::ReportView;
use shipgate::publish::{actions, codequality, comment, junit, sarif};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(view) = ReportView::parse(text) else {
        return;
    };
    let links = Links::github("https://github.com", "acme/api", &view.base, &view.head);
    let _ = markdown::report(&view, &links, 65_535);
    let _ = comment::compose(None, &view, &links, "shipgate", comment::GITHUB_LIMIT);
    let _ = actions::commands(&view, "the job summary");
    let _ = sarif::render(&view);
    let _ = codequality::render(&view);
    let _ = junit::render(&view);
});
