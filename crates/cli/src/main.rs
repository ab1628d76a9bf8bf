//! The `recount` binary: parses arguments and hands over to the library.

fn main() -> std::process::ExitCode {
    recount_cli::run(std::env::args_os())
}
