//! A Step Functions integration as CloudFormation declares it (`AWS::ApiGatewayV2::Integration`).

use serde_json::{Value, json};

use super::spec::DesiredIntegration;
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
