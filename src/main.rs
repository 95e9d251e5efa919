//! The `provision` command line.

fn main() -> std::process::ExitCode {
    provision::cli::main()
}
