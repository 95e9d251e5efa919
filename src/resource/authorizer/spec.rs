//! A JWT authorizer's shape, as the file declares it.

use crate::stack::model::AuthorizerSection;
use crate::stack::model::sorted;

/// A JWT authorizer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DesiredAuthorizer {
    /// Name, unique in the API; routes refer to it.
    pub name: String,
    /// Token issuer URL.
    pub issuer: String,
    /// Accepted audiences, sorted.
    pub audience: Vec<String>,
    /// Where the token is, e.g. `$request.header.Authorization`.
    pub identity_source: String,
}

/// A JWT authorizer, its token in `Authorization` unless the file says otherwise.
pub(crate) fn desired_authorizer(a: &AuthorizerSection) -> Option<DesiredAuthorizer> {
    Some(DesiredAuthorizer {
        name: a.name.as_ref()?.value.clone(),
        issuer: a.issuer.as_ref()?.value.clone(),
        audience: sorted(a.audience.iter().flatten().map(|s| s.value.clone())),
        identity_source: a.identity_source.as_ref().map_or_else(
            || "$request.header.Authorization".to_string(),
            |s| s.value.clone(),
        ),
    })
}

/// An authorizer of the API.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveAuthorizer {
    /// Authorizer id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `JWT` or `REQUEST` as read (empty when the answer had none); see [`Self::is_jwt`].
    pub authorizer_type: String,
    /// JWT issuer.
    pub issuer: Option<String>,
    /// JWT audiences, sorted.
    pub audience: Vec<String>,
    /// Identity sources.
    pub identity_source: Vec<String>,
    /// Settings the stack format lacks, as read: what `import` lists. Not part of what a saved
    /// plan was computed from.
    #[serde(skip)]
    pub unexpressed: Vec<String>,
}

impl LiveAuthorizer {
    /// True for a JWT authorizer (botocore apigatewayv2 `AuthorizerType`).
    pub fn is_jwt(&self) -> bool {
        self.authorizer_type == crate::domain::AuthorizerType::Jwt.as_str()
    }
}
