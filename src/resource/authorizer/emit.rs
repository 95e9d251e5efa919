//! A JWT authorizer as CloudFormation declares it (`AWS::ApiGatewayV2::Authorizer`).

use serde_json::{Value, json};

use super::spec::DesiredAuthorizer;

/// The authorizer's resource in the API of logical id `api`.
pub fn cfn(a: &DesiredAuthorizer, api: &str) -> Value {
    json!({
        "Type": "AWS::ApiGatewayV2::Authorizer",
        "Properties": {
            "ApiId": {"Ref": api},
            "Name": a.name,
            "AuthorizerType": crate::domain::AuthorizerType::Jwt.as_str(),
            "IdentitySource": [a.identity_source],
            "JwtConfiguration": {"Issuer": a.issuer, "Audience": a.audience},
        }
    })
}
