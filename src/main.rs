//! The `provision` command line.

// The length rule, as for the library (src/lib.rs, clippy.toml).
#![warn(clippy::too_many_lines)]

fn main() -> std::process::ExitCode {
    provision::cli::main()
}
