//! A Step Functions integration as CloudFormation declares it (`AWS::ApiGatewayV2::Integration`)
//! and as OpenAPI does ("x-amazon-apigateway-integration object"), with the Step Functions
//! answers it passes through (the response schemas of its action); and, for `import`, what of a
//! live integration a route's table holds (its action, machine and parameters), or why nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::spec::{DesiredIntegration, LiveIntegration};
use crate::arn::StateMachineArn;
use crate::domain::{Action, ExecutionStatus, IntegrationType};
use crate::grant::{SdkCall, When, call};
use crate::resource::role::spec::RoleState;

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`), with the IAM actions
/// each needs: its fragment of the policy `provision policy` prints, assembled by
/// [`crate::deployer`]. API Gateway v2 authorises by HTTP verb on the resource path: GetX is
/// `apigateway:GET`, CreateX `POST`, UpdateX `PATCH`, DeleteX `DELETE` (service authorization
/// reference, "Amazon API Gateway Management V2").
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call("get_integrations", &["apigateway:GET"], When::Always),
    // The integration names the role API Gateway assumes, which is passing the role
    // (iam:PassRole, condition iam:PassedToService).
    call(
        "create_integration",
        &["apigateway:POST", "iam:PassRole"],
        When::Always,
    ),
    call(
        "update_integration",
        &["apigateway:PATCH", "iam:PassRole"],
        When::Always,
    ),
    call("delete_integration", &["apigateway:DELETE"], When::Always),
];

/// The integration's resource in the API of logical id `api`, assuming `credentials` (a role ARN
/// or a `Fn::GetAtt`), its `StateMachineArn` what `machine` makes of it (a reference, for a
/// machine of the stack) when anything.
pub fn cfn(
    integration: &DesiredIntegration,
    api: &str,
    credentials: Value,
    machine: &dyn Fn(&str) -> Option<Value>,
) -> Value {
    let mut parameters = json!(integration.parameters);
    if let Some(reference) = integration
        .parameters
        .get("StateMachineArn")
        .and_then(|arn| machine(arn))
    {
        parameters["StateMachineArn"] = reference;
    }
    let mut resource = json!({
        "Type": "AWS::ApiGatewayV2::Integration",
        "Properties": {
            "ApiId": {"Ref": api},
            "IntegrationType": "AWS_PROXY",
            "IntegrationSubtype": integration.subtype(),
            "PayloadFormatVersion": "1.0",
            "CredentialsArn": credentials,
            "RequestParameters": parameters,
        }
    });
    if !integration.response.is_empty() {
        resource["Properties"]["ResponseParameters"] = cfn_response_parameters(&integration.response);
    }
    resource
}

fn cfn_response_parameters(response: &crate::stack::response::ResponseParameters) -> Value {
    response
        .iter()
        .map(|(code, map)| {
            let list: Vec<Value> = map
                .iter()
                .map(|(k, v)| json!({"Destination": k, "Source": v}))
                .collect();
            (code.clone(), json!({ "ResponseParameters": list }))
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

/// The integration as OpenAPI declares it, assuming `role_arn`: an "x-amazon-apigateway-integration
/// object" (developer guide) of type `aws_proxy` with its Step Functions subtype, payload format
/// 1.0, and its response parameters per integration status code when it has any.
pub fn openapi(spec: &DesiredIntegration, role_arn: &str) -> Value {
    let mut integration = json!({
        "type": "aws_proxy",
        "integrationSubtype": spec.subtype(),
        "credentials": role_arn,
        "requestParameters": spec.parameters,
        "payloadFormatVersion": "1.0",
        "connectionType": "INTERNET",
    });
    if !spec.response.is_empty() {
        // "x-amazon-apigateway-integration object": `responseParameters`, for HTTP APIs, per
        // integration status code.
        integration["responseParameters"] = json!(spec.response);
    }
    integration
}

/// The name of the Step Functions response shape an action answers with, which an AWS_PROXY
/// integration passes through (the botocore `states` model names them so): the schema a route's
/// 200 answer refers to under `components.schemas`.
pub fn openapi_output_name(action: Action) -> &'static str {
    match action {
        Action::StartExecution => "StartExecutionOutput",
        Action::StartSyncExecution => "StartSyncExecutionOutput",
        Action::StopExecution => "StopExecutionOutput",
    }
}

/// The schema of [`openapi_output_name`], from the Step Functions API reference
/// (StartExecution, StartSyncExecution, StopExecution): dates are epoch seconds.
pub fn openapi_output_schema(action: Action) -> Value {
    let string = json!({"type": "string"});
    let date = json!({"type": "number", "description": "Seconds since the epoch"});
    match action {
        Action::StartSyncExecution => json!({
            "type": "object",
            "required": ["executionArn", "startDate", "stopDate", "status"],
            "properties": {
                "executionArn": string,
                "stateMachineArn": string,
                "name": string,
                "startDate": date,
                "stopDate": date,
                // botocore stepfunctions `SyncExecutionStatus`: the three ends of a synchronous run.
                "status": {"type": "string", "enum": [
                    ExecutionStatus::Succeeded.as_str(),
                    ExecutionStatus::Failed.as_str(),
                    ExecutionStatus::TimedOut.as_str(),
                ]},
                "error": string,
                "cause": string,
                "input": {"type": "string", "description": "The execution's input, JSON text"},
                "output": {"type": "string", "description": "The execution's output, JSON text"},
                "traceHeader": string,
                "billingDetails": {"type": "object"},
            }
        }),
        Action::StopExecution => json!({
            "type": "object",
            "required": ["stopDate"],
            "properties": {"stopDate": date}
        }),
        Action::StartExecution => json!({
            "type": "object",
            "required": ["executionArn", "startDate"],
            "properties": {"executionArn": string, "startDate": date}
        }),
    }
}

/// What `import` knows around one integration: the stack's role, the region read from, the roles
/// the integrations assume (by ARN) and the integrations other routes already took.
pub struct Importing<'a> {
    /// The role the stack's integrations assume (`[role]`), when there is one.
    pub role_arn: Option<&'a str>,
    /// The region the API was read from.
    pub region: &'a str,
    /// The roles the integrations name as credentials, by ARN.
    pub roles: &'a BTreeMap<String, RoleState>,
    /// The ids of the integrations routes imported before already use.
    pub used: &'a BTreeSet<String>,
}

/// The part of a route's table its integration gives: the Step Functions action and the machine.
/// Its parameters are [`doc_parameters`].
#[derive(Debug, Clone)]
pub struct DocIntegration {
    /// The Step Functions action.
    pub action: Action,
    /// The machine's ARN.
    pub state_machine: String,
}

/// A Step Functions service integration (`AWS_PROXY`, subtype `StepFunctions-*`, payload format
/// 1.0, the stack's role) with no setting the format lacks, used by no other route; or why the
/// format cannot hold it.
pub fn doc(i: &LiveIntegration, at: &Importing<'_>) -> Result<DocIntegration, String> {
    let action = step_functions_action(i)?;
    if !i.unexpressed.is_empty() {
        return Err(format!(
            "integration settings the format lacks: {}",
            i.unexpressed.join("; ")
        ));
    }
    if i.payload_format_version.as_deref() != Some("1.0") {
        return Err(format!(
            "payload format {:?}: a Step Functions integration takes 1.0",
            i.payload_format_version
        ));
    }
    if at.used.contains(&i.id) {
        return Err(format!(
            "shares integration {} with another route: each route of a stack has its own",
            i.id
        ));
    }
    if i.credentials_arn.as_deref() != at.role_arn {
        return Err(format!(
            "its integration assumes {}, not the stack's role",
            i.credentials_arn.as_deref().unwrap_or("no role")
        ));
    }
    let state_machine = machine_of(at, action, i)?;
    Ok(DocIntegration {
        action,
        state_machine,
    })
}

/// The Step Functions action of a service integration; anything else (Lambda, HTTP proxy, a
/// VPC link, another AWS service) is named.
fn step_functions_action(i: &LiveIntegration) -> Result<Action, String> {
    let subtype = i.subtype.as_deref().unwrap_or_default();
    if let (Some(action), Some(IntegrationType::AwsProxy)) = (i.action(), i.integration_type) {
        return Ok(action);
    }
    let what = match (i.integration_type, subtype, i.vpc_link) {
        (_, _, true) => "an HTTP integration through a VPC link".to_string(),
        (Some(IntegrationType::AwsProxy), "", _) => format!(
            "a Lambda integration ({})",
            i.uri.as_deref().unwrap_or("no function")
        ),
        (Some(IntegrationType::AwsProxy), other, _) => format!("an AWS service integration ({other})"),
        (Some(IntegrationType::HttpProxy), _, _) => format!(
            "an HTTP proxy integration ({})",
            i.uri.as_deref().unwrap_or("no URI")
        ),
        (Some(kind), _, _) => format!("a {kind} integration"),
        (None, _, _) => "an integration of a type this build does not know".to_string(),
    };
    Err(format!(
        "{what}: the format holds Step Functions integrations only"
    ))
}

/// The machine: `StateMachineArn` for the start actions; for StopExecution, whose parameters
/// name only an execution, the one machine whose executions the role's policy scopes (the
/// execution ARN pattern, `arn:...:execution:NAME:*`).
fn machine_of(at: &Importing<'_>, action: Action, i: &LiveIntegration) -> Result<String, String> {
    if action.starts() {
        let arn = i
            .parameters
            .get("StateMachineArn")
            .ok_or("no StateMachineArn parameter")?;
        if arn.contains('$') {
            return Err(format!(
                "StateMachineArn is mapped from the request ({arn}): the format takes one machine"
            ));
        }
        crate::arn::parse_state_machine_arn(arn).map_err(|e| format!("StateMachineArn {arn}: {e}"))?;
        return Ok(arn.clone());
    }
    let role = i
        .credentials_arn
        .as_ref()
        .and_then(|arn| at.roles.get(arn))
        .and_then(|r| match r {
            RoleState::Present(role) => Some(role),
            RoleState::Absent => None,
        });
    let mut machines = BTreeSet::new();
    for doc in role.iter().flat_map(|r| r.inline.values()) {
        for s in doc["Statement"].as_array().into_iter().flatten() {
            for r in s["Resource"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str())
            {
                if let Some(m) = StateMachineArn::of_executions(r) {
                    machines.insert(m.machine());
                }
            }
        }
    }
    match machines.len() {
        1 => Ok(machines.into_iter().next().unwrap_or_default()),
        n => Err(format!(
            "a StopExecution route names no machine, and the role's policy scopes the executions of {n} machines: the format needs the one it acts on"
        )),
    }
}

/// The parameters as written, without `StateMachineArn` (it comes from `state_machine`); none
/// when they are the default `{ Input = "$request.body.input" }`. A machine in another region
/// with no `Region` would get one from `up` (docs/stack-format.md, `route.state_machine`).
pub fn doc_parameters(
    i: &LiveIntegration,
    doc: &DocIntegration,
    region: &str,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let mut p = i.parameters.clone();
    p.remove("StateMachineArn");
    if let Ok(m) = crate::arn::parse_state_machine_arn(&doc.state_machine)
        && m.region != region
        && !p.contains_key("Region")
    {
        return Err(format!(
            "its machine is in {} and the integration has no Region parameter: `up` would add one",
            m.region
        ));
    }
    let default = doc.action.starts()
        && p.len() == 1
        && p.get("Input").map(String::as_str) == Some("$request.body.input");
    Ok((!default).then_some(p))
}
