//! The `shipgate` binary: parse arguments, run, map the result to an exit code.
//! Exit codes: 0 pass, 1 a blocking gate failed, 2 usage/config/input/internal error.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = shipgate::cli::Cli::parse();
    match shipgate::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("shipgate: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
