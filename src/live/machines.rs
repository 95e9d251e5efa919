//! Live checks of the routes' state machines, run before any change.

use std::collections::BTreeMap;

use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineError;

use crate::aws::Clients;
use crate::error::AwsError;
use crate::stack::Desired;

/// The type each action needs, if it needs one.
fn required_type(action: &str) -> Option<&'static str> {
    match action {
        "StartSyncExecution" => Some("EXPRESS"),
        "StopExecution" => Some("STANDARD"),
        _ => None,
    }
}

/// Describes each route's state machine once and returns one message per problem: a machine
/// that does not exist, or one of the wrong type for its route's action.
pub async fn check_state_machines(clients: &Clients, desired: &Desired) -> Result<Vec<String>, AwsError> {
    let mut machines: Vec<&str> = desired.routes.iter().map(|r| r.state_machine.as_str()).collect();
    machines.sort_unstable();
    machines.dedup();
    let mut pending = tokio::task::JoinSet::new();
    for (i, arn) in machines.iter().enumerate() {
        let sfn = clients.sfn.clone();
        let arn = arn.to_string();
        pending.spawn(async move {
            (
                i,
                sfn.describe_state_machine().state_machine_arn(&arn).send().await,
            )
        });
    }
    let mut types: BTreeMap<&str, Option<String>> = BTreeMap::new();
    while let Some(joined) = pending.join_next().await {
        let (i, answer) = joined.map_err(|e| {
            AwsError::invalid(
                "DescribeStateMachine",
                "the routes' state machines",
                e.to_string(),
            )
        })?;
        let arn = machines[i];
        let found = match answer {
            Ok(out) => Some(out.r#type().as_str().to_string()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(DescribeStateMachineError::is_state_machine_does_not_exist) =>
            {
                None
            }
            Err(e) => return Err(AwsError::new("DescribeStateMachine", arn, e)),
        };
        types.insert(arn, found);
    }
    let missing: Vec<&str> = types
        .iter()
        .filter(|(_, t)| t.is_none())
        .map(|(a, _)| *a)
        .collect();
    let explained = super::mismatch::explain_not_found(clients, &missing).await;
    let mut problems = Vec::new();
    for route in &desired.routes {
        let arn = route.state_machine.as_str();
        let action = route.integration.action();
        match types.get(arn) {
            Some(None) => problems.push(format!(
                "route {}: state machine {arn} does not exist (DescribeStateMachine){}",
                route.key,
                explained
                    .iter()
                    .find(|(a, _)| a == arn)
                    .map_or_else(String::new, |(_, why)| format!(": {why}"))
            )),
            Some(Some(found)) => {
                if let Some(needed) = required_type(action)
                    && found != needed
                {
                    problems.push(format!(
                        "route {}: {action} needs a {needed} state machine, but {arn} is {found}",
                        route.key
                    ));
                }
            }
            None => {}
        }
    }
    Ok(problems)
}
