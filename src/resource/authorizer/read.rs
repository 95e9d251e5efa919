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
        // A type this build does not know (AWS adds values; the SDK keeps them as `Unknown`) is
        // none of the known ones, never read as another: the diff replaces it. Refusing the
        // answer would stop `diff` and `down`, which read other APIs' authorizers too.
        authorizer_type: a.authorizer_type().and_then(|t| t.as_str().parse().ok()),
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

#[cfg(test)]
mod tests {
    use aws_sdk_apigatewayv2::types::{Authorizer, AuthorizerType as SdkType};

    use super::live_authorizer;
    use crate::domain::AuthorizerType;

    /// botocore apigatewayv2 `AuthorizerType` may gain values (the SDK keeps an unknown one as
    /// `Unknown`): such an authorizer is read as none of the known types, not refused.
    #[test]
    fn an_authorizer_type_this_build_does_not_know_is_read_as_none_of_the_known_ones() {
        let read = |t: SdkType| {
            let a = Authorizer::builder()
                .authorizer_id("au1")
                .name("n")
                .authorizer_type(t)
                .build();
            live_authorizer(&a, "API a").expect("an unknown type is no error")
        };
        assert_eq!(read(SdkType::from("SOME_FUTURE_TYPE")).authorizer_type, None);
        assert_eq!(read(SdkType::Jwt).authorizer_type, Some(AuthorizerType::Jwt));
    }
}
