//! The documentation holds together: the README stays short and links every reference page,
//! every relative link in the README, CONTRIBUTING.md and docs/ points at a file that exists,
//! the pages keep the sections other changes extend, and `bench/bench.py --render-only` writes
//! its table between the markers of a benchmark page and nowhere else, and CONTRIBUTING.md names
//! every module of `src/` and of `tests/it/` (the list comes from the tree when the test runs, so
//! a module added or moved without a line there fails). No AWS, no moto.

use crate::support::{read, repo};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every markdown file of the documentation, relative to the repository.
fn pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string(), "CONTRIBUTING.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

#[test]
fn the_readme_is_short_and_links_every_reference_page() {
    let readme = read("README.md");
    let chars = readme.chars().count();
    assert!(
        chars <= 15_000,
        "README.md is {chars} characters; keep it under 15,000"
    );
    for page in [
        "docs/stack-format.md",
        "docs/commands.md",
        "docs/design.md",
        "docs/benchmark.md",
        "docs/ci.md",
        "CONTRIBUTING.md",
        "CHANGELOG.md",
        "LICENSE",
    ] {
        assert!(
            readme.contains(&format!("]({page})")),
            "README.md does not link {page}"
        );
    }
    for install in [
        "cargo install --locked --path .",
        "~/.cargo/bin",
        "scripts/demo.sh",
        "scripts/test.sh",
    ] {
        assert!(readme.contains(install), "README.md does not mention `{install}`");
    }
    let rust_version = read("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .map(str::to_string)
        .expect("rust-version in Cargo.toml");
    assert!(
        readme.contains(&format!("Rust {rust_version} or newer")),
        "README.md must name the Rust version Cargo.toml requires ({rust_version})"
    );
}

#[test]
fn every_relative_link_points_at_a_file() {
    let link = regex_lite::Regex::new(r"\]\(([^)\s#]+)(#[^)]*)?\)").expect("regex");
    let mut broken = Vec::new();
    for page in pages() {
        let text = read(&page);
        let dir = repo()
            .join(&page)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        for captures in link.captures_iter(&text) {
            let target = &captures[1];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let path: PathBuf = dir.join(target);
            if !path.exists() {
                broken.push(format!("{page}: {target}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to files that do not exist:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_pages_keep_the_sections_other_changes_extend() {
    for (page, heading) in [
        ("docs/commands.md", "\n## serve\n"),
        ("docs/commands.md", "\n### Exit codes\n"),
        ("docs/stack-format.md", "\n## Validation rules\n"),
        ("docs/stack-format.md", "\n## Every table and key\n"),
        ("docs/design.md", "\n## Errors\n"),
        ("docs/design.md", "\n## Ownership without a state file\n"),
        ("CONTRIBUTING.md", "\n## Test tiers\n"),
        ("CONTRIBUTING.md", "\n## How the tests start moto\n"),
    ] {
        let text = read(page);
        assert!(
            text.contains(heading),
            "{page} lost its `{}` section",
            heading.trim()
        );
    }
    // Every command of the CLI has its section in docs/commands.md.
    let commands = read("docs/commands.md");
    for command in [
        "validate",
        "diff",
        "up",
        "down",
        "serve",
        "invoke",
        "synth",
        "init",
        "schema",
        "completions",
    ] {
        assert!(
            commands.contains(&format!("\n## {command}\n")),
            "docs/commands.md has no `## {command}` section"
        );
    }
}

const START: &str = "<!-- bench:start -->";
const END: &str = "<!-- bench:end -->";

#[test]
fn bench_render_only_writes_the_table_between_the_markers_of_the_page() {
    let published = read("docs/benchmark.md");
    assert_eq!(
        published.matches(START).count(),
        1,
        "one start marker in docs/benchmark.md"
    );
    assert_eq!(
        published.matches(END).count(),
        1,
        "one end marker in docs/benchmark.md"
    );
    assert!(published.find(START) < published.find(END));
    assert!(
        !read("README.md").contains(START),
        "the table lives in docs/benchmark.md now"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("benchmark.md");
    std::fs::write(
        &page,
        format!("# head\n\n{START}\nstale table\n{END}\n\ntail text\n"),
    )
    .expect("write");
    let out = Command::new("python3")
        .arg(repo().join("bench/bench.py"))
        .args(["--render-only", "--page"])
        .arg(&page)
        .current_dir(repo())
        .output()
        .expect("run python3 bench/bench.py --render-only");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        table.contains("| scenario | provision | boto3 (sequential) | AWS CLI |"),
        "{table}"
    );
    let written = std::fs::read_to_string(&page).expect("read page");
    assert_eq!(written, format!("# head\n\n{START}\n{table}{END}\n\ntail text\n"));

    // A page without markers is left alone, and that is an error.
    std::fs::write(&page, "no markers here\n").expect("write");
    let out = Command::new("python3")
        .arg(repo().join("bench/bench.py"))
        .args(["--render-only", "--page"])
        .arg(&page)
        .output()
        .expect("run bench.py");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&page).expect("read"), "no markers here\n");
}

/// The README's copy of the example stack is the file, byte for byte.
#[test]
fn the_readme_shows_the_stack_exactly_as_in_its_file() {
    let readme = read("README.md");
    let copy = readme
        .split("<!-- stack:start -->\n```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```\n<!-- stack:end -->").next())
        .expect("README.md holds the stack between <!-- stack:start --> and <!-- stack:end -->");
    assert_eq!(copy, read("stacks/onboarding.toml"));
}

/// Every command `provision --help` lists has a row in the README's command table.
#[test]
fn the_readme_command_table_lists_every_command() {
    let help = Command::new(env!("CARGO_BIN_EXE_provision"))
        .arg("--help")
        .output()
        .expect("provision --help");
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let commands: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Commands section")
        .lines()
        // A command starts its line; a wrapped description is indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 11, "{commands:?}");
    let readme = read("README.md");
    let missing: Vec<&&str> = commands
        .iter()
        .filter(|c| !readme.contains(&format!("\n| `{c}` |")))
        .collect();
    assert!(missing.is_empty(), "README.md's command table lacks {missing:?}");
}

/// LICENSE is the license Cargo.toml names: the Apache License 2.0, in full.
#[test]
fn the_license_file_is_the_one_cargo_toml_names() {
    assert!(read("Cargo.toml").contains("\nlicense = \"Apache-2.0\"\n"));
    let license = read("LICENSE");
    assert!(
        license.trim_start().starts_with("Apache License\n"),
        "{}",
        &license[..80]
    );
    assert!(license.contains("Version 2.0, January 2004"));
    assert!(license.contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"));
    // All nine sections of the terms.
    for section in 1..=9 {
        assert!(license.contains(&format!("\n{section}. ")), "section {section}");
    }
}

/// Built from a clone, `--version` names the commit (build.rs); the CHANGELOG has begun.
#[test]
fn version_names_the_git_commit_and_the_changelog_exists() {
    let out = Command::new(env!("CARGO_BIN_EXE_provision"))
        .arg("--version")
        .output()
        .expect("provision --version");
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        version.starts_with(&format!("provision {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(head) = head.filter(|_| repo().join(".git").exists()) {
        assert_eq!(
            version,
            format!("provision {} (git {head})", env!("CARGO_PKG_VERSION"))
        );
    }
    let changelog = read("CHANGELOG.md");
    assert!(changelog.starts_with("# Changelog\n"));
    assert!(changelog.contains(&format!("\n## {}\n", env!("CARGO_PKG_VERSION"))));
}

/// The `.rs` files under `dir` (relative to the repository), recursively, sorted.
fn rust_files(dir: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![repo().join(dir)];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                found.push(path.strip_prefix(repo()).expect("inside the repo").to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// The modules under `dir` that CONTRIBUTING.md does not name. A module is named by its path in
/// backticks (`` `tests/it/docs.rs` ``), or by its file name in backticks on a line that names
/// its folder (`` `tests/it/support/` `` ... `` `serve.rs` ``), where a folder of a family may be
/// named by a placeholder (`` `src/resource/<kind>/` `` names `src/resource/route/`); a folder's
/// `mod.rs` by the folder.
fn unnamed_modules(dir: &str) -> Vec<String> {
    let contributing = read("CONTRIBUTING.md");
    rust_files(dir)
        .into_iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .filter(|path| {
            let (folder, file) = path.rsplit_once('/').expect("a file in a folder");
            let parent = folder.rsplit_once('/').map_or("", |(p, _)| p);
            let folder = format!("`{folder}/`");
            let names_folder = |l: &str| l.contains(&folder) || names_family(l, parent);
            let named = contributing.contains(&format!("`{path}`"))
                || (file == "mod.rs" && contributing.lines().any(names_folder))
                || contributing
                    .lines()
                    .any(|l| names_folder(l) && l.contains(&format!("`{file}`")));
            !named
        })
        .collect()
}

/// Whether `line` names a family of folders under `parent` by a placeholder:
/// `` `PARENT/<name>/` ``.
fn names_family(line: &str, parent: &str) -> bool {
    let start = format!("`{parent}/<");
    line.match_indices(&start).any(|(i, _)| {
        line[i + start.len()..]
            .split_once(">/`")
            .is_some_and(|(name, _)| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
            })
    })
}

#[test]
fn contributing_names_every_test_module() {
    let unnamed = unnamed_modules("tests/it");
    assert!(
        unnamed.is_empty(),
        "CONTRIBUTING.md does not name these test modules (add each to the test tiers, with what \
         it checks): {unnamed:?}"
    );
}

#[test]
fn contributing_names_every_src_module() {
    let unnamed = unnamed_modules("src");
    assert!(
        unnamed.is_empty(),
        "CONTRIBUTING.md does not name these modules of src/ (add each to the code layout, on its \
         folder's line, with what it holds): {unnamed:?}"
    );
}

/// The tracked fields of `scripts/field-spread.sh` (its `fields=(...)` list, so the script and
/// this test measure the same thing): (name, the pattern of the field's own identifiers).
fn tracked_fields() -> Vec<(String, String)> {
    let script = read("scripts/field-spread.sh");
    let list = script
        .split_once("\nfields=(\n")
        .and_then(|(_, rest)| rest.split_once("\n)\n"))
        .map(|(list, _)| list)
        .expect("scripts/field-spread.sh has a fields=( ... ) list");
    list.lines()
        .map(|line| {
            let entry = line.trim().trim_matches('"');
            // name|raw word|pattern; the pattern holds `|` itself.
            let mut parts = entry.splitn(3, '|');
            let (Some(name), Some(_raw), Some(pattern)) = (parts.next(), parts.next(), parts.next()) else {
                panic!("not name|raw|pattern: {line:?}")
            };
            (name.to_string(), pattern.to_string())
        })
        .collect()
}

/// Issue 25, "a resource kind is a unit": each tracked field is spelled (its own identifiers, tests
/// included) in at most 10 files of `src/` and at most 4 folders: the kind's unit, the stack
/// file's model, and the gateway where `serve` emulates it. A new file that spells one (a
/// fixture writing a complete stack, say) belongs behind the unit's samples.
#[test]
fn every_tracked_field_is_spelled_in_at_most_ten_files_and_four_folders_of_src() {
    let fields = tracked_fields();
    assert!(fields.len() >= 5, "{fields:?}");
    let files: Vec<(String, String)> = rust_files("src")
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(repo().join(&p)).expect("readable");
            (p.to_string_lossy().replace('\\', "/"), text)
        })
        .collect();
    let mut over = Vec::new();
    for (name, pattern) in &fields {
        let re = regex_lite::Regex::new(&format!("(?i){pattern}")).expect("the script's pattern");
        let spelling: Vec<&str> = files
            .iter()
            .filter(|(_, text)| re.is_match(text))
            .map(|(path, _)| path.as_str())
            .collect();
        // The stack file's model holds every tracked field: a pattern that finds nothing cannot pass.
        assert!(
            spelling.contains(&"src/stack/model.rs"),
            "{name}: {pattern} {spelling:?}"
        );
        let folders: std::collections::BTreeSet<&str> = spelling
            .iter()
            .filter_map(|p| p.rsplit_once('/'))
            .map(|(dir, _)| dir)
            .collect();
        if spelling.len() > 10 || folders.len() > 4 {
            over.push(format!(
                "{name}: {} files in {} folders {folders:?}: {spelling:?}",
                spelling.len(),
                folders.len()
            ));
        }
    }
    assert!(
        over.is_empty(),
        "fields spelled beyond their unit, the model and the gateway (see `scripts/field-spread.sh -v`):\n{}",
        over.join("\n")
    );
}
