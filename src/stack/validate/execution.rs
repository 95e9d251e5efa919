//! Step Functions' run-time rules for the parameters a route sends: what would make every request
//! fail although API Gateway accepts the integration.

use crate::arn::Partition;
use crate::domain::Action;
use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::{RouteSection, Sp, StackFile};
use crate::stack::rules::{self, Mapping};

/// StopExecution's `error` (botocore stepfunctions `StopExecutionInput.error`, shape
/// `SensitiveError`, 0-256). Its `cause` (`SensitiveCause`, 0-32768) is longer than any
/// request parameter value (1-512), so only the error can be over.
pub const MAX_STOP_ERROR: usize = 256;
/// StartExecution's and StartSyncExecution's `traceHeader` (botocore stepfunctions shape
/// `TraceHeader`: 0-256, pattern `\p{ASCII}*`).
pub const MAX_TRACE_HEADER: usize = 256;

/// The largest execution input Step Functions takes, in UTF-8 bytes (botocore stepfunctions
/// `StartExecutionInput.input`, shape `SensitiveData`, max 262144).
pub const MAX_INPUT_BYTES: usize = 262_144;

/// Checks a parameter's value against what Step Functions does with it at run time.
pub(super) fn parameter(
    value: &Sp<String>,
    name: &str,
    action: Action,
    parsed: &Mapping,
    out: &mut Vec<Diagnostic>,
) {
    match (name, action) {
        ("Name", Action::StartExecution | Action::StartSyncExecution) => execution_name(value, parsed, out),
        ("Error", Action::StopExecution) => {
            if let Mapping::Static(text) = parsed
                && text.chars().count() > MAX_STOP_ERROR
            {
                out.push(
                    Diagnostic::error(
                        value.span.clone(),
                        "static `Error` that Step Functions refuses",
                        format!(
                            "StopExecution's error is at most {MAX_STOP_ERROR} characters; this one has {}",
                            text.chars().count()
                        ),
                    )
                    .with_help("an error code is short, e.g. \"Cancelled\"; put the explanation in `Cause`"),
                );
            }
        }
        ("TraceHeader", _) => {
            if let Mapping::Static(text) = parsed
                && let Err(reason) = check_trace_header(text)
            {
                out.push(
                    Diagnostic::error(
                        value.span.clone(),
                        "static `TraceHeader` that Step Functions refuses",
                        reason,
                    )
                    .with_help(
                        "a trace header is an X-Ray header such as Root=1-5759e988-bd862e3fe1be46a994272793",
                    ),
                );
            }
        }
        ("Input", Action::StartExecution | Action::StartSyncExecution) => {
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

/// Why Step Functions refuses a static trace header, if it does: at most [`MAX_TRACE_HEADER`]
/// characters, all ASCII.
pub fn check_trace_header(text: &str) -> Result<(), String> {
    if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        return Err(format!("it contains `{c}`, which is not ASCII"));
    }
    if text.len() > MAX_TRACE_HEADER {
        return Err(format!(
            "it is {} characters; a trace header is at most {MAX_TRACE_HEADER}",
            text.len()
        ));
    }
    Ok(())
}

/// A static `Region` parameter: the Step Functions call goes to that region, which must be a
/// region (botocore `partitions.json`) of the stack's partition, since an API cannot call across
/// partitions; a region other than the machine's is most likely a mistake (the machine is not
/// there), so it is a warning.
pub(super) fn region(file: &StackFile, route: &RouteSection, out: &mut Vec<Diagnostic>) {
    let Some((_, value)) = route
        .parameters
        .iter()
        .flatten()
        .find(|(k, _)| k.value == "Region")
    else {
        return;
    };
    let Ok(Mapping::Static(text)) = rules::parse_mapping(&value.value) else {
        return;
    };
    let Some(partition) = Partition::of(&text) else {
        out.push(
            Diagnostic::error(
                value.span.clone(),
                "static `Region` that is not a region",
                format!("`{text}` is no region of any AWS partition"),
            )
            .with_help(
                "write a region code such as eu-west-1, or leave `Region` out to call the API's own region",
            ),
        );
        return;
    };
    let stack_partition = file.stack.region.as_ref().and_then(|r| Partition::of(&r.value));
    if let Some(stack_partition) = stack_partition
        && stack_partition.id != partition.id
    {
        out.push(
            Diagnostic::error(value.span.clone(), "`Region` in another partition", format!(
                "{text} is in `{}`, the stack's region in `{}`: API Gateway cannot call across partitions",
                partition.id, stack_partition.id
            ))
            .with_help("name a region of the stack's partition"),
        );
        return;
    }
    let machine_region = route
        .state_machine
        .as_ref()
        .and_then(|m| crate::arn::parse_state_machine_arn(&m.value).ok())
        .map(|m| m.region);
    if let Some(machine_region) = machine_region
        && machine_region != text
    {
        out.push(
            Diagnostic::warning(
                "region-not-the-machines",
                value.span.clone(),
                "`Region` is not the state machine's",
                format!("Step Functions is called in {text}, the machine is in {machine_region}"),
            )
            .with_help(format!(
                "set Region = \"{machine_region}\", or leave it out for the API's region"
            )),
        );
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
            if let Err(reason) = crate::arn::check_step_functions_name(&text) {
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
            let banned = text.chars().find(|c| crate::arn::is_banned_in_name(*c));
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
    fn trace_headers_are_ascii_within_256() {
        assert!(check_trace_header("Root=1-5759e988-bd862e3fe1be46a994272793").is_ok());
        assert!(check_trace_header(&"a".repeat(256)).is_ok());
        assert!(check_trace_header(&"a".repeat(257)).unwrap_err().contains("257"));
        assert!(check_trace_header("Root=é").unwrap_err().contains("not ASCII"));
    }

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
