use clap::Parser;

use advocacy::cli::{Cli, Command};
use advocacy::{generate, RunOptions};

fn main() {
    // Panics that polars raises on corrupt files are caught where files are read
    // (`ingest::read::guard`) and reported as input errors; the hook only remembers a panic, so
    // that those print no backtrace. One that reaches `main` is a bug: one line, exit 3.
    std::panic::set_hook(Box::new(|info| {
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(info.to_string());
    }));
    if std::panic::catch_unwind(command).is_err() {
        let panic = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
        eprintln!("internal error (please report it): {panic}");
        std::process::exit(3);
    }
}

static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

fn command() {
    // A bad command line is a usage error: exit 1 (clap's own default is 2, which the spec
    // reserves for input data errors). --help and --version exit 0.
    let cli = Cli::try_parse().unwrap_or_else(|err| {
        let _ = err.print();
        std::process::exit(if err.use_stderr() { 1 } else { 0 });
    });
    let result = match cli.command {
        Command::Run { pipeline, as_of, out, quiet, allow_future } => {
            advocacy::run(&RunOptions { pipeline, as_of, out, quiet, allow_future }).map(|summary| {
                eprintln!("as of {}: wrote {}", summary.as_of, summary.out.display());
            })
        }
        Command::Validate { pipeline, as_of, out, allow_future } => {
            let options = RunOptions { pipeline, as_of, out, quiet: false, allow_future };
            advocacy::validate(&options).and_then(|validation| {
                print!("{}", advocacy::quality_text(&validation.quality));
                validation.over_limit.map_or(Ok(()), Err)
            })
        }
        Command::Backfill { pipeline, months, as_of, quiet, allow_future } => {
            let options = advocacy::BackfillOptions { pipeline, as_of, months, quiet, allow_future };
            advocacy::backfill(&options).map(|dates| match (dates.first(), dates.last()) {
                (Some(first), Some(last)) => {
                    eprintln!("wrote {} history snapshots, as of {first} to {last}", dates.len())
                }
                _ => eprintln!("wrote no snapshots"),
            })
        }
        Command::Generate { out, scale, seed, format, layout, snapshot, realistic, usage_files } => {
            generate::write(&generate::Options {
                out,
                scale,
                seed,
                format,
                layout,
                snapshot,
                realistic,
                usage_files,
            })
        }
        .map(|summary| {
            eprintln!("{summary}");
        }),
    };
    if let Err(err) = result {
        eprintln!("error: {err}");
        std::process::exit(err.exit_code());
    }
}
