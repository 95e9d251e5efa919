//! A Step Functions integration as CloudFormation declares it (`AWS::ApiGatewayV2::Integration`)
//! and as OpenAPI does ("x-amazon-apigateway-integration object"), with the Step Functions
//! answers it passes through (the response schemas of its action).

use serde_json::{Value, json};

use super::spec::DesiredIntegration;
use crate::domain::{Action, ExecutionStatus};
use crate::grant::{SdkCall, When, call};

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
/// or a `Fn::GetAtt`).
pub fn cfn(integration: &DesiredIntegration, api: &str, credentials: Value) -> Value {
    let mut resource = json!({
        "Type": "AWS::ApiGatewayV2::Integration",
        "Properties": {
            "ApiId": {"Ref": api},
            "IntegrationType": "AWS_PROXY",
            "IntegrationSubtype": integration.subtype(),
            "PayloadFormatVersion": "1.0",
            "CredentialsArn": credentials,
            "RequestParameters": integration.parameters,
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
