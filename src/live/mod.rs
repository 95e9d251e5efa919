//! Live state: what exists in AWS, read into plain structs that the planner compares.

mod adopt;
mod children;
pub mod execution;
mod iam_wait;
mod import;
mod machines;
mod mismatch;
mod read;
pub mod serve;

pub use crate::resource::api::spec::LiveApi;
pub use crate::resource::authorizer::spec::LiveAuthorizer;
pub use crate::resource::integration::spec::LiveIntegration;
pub use crate::resource::role::spec::{LiveRole, RoleState};
pub use crate::resource::route::read::read_routes;
pub use crate::resource::route::spec::LiveRoute;
pub use crate::resource::stage::spec::LiveStage;
pub use iam_wait::wait_for_role;
pub use import::{ImportRead, read_for_import};
pub use machines::{MachineProblem, check_state_machines};
pub use read::{Purpose, ReadScope, account_id, read, read_apis_and_role};

pub use crate::resource::live::Live;
pub use crate::resource::role::spec::role_name_of;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The lines of `text` that take a live or desired state to change it (`mut live`,
    /// `&mut Live`, `mut desired`, `&mut Desired`).
    fn changes_in_place(label: &str, text: &str) -> Vec<String> {
        const IN_PLACE: [&str; 4] = ["mut live", "&mut Live", "mut desired", "&mut Desired"];
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim_start().starts_with("//"))
            .filter(|(_, line)| IN_PLACE.iter().any(|p| line.contains(p)))
            .map(|(n, line)| format!("{label}:{}: {}", n + 1, line.trim()))
            .collect()
    }

    /// No hidden inputs (issue 25, item 4): `live::read` returns the complete `Live` and the
    /// binder a new `BoundDesired`, so the commands only read both.
    #[test]
    fn commands_only_read_the_live_and_desired_state() {
        let mut files = Vec::new();
        let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                match path.is_dir() {
                    true => dirs.push(path),
                    false => files.push(path),
                }
            }
        }
        assert!(files.iter().any(|f| f.ends_with("commands/down.rs")), "{files:?}");
        let mut found = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            found.extend(changes_in_place(&file.display().to_string(), &text));
        }
        assert!(
            found.is_empty(),
            "commands change the state in place:\n{}",
            found.join("\n")
        );
        assert_eq!(
            changes_in_place(
                "sample.rs",
                "let (a, desired, c, mut live) = x;\nfn f(live: &mut Live) {}\n// mut live\n"
            ),
            [
                "sample.rs:1: let (a, desired, c, mut live) = x;",
                "sample.rs:2: fn f(live: &mut Live) {}"
            ]
        );
    }
}
