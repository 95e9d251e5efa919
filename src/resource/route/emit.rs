//! A route as CloudFormation declares it (`AWS::ApiGatewayV2::Route`).

use serde_json::{Value, json};

use super::spec::DesiredRoute;

/// The route's resource in the API of logical id `api`, targeting the integration of logical id
/// `integration`, with the authorizer of logical id `authorizer` for a JWT route.
pub fn cfn(route: &DesiredRoute, api: &str, integration: &str, authorizer: Option<&String>) -> Value {
    let mut properties = json!({
        "ApiId": {"Ref": api},
        "RouteKey": route.key,
        "AuthorizationType": route.authorization,
        "Target": {"Fn::Join": ["/", ["integrations", {"Ref": integration}]]},
    });
    if let Some(id) = authorizer {
        properties["AuthorizerId"] = json!({"Ref": id});
        if !route.scopes.is_empty() {
            properties["AuthorizationScopes"] = json!(route.scopes);
        }
    }
    json!({"Type": "AWS::ApiGatewayV2::Route", "Properties": properties})
}
