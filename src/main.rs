//! The `lightsout` binary: parses the command line and hands over to the library.

mod cli;

use clap::Parser;

fn main() {
    let parsed = cli::Cli::parse();
    match cli::run(parsed) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // One clear line: the library's errors already carry their context and cause.
            eprintln!("lightsout: {}", e.to_string().replace('\n', " "));
            std::process::exit(1);
        }
    }
}
