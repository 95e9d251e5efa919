//! The purity check: the files of the spec and the diff never reach the AWS SDK, nor the layers
//! that call it. Pure are every file of a unit but its `read.rs` and `apply.rs` (so `spec.rs`,
//! `plan.rs`, `op.rs`, `check.rs`, `emit.rs`, the integration's `quota.rs`, the state machine's definition, duration,
//! located, policy and YAML files and its `plan/` folder), `resource/live.rs` (the live state as
//! data), the stack file's model (`stack/`) and the planner (`plan/`). Left out: the units'
//! `read.rs` and `apply.rs`, `resource/paginate.rs` (the read side's list loop) and this file,
//! which spells what it forbids.
//!
//! The check reads the text, so a `use` or a path anywhere in code (tests included) counts;
//! comment lines do not (a doc link to `super::apply` makes no dependency).

use std::path::{Path, PathBuf};

/// What a pure file must not name: the SDK crates, the client setup, and the SDK-calling
/// layers (the reader, the executor) and a unit's own SDK files.
const FORBIDDEN: [&str; 8] = [
    "aws_sdk_",
    "aws_smithy",
    "aws_config",
    "crate::aws::",
    "crate::live",
    "crate::apply",
    "super::read",
    "super::apply",
];

/// The forbidden names in `text`, one line each as `label:LINE: text`.
fn violations(label: &str, text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| FORBIDDEN.iter().any(|name| line.contains(name)))
        .map(|(n, line)| format!("{label}:{}: {}", n + 1, line.trim()))
        .collect()
}

/// Every file the check holds to purity.
fn pure_files() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["resource", "stack", "plan"] {
        rust_files(&src.join(dir), &mut files);
    }
    let impure = |f: &PathBuf| {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let top = f.parent() == Some(src.join("resource").as_path());
        f.starts_with(src.join("resource"))
            && (matches!(name, "read.rs" | "apply.rs")
                || (top && matches!(name, "paginate.rs" | "purity.rs")))
    };
    files.retain(|f| !impure(f));
    files
}

/// Every `.rs` file below `dir`, for the checks that read `src/` as text (this one and the
/// deployer's SDK-call scan).
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
fn spec_and_diff_never_touch_the_aws_sdk_nor_the_layers_that_call_it() {
    let files = pure_files();
    // The scan sees what it must: a broken scan cannot pass by reading nothing.
    for must in [
        "resource/route/plan.rs",
        "resource/stage/spec.rs",
        "resource/route/op.rs",
        "resource/stage/check.rs",
        "resource/api/emit.rs",
        "resource/state_machine/definition.rs",
        "resource/state_machine/plan/tests.rs",
        "resource/live.rs",
        "resource/mod.rs",
        "plan/mod.rs",
        "stack/desired.rs",
    ] {
        assert!(
            files.iter().any(|f| f.ends_with(must)),
            "{must} not scanned: {files:?}"
        );
    }
    let resource = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/resource");
    for never in ["route/read.rs", "route/apply.rs", "paginate.rs", "purity.rs"] {
        assert!(
            !files.contains(&resource.join(never)),
            "{never} is scanned: {files:?}"
        );
    }
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        offenders.extend(violations(&file.display().to_string(), &text));
    }
    assert!(
        offenders.is_empty(),
        "spec and diff must stay pure:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_check_fails_on_each_forbidden_name_and_passes_comments() {
    let sample = "use crate::stack::Desired;\n\
                  /// Handed to [`super::apply`] by the executor.\n\
                  use aws_sdk_apigatewayv2::types::Route;\n\
                  fn f() { let _ = crate::live::read; }\n\
                  use super::read::read_routes;\n\
                  use crate::apply::resolve::Resolved;\n\
                  // crate::live in a comment is no import\n";
    let found = violations("sample.rs", sample);
    assert_eq!(
        found,
        [
            "sample.rs:3: use aws_sdk_apigatewayv2::types::Route;",
            "sample.rs:4: fn f() { let _ = crate::live::read; }",
            "sample.rs:5: use super::read::read_routes;",
            "sample.rs:6: use crate::apply::resolve::Resolved;",
        ]
    );
    for name in FORBIDDEN {
        assert_eq!(violations("one.rs", &format!("use {name}x;")).len(), 1, "{name}");
    }
    assert!(violations("clean.rs", "use crate::plan::op::Op;\n").is_empty());
}
