//! A Step Functions integration as CloudFormation declares it (`AWS::ApiGatewayV2::Integration`).

use serde_json::{Value, json};

use super::spec::DesiredIntegration;

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
