//! A route as CloudFormation declares it (`AWS::ApiGatewayV2::Route`).

use serde_json::{Value, json};

use super::spec::DesiredRoute;
use crate::grant::{SdkCall, When, call};

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`), with the IAM actions
/// each needs: its fragment of the policy `provision policy` prints, assembled by
/// [`crate::deployer`]. API Gateway v2 authorises by HTTP verb on the resource path: GetX is
/// `apigateway:GET`, CreateX `POST`, UpdateX `PATCH`, DeleteX `DELETE` (service authorization
/// reference, "Amazon API Gateway Management V2").
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call("get_routes", &["apigateway:GET"], When::Always),
    call("create_route", &["apigateway:POST"], When::Always),
    call("update_route", &["apigateway:PATCH"], When::Always),
    call("delete_route", &["apigateway:DELETE"], When::Always),
];

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
