//! The API's authorizers as AWS lists them.

use aws_sdk_apigatewayv2::types::Authorizer;

use super::spec::LiveAuthorizer;
use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::paginate::{list_children, required};
use crate::resource::unexpressed::text;

/// Every authorizer of the API (GetAuthorizers, paginated).
pub async fn read_authorizers(clients: &Clients, api_id: &str) -> Result<Vec<LiveAuthorizer>, AwsError> {
    list_children!(
        "GetAuthorizers",
        api_id,
        |token| clients
            .apigw
            .get_authorizers()
            .api_id(api_id)
            .set_next_token(token),
        live_authorizer
    )
}

pub(crate) fn live_authorizer(a: &Authorizer, resource: &str) -> Result<LiveAuthorizer, AwsError> {
    let jwt = a.jwt_configuration();
    let mut audience: Vec<String> = jwt.map(|j| j.audience().to_vec()).unwrap_or_default();
    audience.sort();
    audience.dedup();
    Ok(LiveAuthorizer {
        id: required(a.authorizer_id(), "GetAuthorizers", resource, "AuthorizerId")?,
        name: required(a.name(), "GetAuthorizers", resource, "Name")?,
        // A type this build does not know is refused, never read as another.
        authorizer_type: a
            .authorizer_type()
            .map(|t| t.as_str().parse())
            .transpose()
            .map_err(|e: crate::domain::Unknown| {
                AwsError::invalid("GetAuthorizers", resource, e.to_string())
            })?,
        issuer: jwt.and_then(|j| j.issuer()).map(str::to_string),
        audience,
        identity_source: a.identity_source().to_vec(),
        unexpressed: unexpressed(a),
    })
}

/// The settings the stack format has no key for, which `import` lists (botocore apigatewayv2
/// shape `Authorizer`): a Lambda (REQUEST) authorizer's function, cache
/// and responses, and more than one identity source.
fn unexpressed(a: &Authorizer) -> Vec<String> {
    let mut out = Vec::new();
    text(&mut out, "AuthorizerUri", a.authorizer_uri());
    text(
        &mut out,
        "AuthorizerCredentialsArn",
        a.authorizer_credentials_arn(),
    );
    text(
        &mut out,
        "IdentityValidationExpression",
        a.identity_validation_expression(),
    );
    if a.identity_source().len() > 1 {
        out.push(format!(
            "IdentitySource = {}",
            serde_json::json!(a.identity_source())
        ));
    }
    out
}
