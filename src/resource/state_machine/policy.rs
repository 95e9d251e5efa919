//! The execution role a stack generates for a state machine: trusted by `states.amazonaws.com`
//! (with the confused-deputy conditions) and allowed exactly what the definition calls, resource
//! by resource. Pure: no AWS.
//!
//! Sources, per integration, are the Step Functions developer guide's "IAM policies for
//! integrated services" pages ("How Step Functions generates IAM policies for integrated
//! services" and the page of each service); logging and tracing from "IAM policies for logging
//! to CloudWatch Logs" and "IAM policies for using AWS X-Ray in Step Functions"; the trust
//! conditions from "Creating an IAM role for your state machine" (cross-service confused deputy
//! prevention).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::arn::{Arn, FunctionArn};

use crate::stack::rules::{
    ACCOUNT_PLACEHOLDER as ACCOUNT, PARTITION_PLACEHOLDER as PARTITION, REGION_PLACEHOLDER as REGION,
};

/// What the definition needs: the policy and a warning for each resource that is only known at
/// run time (the grant is then as narrow as what is static).
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// The inline policy document, normalised; `None` when the machine needs no permission
    /// (only Pass, Wait, Choice, Succeed, Fail or activity states, no logging, no tracing). The
    /// role then gets no inline policy at all: "The Statement element is the main element for a
    /// policy. This element is required." (IAM User Guide, "IAM JSON policy elements:
    /// Statement"), and IAM answers MalformedPolicyDocument to `"Statement": []`.
    pub policy: Option<Value>,
    /// (state, field, what was granted instead).
    pub warnings: Vec<String>,
}

/// The trust policy of a generated execution role: Step Functions, acting for this account and
/// this machine only (`aws:SourceAccount`, `aws:SourceArn`), as the guide recommends.
pub fn trust(machine_arn_pattern: &str) -> Value {
    crate::policy::normalize(&json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": machine_arn_pattern}
            }
        }]
    }))
}

/// Collected grants: action to resources.
#[derive(Default)]
struct Grants {
    by_action: BTreeMap<String, BTreeSet<String>>,
    warnings: Vec<String>,
}

impl Grants {
    fn allow(&mut self, action: &str, resource: impl Into<String>) {
        self.by_action
            .entry(action.to_string())
            .or_default()
            .insert(resource.into());
    }

    fn warn(&mut self, state: &str, field: &str, granted: &str) {
        self.warnings.push(format!(
            "state \"{state}\": `{field}` is read from the input at run time, so the role allows {granted}"
        ));
    }
}

/// The policy a machine with this (substituted) definition, logging and tracing needs.
pub fn derive(definition: &Value, logging: bool, tracing: bool) -> Derived {
    let mut grants = Grants::default();
    walk(definition, &mut grants);
    if logging {
        // "IAM policies for logging to CloudWatch Logs": the log-delivery actions do not
        // support resource-level permissions, so they are granted on `*`.
        for action in [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
        ] {
            grants.allow(action, "*");
        }
    }
    if tracing {
        // "IAM policies for using AWS X-Ray in Step Functions".
        for action in [
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
        ] {
            grants.allow(action, "*");
        }
    }
    // Actions with the same resources share a statement.
    let mut statements: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (action, resources) in grants.by_action {
        statements
            .entry(resources.into_iter().collect())
            .or_default()
            .push(action);
    }
    let statements: Vec<Value> = statements
        .into_iter()
        .map(|(resources, actions)| json!({"Effect": "Allow", "Action": actions, "Resource": resources}))
        .collect();
    Derived {
        policy: (!statements.is_empty())
            .then(|| crate::policy::normalize(&json!({"Version": "2012-10-17", "Statement": statements}))),
        warnings: grants.warnings,
    }
}

/// Every state of a `{StartAt, States}` scope, into Parallel branches and Map processors.
fn walk(machine: &Value, grants: &mut Grants) {
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        if let Some(resource) = state.get("Resource").and_then(Value::as_str) {
            let parameters = state
                .get("Parameters")
                .or_else(|| state.get("Arguments"))
                .cloned()
                .unwrap_or(Value::Null);
            task(name, resource, &parameters, grants);
        }
        for branch in state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(branch, grants);
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(inner) = state.get(key) {
                walk(inner, grants);
            }
        }
    }
}

/// A static parameter value, or `None` when it is a `.$` path (read at run time) or absent.
fn static_field<'a>(parameters: &'a Value, field: &str) -> Field<'a> {
    match (
        parameters.get(field).and_then(Value::as_str),
        parameters.get(format!("{field}.$")),
    ) {
        (Some(v), _) => Field::Static(v),
        (None, Some(_)) => Field::Dynamic,
        (None, None) => Field::Absent,
    }
}

enum Field<'a> {
    Static(&'a str),
    Dynamic,
    Absent,
}

/// One Task state's `Resource`.
fn task(state: &str, resource: &str, parameters: &Value, grants: &mut Grants) {
    let Ok(arn) = resource.parse::<Arn>() else {
        return;
    };
    match arn.service.as_str() {
        // arn:PARTITION:states:::SERVICE:ACTION[.PATTERN], a service integration (Step Functions
        // guide, "Integrating services with Step Functions": the integration's resource ARN).
        "states" if arn.region.is_empty() && arn.account.is_empty() => {
            integration(state, &arn.resource, parameters, grants);
        }
        // A Lambda function ARN as the resource (the legacy form).
        "lambda" => grants.allow("lambda:InvokeFunction", resource),
        // An activity: workers poll it; the machine needs no permission.
        _ => {}
    }
}

/// The ARN of `resource` of `service` in the stack's partition, region and account (placeholders
/// until they are known).
fn here(service: &str, resource: &str) -> String {
    Arn::new(PARTITION, service, REGION, ACCOUNT, resource).to_string()
}

/// `SERVICE:ACTION[.sync|.sync:2|.waitForTaskToken]` of an integration.
fn integration(state: &str, spec: &str, parameters: &Value, grants: &mut Grants) {
    let (call, pattern) = match spec.find('.') {
        Some(i) => (&spec[..i], &spec[i + 1..]),
        None => (spec, ""),
    };
    let sync = pattern.starts_with("sync");
    if let Some(sdk) = call.strip_prefix("aws-sdk:") {
        aws_sdk(state, sdk, grants);
        return;
    }
    match call {
        "lambda:invoke" => lambda(state, parameters, grants),
        "dynamodb:getItem" | "dynamodb:putItem" | "dynamodb:updateItem" | "dynamodb:deleteItem" => {
            let action = format!("dynamodb:{}", upper_first(call.trim_start_matches("dynamodb:")));
            match static_field(parameters, "TableName") {
                Field::Static(t) if t.starts_with("arn:") => grants.allow(&action, t),
                Field::Static(t) => grants.allow(&action, here("dynamodb", &format!("table/{t}"))),
                _ => {
                    let all = here("dynamodb", "table/*");
                    grants.warn(state, "TableName", &format!("{action} on every table ({all})"));
                    grants.allow(&action, all);
                }
            }
        }
        "sqs:sendMessage" => match static_field(parameters, "QueueUrl") {
            Field::Static(url) => grants.allow("sqs:SendMessage", queue_arn(url)),
            _ => {
                let all = here("sqs", "*");
                grants.warn(
                    state,
                    "QueueUrl",
                    &format!("sqs:SendMessage on every queue ({all})"),
                );
                grants.allow("sqs:SendMessage", all);
            }
        },
        "sns:publish" => match (
            static_field(parameters, "TopicArn"),
            static_field(parameters, "TargetArn"),
        ) {
            (Field::Static(arn), _) | (_, Field::Static(arn)) => grants.allow("sns:Publish", arn),
            _ => {
                let all = here("sns", "*");
                grants.warn(state, "TopicArn", &format!("sns:Publish on every topic ({all})"));
                grants.allow("sns:Publish", all);
            }
        },
        "events:putEvents" => event_buses(state, parameters, grants),
        "states:startExecution" => start_execution(state, parameters, sync, grants),
        other => {
            // An optimized integration this tool does not derive resources for: the action on
            // every resource, said plainly.
            let (service, action) = other.split_once(':').unwrap_or((other, ""));
            let action = format!("{service}:{}", upper_first(action));
            grants.warnings.push(format!(
                "state \"{state}\": the resources of {spec} are not derived, so the role allows {action} on *"
            ));
            grants.allow(&action, "*");
        }
    }
}

/// `lambda:invoke`: the function and its versions and aliases (`:*`), as the guide's policy
/// ("IAM policies for AWS Lambda" in the Step Functions guide). `FunctionName` is any of the
/// forms Invoke takes ([`FunctionArn::from_function_name`]).
fn lambda(state: &str, parameters: &Value, grants: &mut Grants) {
    match static_field(parameters, "FunctionName") {
        Field::Static(name) => match FunctionArn::from_function_name(name, PARTITION, REGION, ACCOUNT) {
            // A qualified one (function:NAME:QUALIFIER) is granted as written.
            Some(function) => {
                grants.allow("lambda:InvokeFunction", function.to_string());
                if function.qualifier.is_none() {
                    grants.allow("lambda:InvokeFunction", function.qualifiers());
                }
            }
            // Not a function Lambda would find: granted as written, for IAM to judge.
            None => grants.allow("lambda:InvokeFunction", name),
        },
        _ => {
            let all = here("lambda", "function:*");
            grants.warn(
                state,
                "FunctionName",
                &format!("lambda:InvokeFunction on every function ({all})"),
            );
            grants.allow("lambda:InvokeFunction", all);
        }
    }
}

/// `events:putEvents`: each entry's bus (the account's `default` bus when none is named).
fn event_buses(state: &str, parameters: &Value, grants: &mut Grants) {
    let bus = |name: &str| {
        if name.starts_with("arn:") {
            name.to_string()
        } else {
            here("events", &format!("event-bus/{name}"))
        }
    };
    match parameters.get("Entries").and_then(Value::as_array) {
        Some(entries) => {
            for entry in entries {
                match static_field(entry, "EventBusName") {
                    Field::Static(name) => grants.allow("events:PutEvents", bus(name)),
                    Field::Absent => grants.allow("events:PutEvents", bus("default")),
                    Field::Dynamic => {
                        let all = bus("*");
                        grants.warn(
                            state,
                            "EventBusName",
                            &format!("events:PutEvents on every bus ({all})"),
                        );
                        grants.allow("events:PutEvents", all);
                    }
                }
            }
        }
        None => {
            let all = bus("*");
            grants.warn(
                state,
                "Entries",
                &format!("events:PutEvents on every bus ({all})"),
            );
            grants.allow("events:PutEvents", all);
        }
    }
}

/// `states:startExecution`, and for `.sync` the execution's describe/stop and the managed rule
/// Step Functions uses to learn that the child finished ("IAM policies for AWS Step Functions").
fn start_execution(state: &str, parameters: &Value, sync: bool, grants: &mut Grants) {
    let (machine, executions) = match static_field(parameters, "StateMachineArn") {
        Field::Static(arn) => {
            let parsed = crate::stack::rules::parse_state_machine_arn(arn).ok();
            let machine = parsed.as_ref().map_or_else(|| arn.to_string(), |m| m.machine());
            let executions = parsed.map_or_else(|| here("states", "execution:*"), |m| m.executions());
            (machine, executions)
        }
        _ => {
            let all = here("states", "stateMachine:*");
            grants.warn(
                state,
                "StateMachineArn",
                &format!("states:StartExecution on every machine ({all})"),
            );
            (all, here("states", "execution:*"))
        }
    };
    grants.allow("states:StartExecution", machine);
    if sync {
        grants.allow("states:DescribeExecution", executions.clone());
        grants.allow("states:StopExecution", executions);
        let rule = here(
            "events",
            "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule",
        );
        for action in ["events:PutTargets", "events:PutRule", "events:DescribeRule"] {
            grants.allow(action, rule.clone());
        }
    }
}

/// `aws-sdk:SERVICE:ACTION` → `SERVICE:Action` ("AWS SDK service integrations": the IAM action
/// is the API action; the resources are not derivable from the call in general).
fn aws_sdk(state: &str, sdk: &str, grants: &mut Grants) {
    let (service, action) = sdk.split_once(':').unwrap_or((sdk, ""));
    // The SDK's service name and the IAM prefix differ for a few services.
    let prefix = match service {
        "sfn" => "states",
        "cloudwatchlogs" => "logs",
        "elasticloadbalancingv2" => "elasticloadbalancing",
        other => other,
    };
    let action = format!("{prefix}:{}", upper_first(action));
    grants.warnings.push(format!(
        "state \"{state}\": an AWS SDK integration's resources are not derived, so the role allows {action} on *"
    ));
    grants.allow(&action, "*");
}

/// `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` → `arn:PARTITION:sqs:REGION:ACCOUNT:NAME`
/// (SQS developer guide, "Queue and message identifiers"). A URL of another host (a local
/// endpoint) keeps its account and name, the region the stack's. A URL that is a variable as a
/// whole (`${var.X}`, only in `synth`: `up` resolves variables first) ends up where the name
/// goes; `emit.rs` turns that into the parts of the template parameter.
pub fn queue_arn(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let mut segments = trimmed.rsplit('/');
    let name = segments.next().unwrap_or_default();
    let account = segments.next().unwrap_or(ACCOUNT);
    let host = trimmed
        .split("://")
        .nth(1)
        .unwrap_or(trimmed)
        .split('/')
        .next()
        .unwrap_or_default();
    let region = host
        .strip_prefix("sqs.")
        .and_then(|h| h.split('.').next())
        .filter(|r| crate::stack::rules::is_region(r));
    let partition = region.and_then(crate::arn::Partition::of).map(|p| p.id);
    Arn::new(
        partition.unwrap_or(PARTITION),
        "sqs",
        region.unwrap_or(REGION),
        account,
        name,
    )
    .to_string()
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The onboarding workflow (examples/onboarding.asl.json) with its table and queue substituted
    /// needs exactly PutItem on its table and SendMessage on its queue ("IAM policies for
    /// DynamoDB" and "IAM policies for Amazon SQS" in the Step Functions guide).
    #[test]
    fn onboarding_policy_is_exactly_put_item_and_send_message() {
        let text = include_str!("../../../examples/onboarding.asl.json");
        let definition: Value = serde_json::from_str(text).unwrap();
        let subs = BTreeMap::from([
            ("UsersTable".to_string(), "user-onboarding-users".to_string()),
            (
                "WelcomeQueueUrl".to_string(),
                "https://sqs.ap-southeast-2.amazonaws.com/189107071895/user-onboarding-welcome".to_string(),
            ),
        ]);
        let definition = super::super::definition::substitute(&definition, &subs);
        let derived = derive(&definition, false, false);
        let expected = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:PutItem",
             "Resource": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/user-onboarding-users"},
            {"Effect": "Allow", "Action": "sqs:SendMessage",
             "Resource": "arn:aws:sqs:ap-southeast-2:189107071895:user-onboarding-welcome"}]});
        assert_eq!(derived.policy, Some(crate::policy::normalize(&expected)));
        assert!(derived.warnings.is_empty());
    }

    /// Lambda's Invoke takes a name, a partial ARN or an ARN, each optionally qualified (Lambda
    /// API reference, Invoke, `FunctionName`): the grant is the function's ARN, and its
    /// versions and aliases (`:*`) when no qualifier is named ("IAM policies for AWS Lambda").
    #[test]
    fn lambda_function_names_in_every_form_become_the_function_s_arn() {
        let grants = |name: &str| {
            let definition = json!({"StartAt": "L", "States": {"L": {"Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": name}, "End": true}}});
            let derived = derive(&definition, false, false);
            assert!(derived.warnings.is_empty(), "{:?}", derived.warnings);
            derived.policy.expect("a policy")["Statement"][0]["Resource"].clone()
        };
        let here = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function";
        assert_eq!(
            grants("notify"),
            json!([format!("{here}:notify"), format!("{here}:notify:*")])
        );
        assert_eq!(grants("notify:live"), json!([format!("{here}:notify:live")]));
        assert_eq!(
            grants("111122223333:function:notify"),
            json!([
                "arn:${AWS::Partition}:lambda:${AWS::Region}:111122223333:function:notify",
                "arn:${AWS::Partition}:lambda:${AWS::Region}:111122223333:function:notify:*"
            ])
        );
        assert_eq!(
            grants("arn:aws:lambda:eu-west-1:111122223333:function:notify:3"),
            json!(["arn:aws:lambda:eu-west-1:111122223333:function:notify:3"])
        );
    }

    #[test]
    fn dynamic_resources_are_narrowed_and_warned_about() {
        let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName.$": "$.fn"}, "End": true}}},
            {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:111122223333:stateMachine:child"}, "End": true}}},
            {"StartAt": "K", "States": {"K": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:describeExecution",
                "Parameters": {"ExecutionArn.$": "$.arn"}, "End": true}}}
        ]}}});
        let derived = derive(&definition, true, false);
        let text = derived.policy.expect("a policy").to_string();
        assert!(text.contains("function:*"), "{text}");
        assert!(text.contains("arn:aws:states:us-east-1:111122223333:execution:child:*"));
        assert!(text.contains("StepFunctionsGetEventsForStepFunctionsExecutionRule"));
        assert!(text.contains("states:DescribeExecution"));
        assert!(text.contains("logs:CreateLogDelivery"));
        assert_eq!(derived.warnings.len(), 2, "{:?}", derived.warnings);
        assert!(derived.warnings[0].contains("state \"L\": `FunctionName`"));
    }

    /// Pass, Wait, Choice, Succeed, Fail, an activity and a Parallel or Map of them call no
    /// service: no policy at all ("IAM JSON policy elements: Statement": the element is
    /// required, so an empty one is no policy IAM takes). Logging or tracing alone needs one.
    #[test]
    fn a_definition_that_calls_nothing_needs_no_policy() {
        let definition = json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "W"}], "Default": "F"},
            "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
            "P": {"Type": "Parallel", "Next": "A", "Branches": [
                {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": true}}}]},
            "A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:111122223333:activity:work", "Next": "M"},
            "M": {"Type": "Map", "Next": "S", "ItemProcessor": {"StartAt": "R", "States": {"R": {"Type": "Pass", "End": true}}}},
            "S": {"Type": "Succeed"},
            "F": {"Type": "Fail", "Error": "E"}}});
        let derived = derive(&definition, false, false);
        assert_eq!(derived.policy, None);
        assert!(derived.warnings.is_empty());
        let logged = derive(&definition, true, false)
            .policy
            .expect("logging needs a policy");
        assert!(logged.to_string().contains("logs:CreateLogDelivery"), "{logged}");
        let traced = derive(&definition, false, true)
            .policy
            .expect("tracing needs a policy");
        assert!(traced.to_string().contains("xray:PutTraceSegments"), "{traced}");
    }

    #[test]
    fn queue_urls_become_queue_arns() {
        assert_eq!(
            queue_arn("https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q"),
            "arn:aws-cn:sqs:cn-north-1:111122223333:q"
        );
        assert_eq!(
            queue_arn("http://127.0.0.1:5000/189107071895/q"),
            "arn:${AWS::Partition}:sqs:${AWS::Region}:189107071895:q"
        );
    }
}
