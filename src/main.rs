//! The `shipgate` binary: parse arguments, run, map the result to an exit code.
//! Exit codes: 0 pass, 1 a blocking gate failed, 2 usage/config/input/internal error.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = shipgate::cli::parse();
    match shipgate::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("shipgate: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
