//! One unit per resource kind: everything about an API, a route, an integration, an authorizer,
//! a stage or the role (with its policies) lives in `resource/<kind>/`.
//!
//! A unit holds, each in its own file:
//! - `spec.rs`: the kind as the stack file declares it (desired, built from the file's model)
//!   and as AWS has it (live), plain data. Pure: no AWS SDK.
//! - `read.rs`: the live state from AWS (one paginated list call per collection).
//! - `plan.rs`: the diff of desired against live into [`crate::plan::Change`]s carrying
//!   [`crate::plan::Op`]s. Pure: no AWS SDK.
//! - `apply.rs`: the AWS calls that carry out the kind's operations.
//! - further files where a kind needs them (the role's `existing.rs`: what an existing role lacks).
//!
//! The units sit between two floors, so that no import runs in a circle:
//! - below them, the vocabulary they share: the stack file's model (`stack::model`), refs and
//!   keys (`plan::key`), changes and field changes (`plan::change`), the ids learned while
//!   applying (`apply::resolve`), the AWS answer helpers (`apply::answer`, `apply::create`), the
//!   pagination helpers (`live::paginate`), the error type. A unit imports only these, other
//!   units' `spec.rs`, and (for a parent kind) its children's `read.rs` or `plan.rs`.
//! - above them, what walks over every kind: the planner's driver (`plan::plan`), the
//!   executor's dispatch (`apply::call`), the reader's fan-out (`live::read`), the CloudFormation
//!   and OpenAPI documents (`synth`, `openapi`). Each names the kinds in one `match` or list.
//!
//! To add a kind: make `resource/<kind>/` with `spec.rs` (the desired struct and its builder from
//! the file's section, and the live struct), `read.rs` (the list call), `plan.rs` (a
//! `plan_<kind>` that pushes changes), `op.rs` (its operations, their labels and ordering keys),
//! `apply.rs` (one function per operation); add the kind to `plan::op::Op`, then one line each in the walkers above (the planner's driver,
//! `apply::call::run`, the reader, synth/openapi). CONTRIBUTING walks through it end to end.

pub mod api;
pub mod authorizer;
pub mod integration;
pub mod role;
pub mod route;
pub mod stage;
pub mod state_machine;
pub mod unexpressed;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Files that must stay pure: every unit's spec and diff, the stack file's model and the
    /// planner. The check reads the text, so a `use` or a path anywhere (tests included) counts.
    fn pure_files() -> Vec<PathBuf> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for unit in std::fs::read_dir(src.join("resource")).unwrap().flatten() {
            for name in ["spec.rs", "plan.rs"] {
                let file = unit.path().join(name);
                if file.is_file() {
                    files.push(file);
                }
            }
        }
        for dir in ["stack", "plan"] {
            rust_files(&src.join(dir), &mut files);
        }
        files
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn spec_and_diff_never_touch_the_aws_sdk() {
        let files = pure_files();
        // The scan sees what it must: a broken scan cannot pass by reading nothing.
        assert!(
            files.iter().any(|f| f.ends_with("resource/route/plan.rs")),
            "{files:?}"
        );
        assert!(
            files.iter().any(|f| f.ends_with("resource/stage/spec.rs")),
            "{files:?}"
        );
        assert!(files.iter().any(|f| f.ends_with("plan/mod.rs")), "{files:?}");
        let mut offenders = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for (n, line) in text.lines().enumerate() {
                if ["aws_sdk_", "aws_smithy_", "aws_config", "crate::aws::"]
                    .iter()
                    .any(|sdk| line.contains(sdk))
                {
                    offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "spec and diff must stay pure:\n{}",
            offenders.join("\n")
        );
    }
}
