//! Step Functions' run-time rules for the parameters a route sends: what would make every request
//! fail although API Gateway accepts the integration.

use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::Sp;
use crate::stack::rules::{self, Mapping};

/// The largest execution input Step Functions takes, in UTF-8 bytes (botocore stepfunctions
/// `StartExecutionInput.input`, shape `SensitiveData`, max 262144).
pub const MAX_INPUT_BYTES: usize = 262_144;

/// Checks a parameter's value against what Step Functions does with it at run time.
pub(super) fn parameter(
    value: &Sp<String>,
    name: &str,
    action: &str,
    parsed: &Mapping,
    out: &mut Vec<Diagnostic>,
) {
    match (name, action) {
        ("Name", "StartExecution" | "StartSyncExecution") => execution_name(value, parsed, out),
        ("Input", "StartExecution" | "StartSyncExecution") => {
            if let Mapping::Static(text) = parsed
                && let Err(reason) = check_static_input(text)
            {
                out.push(
                    Diagnostic::error(value.span.clone(), "static `Input` that Step Functions refuses", reason)
                        .with_help("execution input is a JSON text, e.g. \"{}\"; to pass the request, map $request.body.input or $request.body"),
                );
            }
        }
        _ => {}
    }
}

/// A static `Name` fails every request after the first (names are unique per STANDARD machine for
/// 90 days), and a name Step Functions refuses fails all of them (botocore stepfunctions
/// `StartExecutionInput.name`: 1-80 characters, none of the banned ones). A composed name's static
/// text alone must already fit.
fn execution_name(value: &Sp<String>, parsed: &Mapping, out: &mut Vec<Diagnostic>) {
    let text = parsed.static_text();
    match parsed {
        Mapping::Static(_) => {
            if let Err(reason) = rules::check_step_functions_name(&text) {
                out.push(
                    Diagnostic::error(value.span.clone(), "execution `Name` that Step Functions refuses", reason)
                        .with_help("execution names are 1-80 characters without white space or < > { } [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /"),
                );
            } else {
                out.push(
                    Diagnostic::warning(
"static-execution-name",value.span.clone(), "static execution `Name`", "every execution after the first fails on a STANDARD machine")
                        .with_help("execution names are unique per machine for 90 days: map it from the request, e.g. ${context.requestId}, or leave it out"),
                );
            }
        }
        Mapping::Composed(_) => {
            let count = text.chars().count();
            let banned = text.chars().find(|c| rules::is_banned_in_name(*c));
            let reason = if count > 80 {
                Some(format!(
                    "its static text alone is {count} characters; a name is at most 80"
                ))
            } else {
                banned.map(|c| match c {
                    c if c.is_whitespace() => "its static text contains white space".to_string(),
                    c if c.is_control() => format!(
                        "its static text contains the control character U+{:04X}",
                        c as u32
                    ),
                    c => format!("its static text contains `{c}`"),
                })
            };
            if let Some(reason) = reason {
                out.push(
                    Diagnostic::error(value.span.clone(), "execution `Name` that Step Functions refuses", reason)
                        .with_help("execution names are 1-80 characters without white space or < > { } [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /; join variables with - or _"),
                );
            }
        }
        _ => {}
    }
}

/// Why Step Functions refuses a static execution input, if it does: it must be JSON text
/// (StartExecution `input`: "The string that contains the JSON input data") of at most
/// [`MAX_INPUT_BYTES`].
pub fn check_static_input(text: &str) -> Result<(), String> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "it is {} bytes; Step Functions takes at most {MAX_INPUT_BYTES} (256 KB)",
            text.len()
        ));
    }
    serde_json::from_str::<serde_json::Value>(text)
        .map(|_| ())
        .map_err(|_| {
            "it is not JSON: Step Functions answers InvalidExecutionInput on every request".to_string()
        })
}

/// A variable written without brackets inside static text is most likely meant to be substituted;
/// the guide's form for variables among text is `${...}`.
pub(super) fn unbracketed_variable(value: &Sp<String>, parsed: &Mapping, out: &mut Vec<Diagnostic>) {
    let text = parsed.static_text();
    let found = ["$request.", "$context.", "$stageVariables."]
        .iter()
        .find_map(|prefix| text.find(prefix).map(|at| &text[at..]));
    if let Some(rest) = found {
        let variable: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "$._-".contains(*c))
            .collect();
        let inner = variable.trim_start_matches('$').trim_end_matches('.');
        out.push(
            Diagnostic::warning(
                "unbracketed-variable",
                value.span.clone(),
                "variable inside static text",
                format!("`{}` here is not in brackets", variable.trim_end_matches('.')),
            )
            .with_help(format!(
                "to mix text and variables, enclose each variable in brackets: ${{{inner}}}"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_input_must_be_json_within_256_kb() {
        assert!(check_static_input("{}").is_ok());
        assert!(check_static_input("{\"a\": [1, 2]}").is_ok());
        assert!(check_static_input("\"text\"").is_ok());
        assert!(check_static_input("hello").unwrap_err().contains("not JSON"));
        assert!(check_static_input("").unwrap_err().contains("not JSON"));
        let at_limit = format!("\"{}\"", "x".repeat(MAX_INPUT_BYTES - 2));
        assert!(check_static_input(&at_limit).is_ok());
        let over = format!("\"{}\"", "x".repeat(MAX_INPUT_BYTES - 1));
        assert!(check_static_input(&over).unwrap_err().contains("262145 bytes"));
    }
}
