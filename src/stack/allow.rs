//! Acknowledged warnings: `allow = ["NAME", ...]` in `[stack]` silences a warning for the whole
//! file, in a `[[route]]` for that route only (like clippy's `#[allow]`). Every warning shows its
//! name; an unknown name in `allow` is an error.

use super::diagnostic::{Diagnostic, WARNINGS, did_you_mean};
use super::model::{Sp, StackFile};

/// Removes the warnings that `file` allows, and adds an error for each unknown name.
pub fn apply(file: &StackFile, diagnostics: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = WARNINGS.iter().map(|(name, _)| *name).collect();
    let lists = file
        .stack
        .allow
        .iter()
        .chain(file.routes.iter().filter_map(|r| r.allow.as_ref()));
    for entry in lists.flatten() {
        if !names.contains(&entry.value.as_str()) {
            diagnostics.push(unknown(entry, &names));
        }
    }
    let whole: Vec<&str> = allowed(file.stack.allow.as_ref());
    diagnostics.retain(|d| {
        let Some(code) = d.code.filter(|_| !d.is_error()) else {
            return true;
        };
        if whole.contains(&code) {
            return false;
        }
        let at = d.span.as_ref().map_or(usize::MAX, |s| s.start);
        !route_at(file, at).is_some_and(|r| allowed(r.allow.as_ref()).contains(&code))
    });
}

/// The `[[route]]` table that holds byte `at`: the last table to start at or before it, when
/// that table is a route (a table's span may cover only its header, so starts are compared).
fn route_at(file: &StackFile, at: usize) -> Option<&super::model::RouteSection> {
    let mut starts: Vec<(usize, Option<usize>)> = vec![
        (file.stack.span.start, None),
        (file.api.span.start, None),
        (file.role.span.start, None),
    ];
    starts.extend(file.authorizers.iter().map(|a| (a.span.start, None)));
    starts.extend(file.stage.iter().map(|s| (s.span.start, None)));
    starts.extend(file.tags_span.iter().map(|s| (s.start, None)));
    if let Some(cors) = &file.api.cors {
        starts.push((cors.span.start, None));
    }
    starts.extend(
        file.routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.span.start, Some(i))),
    );
    starts
        .into_iter()
        .filter(|(start, _)| *start <= at)
        .max_by_key(|(start, _)| *start)
        .and_then(|(_, route)| route)
        .map(|i| &file.routes[i])
}

fn allowed(list: Option<&Vec<Sp<String>>>) -> Vec<&str> {
    list.map(|l| l.iter().map(|s| s.value.as_str()).collect())
        .unwrap_or_default()
}

fn unknown(entry: &Sp<String>, names: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(
        entry.span.clone(),
        format!("unknown warning `{}` in allow", entry.value),
        "not a warning provision gives",
    );
    match did_you_mean(&entry.value, names) {
        Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
        None => d.with_help(format!("the warnings are: {}", names.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use crate::stack::from_source;

    const OPEN: &str = r#"
[stack]
name = "s"
region = "ap-southeast-2"
ALLOW_STACK
[api]
name = "a"
[role]
name = "r"
policy_name = "p"
[[route]]
key = "POST /a"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:123456789012:stateMachine:m"
ALLOW_A
[[route]]
key = "POST /b"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:123456789012:stateMachine:m"
"#;

    /// [`OPEN`] with a throttled stage (the stage unit writes the table), so that the only
    /// warnings are the routes' `no-authorization`.
    fn open() -> String {
        format!(
            "{OPEN}{}",
            crate::resource::stage::spec::samples::throttled_table(1, 1.0)
        )
    }

    fn warnings(stack: &str, route_a: &str) -> Vec<(Option<&'static str>, String)> {
        let text = open().replace("ALLOW_STACK", stack).replace("ALLOW_A", route_a);
        from_source(&text)
            .diagnostics
            .into_iter()
            .map(|d| (d.code, d.message))
            .collect()
    }

    #[test]
    fn a_route_allow_silences_that_route_only_and_a_stack_allow_all() {
        let all = warnings("", "");
        assert_eq!(
            all.iter().filter(|(c, _)| *c == Some("no-authorization")).count(),
            2,
            "{all:?}"
        );
        let one = warnings("", "allow = [\"no-authorization\"]");
        assert_eq!(one.len(), 1, "{one:?}");
        assert!(one[0].1.contains("POST /b"), "{one:?}");
        assert!(warnings("allow = [\"no-authorization\"]", "").is_empty());
    }

    #[test]
    fn an_unknown_name_is_an_error_with_a_did_you_mean() {
        let loaded = from_source(
            &open()
                .replace("ALLOW_STACK", "allow = [\"no-authorisation\"]")
                .replace("ALLOW_A", ""),
        );
        let error = loaded
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map(|d| (d.message.clone(), d.help.clone()));
        assert_eq!(
            error,
            Some((
                "unknown warning `no-authorisation` in allow".to_string(),
                Some("did you mean \"no-authorization\"?".to_string())
            ))
        );
    }
}
