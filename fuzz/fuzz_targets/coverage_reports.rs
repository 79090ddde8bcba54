//! Fuzz every coverage report parser: format detection, and each of the eight
//! parsers on the same bytes whatever the detected format. None may panic,
//! loop without end, or allocate without bound (line ranges are capped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::gates::coverage::formats;
use shipgate::gates::coverage::model::Format;

const ALL: [Format; 8] = [
    Format::Lcov,
    Format::Cobertura,
    Format::Jacoco,
    Format::Clover,
    Format::GoCoverprofile,
    Format::Istanbul,
    Format::LlvmCov,
    Format::CoveragePy,
];

fuzz_target!(|data: &[u8]| {
    let _ = formats::parse(data);
    for format in ALL {
        let _ = formats::parse_as(format, data);
    }
});
