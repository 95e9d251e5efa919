//! `provision schema`, `provision completions` and `provision init`, through the binary. No AWS.

use crate::support::{stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_provision");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PROVISION_LOG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temporary directory: {e}"))
}

/// Loads a stack with the crate's own loader and returns its diagnostics' messages.
fn problems(path: &Path) -> (Vec<String>, Vec<String>) {
    let loaded = provision::stack::load(path);
    let (errors, warnings): (Vec<_>, Vec<_>) = loaded.diagnostics.iter().partition(|d| d.is_error());
    let text = |v: Vec<&provision::stack::Diagnostic>| v.iter().map(|d| d.message.clone()).collect();
    (text(errors), text(warnings))
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn schema_prints_the_committed_schema() {
    let out = run(Path::new(ROOT), &["schema"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    let value: serde_json::Value =
        serde_json::from_str(&printed).unwrap_or_else(|e| panic!("not JSON: {e}\n{printed}"));
    assert_eq!(value["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(value["additionalProperties"], false);
    let committed =
        std::fs::read_to_string(Path::new(ROOT).join("schema/stack.schema.json")).unwrap_or_default();
    assert!(
        committed == printed,
        "schema/stack.schema.json differs from `provision schema`; regenerate it with\n    \
         cargo run -- schema > schema/stack.schema.json"
    );
}

#[test]
fn the_example_stacks_point_editors_at_the_schema() {
    for stack in ["stacks/onboarding.toml", "stacks/onboarding-secure.toml"] {
        let path = Path::new(ROOT).join(stack);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            text.lines().next(),
            Some("#:schema ../schema/stack.schema.json"),
            "{stack}"
        );
        assert!(
            path.parent()
                .is_some_and(|p| p.join("../schema/stack.schema.json").is_file())
        );
        let (errors, _) = problems(&path);
        assert!(errors.is_empty(), "{stack}: {errors:?}");
    }
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(Path::new(ROOT), &["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        let words = words(&script);
        for sub in ["up", "diff", "down", "validate", "init", "schema", "completions"] {
            assert!(
                words.contains(&sub),
                "{shell}: the script does not mention `{sub}`"
            );
        }
    }
    let out = run(Path::new(ROOT), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn init_writes_a_stack_that_validates_cleanly() {
    let dir = tempdir();
    let out = run(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir.path().join("stacks/my-workflow.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        text.starts_with("#:schema ../schema/stack.schema.json\n"),
        "{text}"
    );
    assert!(
        text.contains("PLACEHOLDER"),
        "the placeholder ARN must be called out:\n{text}"
    );
    assert!(text.contains("arn:aws:states:ap-southeast-2:123456789012:stateMachine:my-workflow"));
    assert!(text.contains("key = \"POST /start\""));
    let (errors, warnings) = problems(&path);
    assert!(
        errors.is_empty() && warnings.is_empty(),
        "{errors:?} {warnings:?}\n{text}"
    );
    assert!(
        stderr(&out).contains("stacks/my-workflow.toml"),
        "{}",
        stderr(&out)
    );

    // `validate` agrees, and finds the stack on its own.
    let out = run(dir.path(), &["validate", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn init_uses_the_options_given() {
    let dir = tempdir();
    let arn = "arn:aws:states:us-east-1:111122223333:stateMachine:orders";
    let out = run(
        dir.path(),
        &[
            "init",
            "--name",
            "orders",
            "--route",
            "POST /orders/{id}",
            "--state-machine",
            arn,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir.path().join("stacks/orders.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(text.contains("name = \"orders\""), "{text}");
    assert!(text.contains("key = \"POST /orders/{id}\""), "{text}");
    assert!(text.contains(&format!("state_machine = \"{arn}\"")), "{text}");
    assert!(
        text.contains("region = \"us-east-1\""),
        "the machine's region: {text}"
    );
    assert!(!text.contains("PLACEHOLDER"), "{text}");
    let (errors, warnings) = problems(&path);
    assert!(
        errors.is_empty() && warnings.is_empty(),
        "{errors:?} {warnings:?}"
    );

    // An explicit path, a directory that does not exist yet, and --region.
    let nested = dir.path().join("deep/er/billing.toml");
    let out = run(
        dir.path(),
        &["init", "deep/er/billing.toml", "--region", "eu-west-1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&nested).unwrap_or_default();
    assert!(text.contains("name = \"billing\""), "{text}");
    assert!(text.contains("region = \"eu-west-1\""), "{text}");
    assert!(!text.starts_with("#:schema"), "not under stacks/: {text}");
    let (errors, _) = problems(&nested);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn init_never_overwrites() {
    let dir = tempdir();
    let path: PathBuf = dir.path().join("stacks/mine.toml");
    std::fs::create_dir_all(dir.path().join("stacks")).unwrap_or_else(|e| panic!("{e}"));
    let original = b"# my own stack, hands off\n[stack]\nname = \"mine\"\n";
    std::fs::write(&path, original).unwrap_or_else(|e| panic!("{e}"));

    for args in [&["init", "stacks/mine.toml"][..], &["init", "--name", "mine"][..]] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("stacks/mine.toml") && err.contains("already exists"),
            "{err}"
        );
        assert!(err.contains("stacks/mine-2.toml"), "suggests another path: {err}");
        assert_eq!(
            std::fs::read(&path).unwrap_or_default(),
            original,
            "the file was changed"
        );
    }
}

#[test]
fn init_refuses_bad_options_and_writes_nothing() {
    let cases: [(&[&str], &str); 4] = [
        (&["init", "--route", "POST start"], "invalid route"),
        (&["init", "--route", "FETCH /start"], "unknown method"),
        (&["init", "--name", "my workflow"], "invalid stack name"),
        (
            &[
                "init",
                "--state-machine",
                "arn:aws:lambda:us-east-1:111122223333:function:f",
            ],
            "invalid state machine ARN",
        ),
    ];
    for (args, expected) in cases {
        let dir = tempdir();
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
        let left: Vec<_> = std::fs::read_dir(dir.path()).into_iter().flatten().collect();
        assert!(left.is_empty(), "{args:?} wrote {left:?}");
    }
}

#[test]
fn help_shows_the_new_commands_with_examples() {
    let out = run(Path::new(ROOT), &["--help"]);
    let help = stdout(&out);
    for sub in ["init", "schema", "completions"] {
        assert!(words(&help).contains(&sub), "{help}");
        let out = run(Path::new(ROOT), &[sub, "--help"]);
        assert!(stdout(&out).contains("Examples:"), "{sub}: {}", stdout(&out));
    }
}
