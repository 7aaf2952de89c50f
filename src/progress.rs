//! Stage timings for `run.json`, progress lines on a terminal, and warnings.
//!
//! Progress goes to standard error only when it is a terminal and `CI` is not set, so that
//! scheduled jobs keep clean logs.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::Instant;

pub struct Stages {
    show: bool,
    started: Instant,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    current: Option<(String, Instant)>,
    done: Vec<(String, f64)>,
}

impl Stages {
    pub fn new(quiet: bool) -> Stages {
        let show = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Stages { show, started: Instant::now(), state: RefCell::default() }
    }

    /// Ends the current stage (if any) and starts `name`.
    pub fn begin(&self, name: &str) {
        let mut state = self.state.borrow_mut();
        close(&mut state);
        if self.show {
            eprintln!("[{:>6.1}s] {name}", self.started.elapsed().as_secs_f64());
        }
        state.current = Some((name.to_string(), Instant::now()));
    }

    /// A warning: always printed (also under CI and `--quiet`), since a scheduled job's log is
    /// where a stale export must show.
    pub fn warn(&self, message: &str) {
        eprintln!("warning: {message}");
    }

    /// Every finished stage with its duration in milliseconds, in order.
    pub fn timings(&self) -> Vec<(String, f64)> {
        let mut state = self.state.borrow_mut();
        close(&mut state);
        state.done.clone()
    }

    pub fn total_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }
}

fn close(state: &mut State) {
    if let Some((name, started)) = state.current.take() {
        let ms = (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
        state.done.push((name, ms));
    }
}
