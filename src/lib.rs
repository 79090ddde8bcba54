//! shipgate: quality gates for pull and merge requests.
//!
//! Data flow: [`ci`] + [`config`] -> [`changeset`] -> [`gates`] -> [`report`].
//! See DESIGN in the README.

pub mod attest;
pub mod changeset;
pub mod check;
pub mod ci;
pub mod cli;
pub mod config;
pub mod demo;
pub mod finding;
pub mod gates;
pub mod glob;
pub mod platform;
pub mod publish;
pub mod report;
pub mod rules;
pub mod trust;
