//! A JWT authorizer as CloudFormation declares it (`AWS::ApiGatewayV2::Authorizer`), and as
//! `import` writes it into a stack file from what AWS returned (`[[authorizer]]`).

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Value, json};

use super::spec::{DesiredAuthorizer, LiveAuthorizer, TokenSource};
use crate::grant::{SdkCall, When, call};
use crate::stack::write::{list, quote};

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`), with the IAM actions
/// each needs: its fragment of the policy `provision policy` prints, assembled by
/// [`crate::deployer`]. API Gateway v2 authorises by HTTP verb on the resource path: GetX is
/// `apigateway:GET`, CreateX `POST`, UpdateX `PATCH`, DeleteX `DELETE` (service authorization
/// reference, "Amazon API Gateway Management V2").
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call("get_authorizers", &["apigateway:GET"], When::Always),
    call("create_authorizer", &["apigateway:POST"], When::Always),
    call("update_authorizer", &["apigateway:PATCH"], When::Always),
    call("delete_authorizer", &["apigateway:DELETE"], When::Always),
];

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

/// The authorizer as an OpenAPI security scheme, as API Gateway exports a JWT authorizer
/// (`oauth2` with no flows, and `x-amazon-apigateway-authorizer`).
pub fn openapi(a: &DesiredAuthorizer) -> Value {
    json!({
        "type": "oauth2",
        "flows": {},
        "x-amazon-apigateway-authorizer": {
            "type": "jwt",
            "jwtConfiguration": {"issuer": a.issuer, "audience": a.audience},
            "identitySource": a.identity_source,
        }
    })
}

/// `[[authorizer]]`.
#[derive(Debug, Clone, Serialize)]
pub struct DocAuthorizer {
    /// Name.
    pub name: String,
    /// Issuer.
    pub issuer: String,
    /// Audience, as returned.
    pub audience: Vec<String>,
    /// Identity source, when not `$request.header.Authorization`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
}

/// A JWT authorizer with one identity source and nothing the format lacks.
pub fn doc(a: &LiveAuthorizer) -> Result<DocAuthorizer, String> {
    if !a.is_jwt() {
        let what = match a.authorizer_type {
            Some(t) => format!("a {t} (Lambda) authorizer"),
            None => "an authorizer of a type this build does not know".to_string(),
        };
        return Err(format!("{what}: the format has JWT authorizers only"));
    }
    if !a.unexpressed.is_empty() {
        return Err(a.unexpressed.join("; "));
    }
    let (Some(issuer), [source]) = (&a.issuer, a.identity_source.as_slice()) else {
        return Err("a JWT authorizer without an issuer or one identity source".into());
    };
    Ok(DocAuthorizer {
        name: a.name.clone(),
        issuer: issuer.clone(),
        audience: a.audience.clone(),
        identity_source: (*source != TokenSource::default().to_string()).then(|| source.clone()),
    })
}

/// Writes one `[[authorizer]]` for `import`.
pub fn write(out: &mut String, a: &DocAuthorizer) {
    let _ = writeln!(
        out,
        "\n[[authorizer]]\nname = {}\nissuer = {}\naudience = {}",
        quote(&a.name),
        quote(&a.issuer),
        list(&a.audience)
    );
    if let Some(s) = &a.identity_source {
        let _ = writeln!(out, "identity_source = {}", quote(s));
    }
}
