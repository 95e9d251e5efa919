//! Every stack under `tests/accepted` is one AWS accepts, and `validate` must accept it too: a
//! validator that refuses valid input gets switched off. Each file passes
//! `validate --deny-warnings`, unless its header names the warnings that apply
//! (`# expect-warning: MESSAGE`): then plain `validate` passes and shows each of them, and
//! `--deny-warnings` fails. Offline: the endpoint is a closed port.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_provision");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn validate(args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(ROOT).arg("validate").args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.env_remove("PROVISION_LOG")
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

fn accepted_files() -> Vec<PathBuf> {
    let dir = Path::new(ROOT).join("tests/accepted");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn check(file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let expected: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# expect-warning: "))
        .collect();
    let relative = file
        .strip_prefix(ROOT)
        .map_err(|e| e.to_string())?
        .to_str()
        .ok_or("utf-8 path")?
        .to_string();
    let strict = validate(&["--deny-warnings", &relative]);
    let stderr = String::from_utf8_lossy(&strict.stderr).into_owned();
    if expected.is_empty() {
        if strict.status.code() != Some(0) || !stderr.contains(": 0 error(s), 0 warning(s)") {
            return Err(format!(
                "validate --deny-warnings {relative} refused it:\n{stderr}"
            ));
        }
        return Ok(());
    }
    if strict.status.code() != Some(1) {
        return Err(format!(
            "--deny-warnings passed {relative} despite its warnings:\n{stderr}"
        ));
    }
    let plain = validate(&[&relative]);
    let stderr = String::from_utf8_lossy(&plain.stderr).into_owned();
    if plain.status.code() != Some(0) || !stderr.contains(": 0 error(s)") {
        return Err(format!("validate {relative} refused it:\n{stderr}"));
    }
    let missing: Vec<&&str> = expected
        .iter()
        .filter(|w| !stderr.contains(&format!("⚠ {w}")))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{relative}: expected warnings {missing:?} not shown:\n{stderr}"
        ));
    }
    // Nothing but the expected warnings: e.g. no static-`Name` warning for a composed Name.
    let unexpected: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("⚠ "))
        .filter(|shown| !expected.contains(shown))
        .collect();
    if !unexpected.is_empty() {
        return Err(format!(
            "{relative}: unexpected warnings {unexpected:?}:\n{stderr}"
        ));
    }
    Ok(())
}

#[test]
fn every_accepted_stack_validates() {
    let files = accepted_files();
    assert!(files.len() >= 12, "only {} files in tests/accepted", files.len());
    let failures: Vec<String> = files.iter().filter_map(|f| check(f).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The control: a refused stack fails the same check, so the passes above mean something.
#[test]
fn the_check_fails_on_a_broken_stack() {
    let broken = Path::new(ROOT).join("tests/broken/arn-partition-mismatch.toml");
    let err = check(&broken).expect_err("a broken stack must not pass");
    assert!(err.contains("refused it"), "{err}");
}
