//! The `shipgate` binary: parse arguments, run, map the result to an exit code.
//! Exit codes: 0 pass, 1 a blocking gate failed, 2 usage/config/input/internal error.

use std::process::ExitCode;

/// `shipgate rules | head` must end quietly when the reader goes away, as other
/// command-line tools do, instead of panicking on a broken pipe.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first in `main`, before any thread starts; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = shipgate::cli::parse();
    match shipgate::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("shipgate: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
