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

/// The optional fields, as DescribeExecution names them and as the helper answers them; `true`
/// for a field whose text is JSON to parse.
const OPTIONAL: &[(&str, &str, bool)] = &[
    ("StopDate", "stopDate", false),
    ("Output", "output", true),
    ("Error", "error", false),
    ("Cause", "cause", false),
];

/// The helper's Amazon States Language definition. Its input is `{"executionArn": "..."}`.
///
/// JSONPath only (no JSONata), so it runs wherever Step Functions' JSONPath does: `Describe`
/// keeps the raw answer under `$.d`, `Base` starts the answer under `$.r`, and for each optional
/// field a Choice (`IsPresent`) leads to a Pass that picks it into `$.t` and one that merges it
/// into `$.r` (`States.JsonMerge`); `Answer` returns `$.r`.
pub fn definition() -> Value {
    let mut states = serde_json::Map::new();
    states.insert(
        "Describe".into(),
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
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
            definition(),
            "{path} is out of date; write this:\n{}",
            serde_json::to_string_pretty(&definition()).unwrap_or_default()
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
