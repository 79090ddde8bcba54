//! Phase timings of a coverage gate run, printed to stderr when the
//! environment variable `SHIPGATE_COVERAGE_TIMING` is set: for profiling the
//! gate on a real repository (wall time, and this thread's CPU time, which a
//! busy machine disturbs less). Not part of any output contract.

use std::cell::Cell;
use std::time::Instant;

/// Time since the previous mark, per named phase.
pub struct Phases {
    on: bool,
    last: Cell<Instant>,
    last_cpu: Cell<f64>,
}

/// This thread's CPU time in milliseconds (0 where unknown).
fn thread_cpu_ms() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the call's duration.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6;
        }
    }
    0.0
}

impl Phases {
    pub fn from_env() -> Self {
        Phases {
            on: std::env::var_os("SHIPGATE_COVERAGE_TIMING").is_some(),
            last: Cell::new(Instant::now()),
            last_cpu: Cell::new(thread_cpu_ms()),
        }
    }

    /// Print how long the phase `what`, ending now, took.
    pub fn mark(&self, what: &str) {
        if self.on {
            let now = Instant::now();
            let cpu = thread_cpu_ms();
            let ms = now.duration_since(self.last.get()).as_secs_f64() * 1000.0;
            let cpu_ms = cpu - self.last_cpu.get();
            eprintln!("coverage timing: {what}: {ms:.1} ms ({cpu_ms:.1} ms CPU)");
            self.last.set(now);
            self.last_cpu.set(cpu);
        }
    }
}
