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

/// Where a JWT authorizer takes the token from: the one reading of an identity source, for
/// `validate`, `serve`, `invoke` and `up`'s curl lines alike. A JWT authorizer takes one
/// `$request.header.NAME` or `$request.querystring.NAME` (API Gateway developer guide,
/// "Controlling access to HTTP APIs with JWT authorizers": "identity source ... must be a header
/// or query string parameter").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `$request.header.NAME`.
    Header(String),
    /// `$request.querystring.NAME`.
    QueryString(String),
}

impl TokenSource {
    /// The source, or `None` when it is not one header or query string parameter (a name of
    /// letters, digits, `-`, `_` and `.`).
    pub fn parse(s: &str) -> Option<Self> {
        let named = |name: &str| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        if let Some(name) = s.strip_prefix("$request.header.").filter(|n| named(n)) {
            return Some(TokenSource::Header(name.to_string()));
        }
        s.strip_prefix("$request.querystring.")
            .filter(|n| named(n))
            .map(|name| TokenSource::QueryString(name.to_string()))
    }
}

impl Default for TokenSource {
    /// `$request.header.Authorization`, the format's default and the console's.
    fn default() -> Self {
        TokenSource::Header("Authorization".into())
    }
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Header(name) => write!(f, "$request.header.{name}"),
            TokenSource::QueryString(name) => write!(f, "$request.querystring.{name}"),
        }
    }
}

impl DesiredAuthorizer {
    /// Where its token is; the default header for a source that is not one (`validate` refuses
    /// such a file before anything reads it).
    pub fn token_source(&self) -> TokenSource {
        TokenSource::parse(&self.identity_source).unwrap_or_default()
    }
}

/// A JWT authorizer, its token in `Authorization` unless the file says otherwise.
pub(crate) fn desired_authorizer(a: &AuthorizerSection) -> Option<DesiredAuthorizer> {
    Some(DesiredAuthorizer {
        name: a.name.as_ref()?.value.clone(),
        issuer: a.issuer.as_ref()?.value.clone(),
        audience: sorted(a.audience.iter().flatten().map(|s| s.value.clone())),
        identity_source: a
            .identity_source
            .as_ref()
            .map_or_else(|| TokenSource::default().to_string(), |s| s.value.clone()),
    })
}

/// An authorizer of the API.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveAuthorizer {
    /// Authorizer id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `JWT` or `REQUEST` as read (`None` when the answer had none); see [`Self::is_jwt`].
    pub authorizer_type: Option<crate::domain::AuthorizerType>,
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
        self.authorizer_type == Some(crate::domain::AuthorizerType::Jwt)
    }
}

/// Authorizers for tests outside the unit (the planner's, the operations' pins), so that they do
/// not spell the authorizer's fields: the unit owns its shapes.
#[cfg(test)]
pub(crate) mod samples {
    use super::{DesiredAuthorizer, LiveAuthorizer};

    /// A JWT authorizer `a` with every field set.
    pub fn desired() -> DesiredAuthorizer {
        DesiredAuthorizer {
            name: "a".into(),
            issuer: "https://i".into(),
            audience: vec!["x".into()],
            identity_source: "$request.header.Authorization".into(),
        }
    }

    /// The JWT authorizer as `up` leaves it for `desired`, read back with the id `id`.
    pub fn live_of(desired: &DesiredAuthorizer, id: &str) -> LiveAuthorizer {
        LiveAuthorizer {
            id: id.into(),
            name: desired.name.clone(),
            authorizer_type: Some(crate::domain::AuthorizerType::Jwt),
            issuer: Some(desired.issuer.clone()),
            audience: desired.audience.clone(),
            identity_source: vec![desired.identity_source.clone()],
            ..LiveAuthorizer::default()
        }
    }
}
