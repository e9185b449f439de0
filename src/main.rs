//! The `lightsout` binary: parses the command line and hands over to the library.

mod cli;

use clap::Parser;

fn main() {
    let parsed = cli::Cli::parse();
    match cli::run(parsed) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // One clear line per problem: the chain of contexts, outermost first.
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("lightsout: {}", chain.join(": "));
            std::process::exit(1);
        }
    }
}
