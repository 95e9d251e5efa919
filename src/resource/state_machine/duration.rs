//! Whether a definition can run longer than a synchronous route may wait: an HTTP API's
//! integration gives up after 30 s ("Quotas for configuring and running an HTTP API in API
//! Gateway": maximum integration timeout 30 seconds, not raisable), while an EXPRESS execution
//! may run five minutes. Pure.
//!
//! What makes a run long, as the Amazon States Language defines it: Wait states (`Seconds`, or a
//! time read at run time with `SecondsPath`, `Timestamp`, `TimestampPath`), and Task states given
//! a `TimeoutSeconds` over the bound or a heartbeat (`HeartbeatSeconds`: a task that waits for a
//! worker), in every branch of a Parallel state and every iteration of a Map state. A machine
//! `TimeoutSeconds` within the bound caps all of it. A Task without either runs as long as the
//! service it calls takes to answer; request-response calls are not counted as long.

use serde_json::Value;

/// API Gateway's integration timeout for HTTP APIs, in seconds.
pub const INTEGRATION_TIMEOUT_SECS: u64 = 30;

/// Why the definition can outlast `INTEGRATION_TIMEOUT_SECS`, one sentence each in the order of
/// the states; empty when it cannot (or its own `TimeoutSeconds` stops it first).
pub fn longer_than_the_integration(definition: &Value) -> Vec<String> {
    if definition["TimeoutSeconds"]
        .as_u64()
        .is_some_and(|t| t <= INTEGRATION_TIMEOUT_SECS)
    {
        return Vec::new();
    }
    let mut found = Found::default();
    found.machine(definition);
    if found.waited > INTEGRATION_TIMEOUT_SECS && found.reasons.is_empty() {
        found
            .reasons
            .push(format!("its Wait states wait {} s in all", found.waited));
    }
    found.reasons
}

#[derive(Default)]
struct Found {
    reasons: Vec<String>,
    /// Seconds of the short static Wait states, added up.
    waited: u64,
}

impl Found {
    /// A `{StartAt, States}` machine or branch.
    fn machine(&mut self, machine: &Value) {
        let Some(states) = machine["States"].as_object() else {
            return;
        };
        for (name, state) in states {
            match state["Type"].as_str() {
                Some("Wait") => self.wait(name, state),
                Some("Task") => self.task(name, state),
                Some("Parallel") => {
                    for branch in state["Branches"].as_array().into_iter().flatten() {
                        self.machine(branch);
                    }
                }
                Some("Map") => {
                    for key in ["ItemProcessor", "Iterator"] {
                        self.machine(&state[key]);
                    }
                }
                _ => {}
            }
        }
    }

    fn wait(&mut self, name: &str, state: &Value) {
        match state["Seconds"].as_u64() {
            Some(s) if s > INTEGRATION_TIMEOUT_SECS => {
                self.reasons.push(format!("Wait state `{name}` waits {s} s"));
            }
            Some(s) => self.waited += s,
            // A JSONata expression, or a time or number read from the state's input.
            None => self
                .reasons
                .push(format!("Wait state `{name}` waits for a time read at run time")),
        }
    }

    fn task(&mut self, name: &str, state: &Value) {
        match (state.get("TimeoutSeconds"), state.get("TimeoutSecondsPath")) {
            (Some(t), _) if t.as_u64().is_none_or(|t| t > INTEGRATION_TIMEOUT_SECS) => {
                self.reasons
                    .push(format!("Task `{name}` may run {t} s (TimeoutSeconds)"));
            }
            (_, Some(_)) => self
                .reasons
                .push(format!("Task `{name}` reads its TimeoutSeconds at run time")),
            _ => {}
        }
        if state.get("HeartbeatSeconds").is_some() || state.get("HeartbeatSecondsPath").is_some() {
            self.reasons
                .push(format!("Task `{name}` has a heartbeat: it waits for a worker"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn machine(states: Value) -> Value {
        json!({"StartAt": "A", "States": states})
    }

    #[test]
    fn quick_request_response_tasks_and_short_waits_fit_in_the_integration_timeout() {
        let d = machine(json!({
            "A": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Next": "B"},
            "B": {"Type": "Wait", "Seconds": 5, "Next": "C"},
            "C": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 10, "End": true}
        }));
        assert_eq!(longer_than_the_integration(&d), Vec::<String>::new());
    }

    #[test]
    fn waits_task_timeouts_and_heartbeats_can_outlast_it_in_branches_and_maps_too() {
        let d = machine(json!({
            "A": {"Type": "Wait", "Seconds": 60, "Next": "B"},
            "B": {"Type": "Parallel", "Next": "C", "Branches": [{"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 120, "End": true}}}]},
            "C": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "H", "States": {
                "H": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:111122223333:activity:a", "HeartbeatSeconds": 10, "End": true},
                "W": {"Type": "Wait", "TimestampPath": "$.at", "End": true}}}}
        }));
        assert_eq!(
            longer_than_the_integration(&d),
            [
                "Wait state `A` waits 60 s",
                "Task `T` may run 120 s (TimeoutSeconds)",
                "Task `H` has a heartbeat: it waits for a worker",
                "Wait state `W` waits for a time read at run time",
            ]
        );
    }

    #[test]
    fn short_waits_count_together() {
        let d = machine(json!({
            "A": {"Type": "Wait", "Seconds": 20, "Next": "B"},
            "B": {"Type": "Wait", "Seconds": 20, "End": true}
        }));
        assert_eq!(
            longer_than_the_integration(&d),
            ["its Wait states wait 40 s in all"]
        );
    }

    #[test]
    fn a_machine_timeout_within_the_bound_caps_everything() {
        let mut d = machine(json!({"A": {"Type": "Wait", "Seconds": 600, "End": true}}));
        d["TimeoutSeconds"] = json!(29);
        assert!(longer_than_the_integration(&d).is_empty());
        d["TimeoutSeconds"] = json!(31);
        assert_eq!(longer_than_the_integration(&d).len(), 1);
    }
}
