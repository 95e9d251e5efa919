//! Build script: `provision --version` names the git commit it was built from, when it is built
//! from a clone (`cargo install --path .`); a build without git or without `.git` (a source
//! archive, a packaged crate) gives the plain version.

use std::path::Path;
use std::process::Command;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).current_dir(&dir).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !text.is_empty()).then_some(text)
    };
    println!("cargo:rerun-if-changed=build.rs");
    // Cargo keys this script's output by package, not by checkout: two clones or worktrees that
    // share a target directory would otherwise reuse each other's version (the paths watched
    // below are the other checkout's). The directory cargo runs in tells them apart.
    println!("cargo:rerun-if-env-changed=PWD");
    let mut commit = None;
    if Path::new(&dir).join(".git").exists() {
        // Rebuild the version when HEAD moves: HEAD itself, and the branch file it points at.
        let mut watched = vec!["HEAD".to_string()];
        watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
        for name in watched {
            if let Some(path) = git(&["rev-parse", "--git-path", &name]) {
                println!("cargo:rerun-if-changed={}", Path::new(&dir).join(path).display());
            }
        }
        commit = git(&["rev-parse", "--short=12", "HEAD"]);
    }
    let version = env!("CARGO_PKG_VERSION");
    let full = match commit {
        Some(commit) => format!("{version} (git {commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=PROVISION_VERSION={full}");
}
