//! The status route's helper: an EXPRESS state machine with one `aws-sdk:sfn:describeExecution`
//! task, which a route calls with StartSyncExecution because HTTP APIs have no DescribeExecution
//! integration ("Integration subtype reference"). Its role may describe the executions of one
//! machine only (`states:DescribeExecution` on `execution:MACHINE:*`, the execution being the
//! action's IAM resource), so the route can never report another machine's executions. Pure.
//!
//! The helper answers `status` and `startDate`, and `stopDate`, `output` (parsed from its JSON
//! text), `error` and `cause` only when DescribeExecution returns them: a RUNNING execution has
//! no `output` ("DescribeExecution", API reference). AWS SDK integrations return the API's
//! fields in PascalCase ("AWS SDK service integrations").

use serde_json::{Value, json};

use crate::arn::StateMachineArn;
use crate::domain::RouteAction;
use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::{RouteSection, StackFile};
use crate::stack::rules::{self, Mapping};

/// True for a status route (`action = "DescribeExecution"`), served through the helper: HTTP
/// APIs have no DescribeExecution subtype ("Integration subtype reference"), so the route calls
/// StartSyncExecution on the helper.
pub fn is_status_route(route: &RouteSection) -> bool {
    route
        .action
        .as_ref()
        .is_some_and(|a| a.value == RouteAction::DescribeExecution.as_str())
}

/// The Step Functions name limit (botocore stepfunctions `Name`, 1-80).
const MAX_NAME: usize = 80;

/// The helper of the machine `described`: `DESCRIBED-status`, cut to Step Functions' 80
/// characters with a hash of the whole when longer, so two long names keep two helpers.
pub fn name(described: &str) -> String {
    let name = format!("{described}-status");
    if name.len() <= MAX_NAME {
        return name;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let kept: String = described.chars().take(MAX_NAME - 16).collect();
    format!("{kept}-{hash}-status")
}

/// Where the route takes the execution from: its ARN, or its name in the described machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Execution<'a> {
    /// `ExecutionArn = "..."`: a mapping that gives the whole ARN.
    Arn(&'a str),
    /// `Name = "..."`: a mapping that gives the execution's name, composed into the described
    /// machine's execution ARN (`arn:PARTITION:states:REGION:ACCOUNT:execution:MACHINE:NAME`).
    Name(&'a str),
}

/// The StartSyncExecution `Input` parameter the route sends the helper:
/// `{"executionArn": "..."}` with the route's mapping as a `${...}` variable in it ("To use
/// multiple variables in a selection expression, enclose the variable in brackets", "Transform
/// API requests and responses for HTTP APIs"). `described` is the machine's ARN, placeholders
/// allowed.
pub fn input(execution: &Execution<'_>, described: &StateMachineArn) -> String {
    let arn = match execution {
        Execution::Arn(value) => bracketed(value),
        Execution::Name(value) => {
            let prefix = described.executions();
            format!("{}{}", prefix.trim_end_matches('*'), bracketed(value))
        }
    };
    format!("{{\"executionArn\": \"{arn}\"}}")
}

/// A mapping as it can stand inside text: a bare `$request.path.x` becomes `${request.path.x}`;
/// static text is JSON-escaped; a composed value is already bracketed.
fn bracketed(value: &str) -> String {
    match rules::parse_mapping(value) {
        Ok(Mapping::Static(text)) => {
            let quoted = Value::String(text).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
        Ok(Mapping::Composed(_)) | Err(_) => value.to_string(),
        Ok(_) if value.starts_with("${") => value.to_string(),
        Ok(_) => format!("${{{}}}", value.trim_start_matches('$')),
    }
}

/// The optional fields, as DescribeExecution names them and as the helper answers them; `true`
/// for a field whose text is JSON to parse.
const OPTIONAL: &[(&str, &str, bool)] = &[
    ("StopDate", "stopDate", false),
    ("Output", "output", true),
    ("Error", "error", false),
    ("Cause", "cause", false),
];

/// Every mistake of the file's status routes (`action = "DescribeExecution"`): the machine they
/// describe must be a STANDARD `[[state_machine]]` of the stack (the helper's role is written for
/// it; "DescribeExecution", Step Functions API reference: "Executions of an EXPRESS state machine
/// aren't supported by DescribeExecution unless a Map Run dispatched them"), the execution comes from `ExecutionArn` or `Name` (one of them), and
/// neither an alias nor a helper name taken by a declared machine.
pub fn validate(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let mut helpers = std::collections::BTreeSet::new();
    for route in file.routes.iter().filter(|r| is_status_route(r)) {
        // One helper per described machine, however many routes describe it.
        let first = route
            .state_machine
            .as_ref()
            .is_some_and(|m| helpers.insert(m.value.as_str()));
        described(file, route, first, out);
        execution(route, out);
        if let Some(alias) = &route.alias {
            out.push(
                Diagnostic::error(
                    alias.span.clone(),
                    "a status route describes executions of the machine, not of an alias",
                    "DescribeExecution takes an execution ARN",
                )
                .with_help("remove `alias`: executions started through an alias belong to the machine"),
            );
        }
    }
}

/// The described machine: declared, STANDARD, and its helper's name free.
fn described(file: &StackFile, route: &RouteSection, first: bool, out: &mut Vec<Diagnostic>) {
    let Some(machine) = &route.state_machine else {
        return;
    };
    let declared = file
        .state_machines
        .iter()
        .find(|m| m.name.as_ref().is_some_and(|n| n.value == machine.value));
    let Some(declared) = declared else {
        out.push(
            Diagnostic::error(
                machine.span.clone(),
                "a status route describes a [[state_machine]] of this stack",
                match machine.value.starts_with("arn:") {
                    true => "an ARN: the stack does not own this machine".to_string(),
                    false => format!("no [[state_machine]] named `{}`", machine.value),
                },
            )
            .with_help(
                "declare the machine in a [[state_machine]] and name it here: the stack then owns the helper \
                 that describes its executions, with a role limited to them",
            ),
        );
        return;
    };
    if declared
        .kind
        .as_ref()
        .is_some_and(|k| k.value == crate::domain::MachineType::Express.as_str())
    {
        let span = route
            .action
            .as_ref()
            .map_or(machine.span.clone(), |a| a.span.clone());
        out.push(
            Diagnostic::error(
                span,
                "DescribeExecution does not describe EXPRESS executions",
                format!("state machine `{}` is EXPRESS", machine.value),
            )
            .with_help(
                "describe a STANDARD machine (\"DescribeExecution\", Step Functions API reference: executions of an \
                 EXPRESS state machine aren't supported); an EXPRESS run's result is in StartSyncExecution's answer",
            ),
        );
    }
    let helper = name(&machine.value);
    if first
        && let Some(taken) = file
            .state_machines
            .iter()
            .filter_map(|m| m.name.as_ref())
            .find(|n| n.value == helper)
    {
        out.push(
            Diagnostic::error(
                taken.span.clone(),
                format!("`{helper}` is the name of the status route's helper"),
                format!("the helper that describes `{}`'s executions", machine.value),
            )
            .with_help("rename this [[state_machine]]: the stack makes the helper under this name"),
        );
    }
}

/// The execution: by `ExecutionArn` or by `Name`, exactly one.
fn execution(route: &RouteSection, out: &mut Vec<Diagnostic>) {
    let given: Vec<_> = route
        .parameters
        .iter()
        .flatten()
        .filter(|(k, _)| k.value == "ExecutionArn" || k.value == "Name")
        .collect();
    let span = route
        .action
        .as_ref()
        .map_or(route.span.clone(), |a| a.span.clone());
    match given.as_slice() {
        [] => out.push(
            Diagnostic::error(
                span,
                "DescribeExecution needs `ExecutionArn` or `Name` in parameters",
                "no execution is mapped",
            )
            .with_help("add parameters = { ExecutionArn = \"$request.path.executionArn\" }, or Name = \"$request.path.name\" for an execution of this machine by name"),
        ),
        [_] => {}
        [_, (second, _), ..] => out.push(
            Diagnostic::error(
                second.span.clone(),
                "give `ExecutionArn` or `Name`, not both",
                "the execution is mapped twice",
            )
            .with_help("keep ExecutionArn for a whole ARN, or Name for an execution of this machine by name"),
        ),
    }
}

/// The helper's Amazon States Language definition. Its input is `{"executionArn": "..."}`.
///
/// JSONPath only (no JSONata), so it runs wherever Step Functions' JSONPath does: `Describe`
/// keeps the raw answer under `$.d`, `Base` starts the answer under `$.r`, and for each optional
/// field a Choice (`IsPresent`) leads to a Pass that picks it into `$.t` and one that merges it
/// into `$.r` (`States.JsonMerge`); `Answer` returns `$.r`.
///
/// The task's ARN is in the stack's partition ("AWS SDK service integrations":
/// `arn:aws:states:::aws-sdk:serviceName:apiAction`, `aws` being the partition): written with
/// [`rules::PARTITION_PLACEHOLDER`], which binding the stack to its region replaces (as it does
/// in the helper's other ARNs) and `synth` turns into `${AWS::Partition}`.
pub fn definition() -> Value {
    definition_in(rules::PARTITION_PLACEHOLDER)
}

/// [`definition`] with the task's ARN in `partition` (`aws`, `aws-cn`, ...).
pub fn definition_in(partition: &str) -> Value {
    let mut states = serde_json::Map::new();
    states.insert(
        "Describe".into(),
        json!({
            "Type": "Task",
            "Resource": format!("arn:{partition}:states:::aws-sdk:sfn:describeExecution"),
            "Parameters": {"ExecutionArn.$": "$.executionArn"},
            "ResultPath": "$.d",
            "Next": "Base"
        }),
    );
    let has = |i: usize| match OPTIONAL.get(i) {
        Some((aws, _, _)) => format!("Has{aws}"),
        None => "Answer".to_string(),
    };
    states.insert(
        "Base".into(),
        json!({
            "Type": "Pass",
            "Parameters": {
                "r": {"status.$": "$.d.Status", "startDate.$": "$.d.StartDate"},
                "d.$": "$.d"
            },
            "Next": has(0)
        }),
    );
    for (i, (aws, ours, parse)) in OPTIONAL.iter().enumerate() {
        let source = format!("$.d.{aws}");
        let picked = match parse {
            true => json!({ format!("{ours}.$"): format!("States.StringToJson({source})") }),
            false => json!({ format!("{ours}.$"): source }),
        };
        states.insert(
            has(i),
            json!({
                "Type": "Choice",
                "Choices": [{"Variable": source, "IsPresent": true, "Next": format!("Pick{aws}")}],
                "Default": has(i + 1)
            }),
        );
        states.insert(
            format!("Pick{aws}"),
            json!({"Type": "Pass", "Parameters": picked, "ResultPath": "$.t", "Next": format!("Add{aws}")}),
        );
        states.insert(
            format!("Add{aws}"),
            json!({
                "Type": "Pass",
                "Parameters": {"r.$": "States.JsonMerge($.r, $.t, false)", "d.$": "$.d"},
                "Next": has(i + 1)
            }),
        );
    }
    states.insert(
        "Answer".into(),
        json!({"Type": "Pass", "OutputPath": "$.r", "End": true}),
    );
    json!({
        "Comment": "provision status helper: DescribeExecution of one machine's executions",
        "StartAt": "Describe",
        "States": states
    })
}

/// The helper role's inline policy: DescribeExecution on `machine`'s executions, nothing else.
pub fn role_policy(machine: &StateMachineArn) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "states:DescribeExecution",
            "Resource": machine.executions()
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_is_reached_and_every_next_exists() {
        let d = definition();
        let states = d["States"].as_object().expect("states");
        let mut targets = vec![d["StartAt"].as_str().expect("start").to_string()];
        for state in states.values() {
            for key in ["Next", "Default"] {
                if let Some(next) = state[key].as_str() {
                    targets.push(next.to_string());
                }
            }
            for choice in state["Choices"].as_array().into_iter().flatten() {
                targets.push(choice["Next"].as_str().expect("choice next").to_string());
            }
        }
        for target in &targets {
            assert!(states.contains_key(target), "{target} is not a state");
        }
        for name in states.keys() {
            assert!(targets.contains(name), "{name} is never reached");
        }
        assert_eq!(states.values().filter(|s| s["End"] == true).count(), 1);
    }

    #[test]
    fn the_example_file_is_the_definition() {
        // examples/status-helper.asl.json is what users create the helper from until the stack
        // owns it; regenerate with the JSON below when the definition changes.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/status-helper.asl.json");
        let written: Value = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        assert_eq!(
            written,
            definition_in("aws"),
            "{path} is out of date; write this:\n{}",
            serde_json::to_string_pretty(&definition_in("aws")).unwrap_or_default()
        );
    }

    #[test]
    fn the_helper_is_named_for_its_machine_within_eighty_characters() {
        assert_eq!(name("user-onboarding"), "user-onboarding-status");
        let long = "m".repeat(80);
        let other = format!("{}n", "m".repeat(79));
        assert!(name(&long).len() <= 80 && name(&other).len() <= 80);
        assert_ne!(name(&long), name(&other));
        assert!(crate::arn::check_step_functions_name(&name(&long)).is_ok());
    }

    #[test]
    fn the_input_brackets_the_routes_mapping_into_json() {
        let machine = crate::stack::rules::named_machine("orders");
        assert_eq!(
            input(&Execution::Arn("$request.path.executionArn"), &machine),
            r#"{"executionArn": "${request.path.executionArn}"}"#
        );
        assert_eq!(
            input(&Execution::Arn("${request.querystring.arn}"), &machine),
            r#"{"executionArn": "${request.querystring.arn}"}"#
        );
        assert_eq!(
            input(&Execution::Name("$request.path.id"), &machine),
            r#"{"executionArn": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:orders:${request.path.id}"}"#
        );
        assert_eq!(
            input(&Execution::Name("order-${request.path.id}"), &machine),
            r#"{"executionArn": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:orders:order-${request.path.id}"}"#
        );
    }

    const STATUS_BASE: &str = r#"
[stack]
name = "s"
[api]
name = "a"
[role]
name = "r"
policy_name = "p"
[[state_machine]]
name = "orders"
definition = { StartAt = "A", States = { A = { Type = "Pass", End = true } } }
"#;

    /// The file's errors, as (message, label) pairs, definitions loaded.
    fn errors(routes: &str) -> Vec<(String, String)> {
        let (mut file, mut diags) = crate::stack::load::parse(&format!("{STATUS_BASE}{routes}"));
        crate::resource::state_machine::spec::load_definitions(&mut file, std::path::Path::new("."));
        diags.extend(crate::stack::validate::validate(&file));
        diags
            .into_iter()
            .filter(|d| d.severity == crate::stack::diagnostic::Severity::Error)
            .map(|d| (d.message, d.label))
            .collect()
    }

    const ROUTE: &str = "[[route]]\nkey = \"GET /status/{arn}\"\naction = \"DescribeExecution\"\n";

    /// The helper's task ARN once the stack is bound to its region: `arn:aws-cn:` in China,
    /// `arn:aws-us-gov:` in GovCloud, `arn:aws:` elsewhere (as its role's ARN).
    #[test]
    fn the_helpers_task_is_in_the_partition_of_the_stacks_region() {
        let source = format!(
            "{STATUS_BASE}{ROUTE}state_machine = \"orders\"\nparameters = {{ ExecutionArn = \"$request.path.arn\" }}\n"
        );
        let (mut file, diags) = crate::stack::load::parse(&source);
        assert!(diags.is_empty(), "{diags:?}");
        crate::resource::state_machine::spec::load_definitions(&mut file, std::path::Path::new("."));
        for (region, partition) in [
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("eu-west-1", "aws"),
        ] {
            let Some(desired) = crate::stack::desired::desired(&file) else {
                panic!("the file is complete")
            };
            let desired = desired.bind(&crate::stack::Binding {
                region: region.into(),
                account: Some("111122223333".into()),
            });
            let helper = &desired.state_machines[1];
            assert_eq!(helper.name, "orders-status");
            assert_eq!(
                helper.definition["States"]["Describe"]["Resource"],
                format!("arn:{partition}:states:::aws-sdk:sfn:describeExecution")
            );
            assert_eq!(helper.definition, definition_in(partition));
            assert!(helper.role.arn().starts_with(&format!("arn:{partition}:iam::")));
        }
    }

    #[test]
    fn a_status_route_on_a_declared_standard_machine_is_accepted_by_arn_or_by_name() {
        for parameters in [
            "parameters = { ExecutionArn = \"$request.path.arn\" }",
            "parameters = { Name = \"$request.path.arn\" }",
            "parameters = { ExecutionArn = \"arn:aws:states:eu-west-1:111122223333:execution:orders:${request.path.arn}\" }",
        ] {
            let found = errors(&format!("{ROUTE}state_machine = \"orders\"\n{parameters}\n"));
            assert!(found.is_empty(), "{parameters}: {found:?}");
        }
    }

    #[test]
    fn describe_execution_on_an_express_machine_is_refused() {
        // "DescribeExecution", Step Functions API reference: "Executions of an EXPRESS state machine
        // aren't supported by DescribeExecution unless a Map Run dispatched them".
        let source = format!(
            "{ROUTE}state_machine = \"fast\"\nparameters = {{ ExecutionArn = \"$request.path.arn\" }}\n\
             [[state_machine]]\nname = \"fast\"\ntype = \"EXPRESS\"\n\
             definition = {{ StartAt = \"A\", States = {{ A = {{ Type = \"Pass\", End = true }} }} }}\n"
        );
        let found = errors(&source);
        assert_eq!(
            found,
            vec![(
                "DescribeExecution does not describe EXPRESS executions".to_string(),
                "state machine `fast` is EXPRESS".to_string()
            )]
        );
    }

    #[test]
    fn status_route_mistakes_are_each_refused() {
        let cases = [
            (
                "state_machine = \"payroll\"\nparameters = { ExecutionArn = \"$request.path.arn\" }",
                "a status route describes a [[state_machine]] of this stack",
            ),
            (
                "state_machine = \"arn:aws:states:eu-west-1:111122223333:stateMachine:orders\"\nparameters = { ExecutionArn = \"$request.path.arn\" }",
                "a status route describes a [[state_machine]] of this stack",
            ),
            (
                "state_machine = \"orders\"",
                "DescribeExecution needs `ExecutionArn` or `Name` in parameters",
            ),
            (
                "state_machine = \"orders\"\nparameters = { ExecutionArn = \"$request.path.arn\", Name = \"$request.path.arn\" }",
                "give `ExecutionArn` or `Name`, not both",
            ),
            (
                "state_machine = \"orders\"\nparameters = { ExecutionArn = \"$request.path.arn\" }\nalias = \"live\"",
                "a status route describes executions of the machine, not of an alias",
            ),
            (
                "state_machine = \"orders\"\nparameters = { ExecutionArn = \"$request.path.arn\", Region = \"eu-west-1\" }",
                "`Region` is not a parameter of DescribeExecution",
            ),
        ];
        for (route, expected) in cases {
            let found = errors(&format!("{ROUTE}{route}\n"));
            assert!(found.iter().any(|(m, _)| m == expected), "{route}: {found:?}");
        }
    }

    #[test]
    fn a_machine_named_as_the_helper_is_refused() {
        let source = format!(
            "{ROUTE}state_machine = \"orders\"\nparameters = {{ ExecutionArn = \"$request.path.arn\" }}\n\
             [[state_machine]]\nname = \"orders-status\"\n\
             definition = {{ StartAt = \"A\", States = {{ A = {{ Type = \"Pass\", End = true }} }} }}\n"
        );
        let found = errors(&source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].0,
            "`orders-status` is the name of the status route's helper"
        );
    }

    #[test]
    fn the_role_may_describe_the_machines_executions_only() {
        let machine = crate::arn::parse_state_machine_arn(
            "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding",
        )
        .expect("arn");
        assert_eq!(
            role_policy(&machine)["Statement"][0]["Resource"],
            "arn:aws:states:ap-southeast-2:189107071895:execution:user-onboarding:*"
        );
    }
}
