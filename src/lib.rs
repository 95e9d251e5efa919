//! `provision`: expose an AWS Step Functions workflow over an API Gateway HTTP API from one
//! declarative TOML stack, with an idempotent reconciler and no state file.
//!
//! The layers, each in its own module:
//! - [`stack`]: the TOML model, loading and offline validation (pure);
//! - [`live`]: reads AWS into plain structs;
//! - [`plan`]: `plan(desired, live) -> Plan`, a pure function;
//! - [`apply`]: the executor (dependency order, concurrency, NotFound-tolerant deletes);
//! - [`iam`]: the one evaluator of integration roles, for `serve` and `diff` (pure);
//! - [`deployer`]: the IAM policy the deployer needs, derived from the stack (pure);
//! - [`import`]: an existing API as a stack file (pure; `live` reads it);
//! - [`render`]: the one printer, text or JSON;
//! - [`commands`] and [`cli`]: thin orchestration and the command line.

// "No function over 120 lines" (CONTRIBUTING), enforced: clippy's `too_many_lines` with the
// threshold in clippy.toml, for the library and the binary only (the integration tests under
// tests/ are another crate and keep longer scenarios). Clippy counts the lines of a function's
// body that hold code: blank lines and comment-only lines are not counted.
#![warn(clippy::too_many_lines)]

pub mod apply;
pub mod arn;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod deployer;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod grant;
pub mod iam;
pub mod import;
pub mod live;
pub mod openapi;
pub mod outputs;
pub mod pace;
pub mod plan;
pub mod policy;
pub mod render;
pub mod request;
pub mod resource;
pub mod stack;
pub mod synth;

#[cfg(test)]
mod tests {
    /// CONTRIBUTING's code layout names every top-level module of `src/` (a folder as
    /// `` `src/NAME/` ``, a file as `` `src/NAME.rs` ``): a new module without a row fails here.
    #[test]
    fn contributing_names_every_module_of_src() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let contributing = std::fs::read_to_string(root.join("CONTRIBUTING.md")).unwrap();
        let mut missing = Vec::new();
        let mut seen = 0;
        for entry in std::fs::read_dir(root.join("src")).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let row = match entry.path().is_dir() {
                true => format!("`src/{name}/"),
                false if name.ends_with(".rs") && name != "lib.rs" => format!("`src/{name}`"),
                false => continue,
            };
            seen += 1;
            if !contributing.contains(&row) {
                missing.push(row);
            }
        }
        assert!(seen > 10, "the scan read src/: {seen} modules");
        assert!(
            missing.is_empty(),
            "CONTRIBUTING.md's code layout lacks {missing:?}"
        );
    }
}
