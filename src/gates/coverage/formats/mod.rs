//! One parser per report format, each a single pass over the bytes without
//! building a document tree, and [`parse`], which detects the format by content.

pub mod clover;
pub mod cobertura;
pub mod coverage_py;
pub mod gocover;
pub mod istanbul;
pub mod jacoco;
mod json;
pub mod lcov;
pub mod llvm_cov;
mod xml;

use super::detect;
use super::model::{Format, ParseError, ParsedReport};

/// Parse `bytes` in the given format.
pub fn parse_as(format: Format, bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    match format {
        Format::Lcov => lcov::parse(bytes),
        Format::Cobertura => cobertura::parse(bytes),
        Format::Jacoco => jacoco::parse(bytes),
        Format::Clover => clover::parse(bytes),
        Format::GoCoverprofile => gocover::parse(bytes),
        Format::Istanbul => istanbul::parse(bytes),
        Format::LlvmCov => llvm_cov::parse(bytes),
        Format::CoveragePy => coverage_py::parse(bytes),
    }
}

/// Detect the format of `bytes` and parse it.
pub fn parse(bytes: &[u8]) -> Result<ParsedReport, ParseError> {
    let format = detect::detect(bytes)?;
    parse_as(format, bytes).map_err(|e| ParseError {
        message: format!("{} report: {}", format, e.message),
        ..e
    })
}
