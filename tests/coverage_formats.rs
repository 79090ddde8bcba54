//! Reports made by the real tools (see fixtures/coverage/real/README.md):
//! each must be detected as its format and read to the same line figures the
//! tool itself prints in its summary (LH/LF, lines-covered/lines-valid, the
//! JaCoCo LINE counter, coverage.py's totals, c8's text table).

use shipgate::gates::coverage::formats;
use shipgate::gates::coverage::model::{FileCoverage, Format};
use std::path::Path;

fn read(rel: &str) -> (Format, Vec<(String, FileCoverage)>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/coverage/real")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let report = formats::parse(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let files = report
        .files
        .into_iter()
        .map(|f| (f.path, f.coverage))
        .collect();
    (report.format, files)
}

/// (covered, total) of the one file whose path ends with `suffix`.
fn figures(rel: &str, want: Format, suffix: &str) -> (u64, u64) {
    let (format, files) = read(rel);
    assert_eq!(format, want, "{rel} detected as {format}");
    let mut merged = FileCoverage::default();
    let mut seen = 0;
    for (path, cov) in &files {
        if path.replace('\\', "/").ends_with(suffix) {
            merged.merge(cov);
            seen += 1;
        }
    }
    assert!(
        seen > 0,
        "{rel}: no file ending in {suffix}: {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    merged.line_totals()
}

#[test]
fn gcc_gcovr_reports_agree_with_gcovr_summary() {
    // gcovr: lines-covered="9" lines-valid="12", LH:9 LF:12
    assert_eq!(
        figures("gcc-gcovr/lcov.info", Format::Lcov, "src/calc.c"),
        (9, 12)
    );
    assert_eq!(
        figures("gcc-gcovr/cobertura.xml", Format::Cobertura, "src/calc.c"),
        (9, 12)
    );
    assert_eq!(
        figures("gcc-gcovr/clover.xml", Format::Clover, "calc.c"),
        (9, 12)
    );
    // gcovr 8.8's JaCoCo output writes `<line nr="3"/>` without `mi`/`ci`:
    // no per-line data (only the summary counter), so no line is measured.
    // Reading such a line as "uncovered" would invent 12 uncovered lines.
    assert_eq!(
        figures("gcc-gcovr/jacoco.xml", Format::Jacoco, "calc.c"),
        (0, 0)
    );
}

#[test]
fn coverage_py_reports_agree_with_its_totals() {
    // coverage.py: covered_lines 12 of num_statements 15
    assert_eq!(
        figures(
            "coverage-py/coverage.json",
            Format::CoveragePy,
            "app/pricing.py"
        ),
        (12, 15)
    );
    assert_eq!(
        figures(
            "coverage-py/coverage.xml",
            Format::Cobertura,
            "app/pricing.py"
        ),
        (12, 15)
    );
    assert_eq!(
        figures("coverage-py/lcov.info", Format::Lcov, "app/pricing.py"),
        (12, 15)
    );
}

#[test]
fn jacoco_report_agrees_with_its_line_counter() {
    // <counter type="LINE" missed="2" covered="8"/>
    assert_eq!(
        figures(
            "jacoco/jacoco.xml",
            Format::Jacoco,
            "com/acme/orders/Order.java"
        ),
        (8, 10)
    );
}

#[test]
fn c8_reports_agree_with_c8_text_summary() {
    // c8 text reporter: price.js 64.28 % lines, LH:9 LF:14
    assert_eq!(
        figures("c8/coverage-final.json", Format::Istanbul, "src/price.js"),
        (9, 14)
    );
    assert_eq!(
        figures("c8/lcov.info", Format::Lcov, "src/price.js"),
        (9, 14)
    );
    assert_eq!(
        figures("c8/clover.xml", Format::Clover, "src/price.js"),
        (9, 14)
    );
    assert_eq!(
        figures("c8/cobertura-coverage.xml", Format::Cobertura, "price.js"),
        (9, 14)
    );
}

/// A cheap stand-in for the fuzz target in CI: every real fixture, truncated
/// at many points and with bytes flipped, through every parser. No panics.
#[test]
fn mangled_reports_never_panic_any_parser() {
    use shipgate::gates::coverage::formats::parse_as;
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
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/coverage/real");
    let mut inputs: Vec<Vec<u8>> = vec![
        b"mode: set\na.go:1.1,4000000000.1 1 1\n".to_vec(),
        br#"{"data":[{"files":[{"filename":"a","segments":[[1,1,1,true,true],[2000000,1,0,false,false]]}]}]}"#.to_vec(),
        b"SF:\xff\xfe\nDA:1,1\nBRDA:1,,,\nBRDA:,\n".to_vec(),
        b"<coverage><packages><class filename=\"a\"><line number=\"99999999999\" hits=\"-5\"/>".to_vec(),
    ];
    for sub in ["gcc-gcovr", "coverage-py", "jacoco", "c8", "llvm-cov", "go"] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("dir").flatten() {
            if entry.path().is_file() {
                inputs.push(std::fs::read(entry.path()).expect("read"));
            }
        }
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for input in &inputs {
        let mut variants = Vec::new();
        let step = (input.len() / 40).max(1);
        for cut in (0..input.len()).step_by(step) {
            variants.push(input[..cut].to_vec());
        }
        for _ in 0..40 {
            let mut v = input.clone();
            if v.is_empty() {
                break;
            }
            for _ in 0..3 {
                let i = (next() as usize) % v.len();
                v[i] = (next() & 0xff) as u8;
            }
            variants.push(v);
        }
        for v in &variants {
            let _ = formats::parse(v);
            for format in ALL {
                let _ = parse_as(format, v);
            }
        }
    }
}

/// Branch outcomes (covered, total) over every line of the file ending in `suffix`.
fn branch_figures(rel: &str, suffix: &str) -> (u64, u64) {
    let (_, files) = read(rel);
    let mut merged = FileCoverage::default();
    for (path, cov) in &files {
        if path.ends_with(suffix) {
            merged.merge(cov);
        }
    }
    merged.branches.values().fold((0, 0), |(c, t), b| {
        (c + u64::from(b.covered), t + u64::from(b.total))
    })
}

#[test]
fn llvm_cov_reports_agree_with_llvm_cov_report() {
    // llvm-cov report: Lines 32, Missed Lines 13; Branches 16, Missed 6.
    assert_eq!(
        figures("llvm-cov/llvm-cov.json", Format::LlvmCov, "src/grade.c"),
        (19, 32)
    );
    assert_eq!(
        branch_figures("llvm-cov/llvm-cov.json", "src/grade.c"),
        (10, 16)
    );
    // The same profile exported as LCOV: LH:19 LF:32.
    assert_eq!(
        figures("llvm-cov/lcov.info", Format::Lcov, "src/grade.c"),
        (19, 32)
    );
}

#[test]
fn go_coverprofiles_in_every_mode_read_as_lines() {
    // Go counts statements (`go tool cover -func`: 69.2%, 9 of 13); shipgate
    // counts every line a block with statements spans, at the most any block
    // on it ran: 20 lines, of which 12-13 (the `ErrTooHeavy` branch), 16-17,
    // 31 and 35 (`Free`) never ran.
    for mode in ["set", "count", "atomic"] {
        let rel = format!("go/cover-{mode}.out");
        assert_eq!(
            figures(&rel, Format::GoCoverprofile, "rates/rates.go"),
            (14, 20),
            "{rel}"
        );
    }
    // -coverpkg=./... lists every block once per test binary: the blocks are
    // merged, so `Free` (run only by the quote package's test) is covered and
    // no line counts twice.
    assert_eq!(
        figures(
            "go/cover-coverpkg.out",
            Format::GoCoverprofile,
            "rates/rates.go"
        ),
        (15, 20)
    );
}
