use clap::Parser;

use advocacy::cli::{Cli, Command};
use advocacy::{generate, RunOptions};

fn main() {
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
        Command::Generate { out, scale, seed, format, layout, snapshot } => generate::write(
            &generate::Options { out, scale, seed, format, layout, snapshot },
        )
        .map(|summary| {
            eprintln!("{summary}");
        }),
    };
    if let Err(err) = result {
        eprintln!("error: {err}");
        std::process::exit(err.exit_code());
    }
}
