//! JWT authorizers as HTTP APIs run them (developer guide, "Control access to HTTP APIs with JWT
//! authorizers in API Gateway", section "Authorizing API requests with a JWT authorizer"):
//!
//! 1. the token is read from the authorizer's identity source (a header or a query string
//!    parameter), alone or prefixed with `Bearer `;
//! 2. it is decoded, and its algorithm and signature checked with the issuer's public key whose
//!    `kid` the token names ("Currently, only RSA-based algorithms are supported");
//! 3. the claims are validated: `iss` equals the issuer; `aud`, or `client_id` when there is no
//!    `aud`, is one of the audiences; `exp` is after now; `nbf` and `iat` are before now;
//! 4. when the route has scopes, `scope` (space separated) or `scp` includes at least one of them.
//!
//! A failure in 1-3 answers 401 `{"message":"Unauthorized"}` with a `www-authenticate` header naming
//! the error ("Troubleshooting issues with HTTP API JWT authorizers" shows `Bearer scope=""
//! error="invalid_token" error_description="the token does not have a valid audience"`); a token
//! without the route's scopes answers 403 `{"message":"Forbidden"}`.

use std::collections::{BTreeMap, HashSet};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::mapping::query_params;
use crate::resource::authorizer::spec::{LiveAuthorizer, TokenSource};

/// A JWT authorizer of the API, as deployed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwtAuthorizer {
    /// Authorizer name, for the log.
    pub name: String,
    /// `iss` the token must carry.
    pub issuer: String,
    /// Accepted `aud` (or `client_id`) values.
    pub audience: Vec<String>,
    /// `$request.header.NAME` or `$request.querystring.NAME`.
    pub identity_source: String,
}

impl JwtAuthorizer {
    /// The authorizer as read from API Gateway: its first identity source (a JWT authorizer has
    /// one), `$request.header.Authorization` when none is set.
    pub fn of(a: &LiveAuthorizer) -> Self {
        JwtAuthorizer {
            name: a.name.clone(),
            issuer: a.issuer.clone().unwrap_or_default(),
            audience: a.audience.clone(),
            identity_source: a
                .identity_source
                .first()
                .cloned()
                .unwrap_or_else(|| TokenSource::default().to_string()),
        }
    }

    /// The request's token, from where this authorizer takes it; the refusal's description when
    /// the request carries none there (API Gateway answers 401).
    pub fn token_in(&self, headers: &[(String, String)], raw_query: Option<&str>) -> Result<String, String> {
        token_from(&self.identity_source, headers, raw_query)
            .ok_or_else(|| format!("no token in the identity source {}", self.identity_source))
    }
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 401, with the error description for `www-authenticate`.
    Unauthorized(String),
    /// 403: a valid token without any of the route's scopes.
    Forbidden(String),
}

/// The `www-authenticate` value for a refusal, in the shape the troubleshooting page shows.
pub fn www_authenticate(scopes: &[String], error: &str, description: &str) -> String {
    let description = description.replace('"', "'");
    format!(
        "Bearer scope=\"{}\" error=\"{error}\" error_description=\"{description}\"",
        scopes.join(" ")
    )
}

/// The token in the identity source, without a `Bearer ` prefix; `None` when the source gives
/// nothing.
pub fn token_from(
    identity_source: &str,
    headers: &[(String, String)],
    raw_query: Option<&str>,
) -> Option<String> {
    let value = match TokenSource::parse(identity_source)? {
        TokenSource::Header(name) => headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.clone()),
        TokenSource::QueryString(name) => query_params(raw_query)
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v),
    }?;
    let value = value.trim();
    let token = if value.eq_ignore_ascii_case("bearer") {
        ""
    } else {
        match value.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
            _ => value,
        }
    };
    (!token.is_empty()).then(|| token.to_string())
}

fn unauthorized(description: impl Into<String>) -> Refusal {
    Refusal::Unauthorized(description.into())
}

/// The token's `kid` when the key set does not hold it (the caller fetches the keys again once,
/// as API Gateway does for a key it has not seen).
pub fn unknown_kid(token: &str, keys: &JwkSet) -> Option<String> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    keys.find(&kid).is_none().then_some(kid)
}

/// The RSA algorithms a JWT authorizer accepts.
const RSA: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

/// Verifies `token` for a route with `scopes`; the claims, as strings, on success (strings as
/// they are, other values as JSON text).
pub fn verify(
    token: &str,
    keys: &JwkSet,
    authorizer: &JwtAuthorizer,
    scopes: &[String],
    now: i64,
) -> Result<BTreeMap<String, String>, Refusal> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|e| unauthorized(format!("the token could not be decoded: {e}")))?;
    if !RSA.contains(&header.alg) {
        return Err(unauthorized(format!(
            "the token is signed with {}; JWT authorizers support only RSA-based algorithms",
            serde_json::to_value(header.alg)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "a non-RSA algorithm".into())
        )));
    }
    let kid = header
        .kid
        .ok_or_else(|| unauthorized("the token has no kid header"))?;
    let jwk = keys
        .find(&kid)
        .ok_or_else(|| unauthorized(format!("the token's kid {kid} is not among the issuer's keys")))?;
    let key = DecodingKey::from_jwk(jwk)
        .map_err(|e| unauthorized(format!("the issuer's key {kid} cannot be used: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|e| unauthorized(format!("the token signature is invalid: {e}")))?
        .claims;
    check_claims(&claims, authorizer, now)?;
    check_scopes(&claims, scopes)?;
    Ok(claims
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default())
}

fn check_claims(claims: &Value, authorizer: &JwtAuthorizer, now: i64) -> Result<(), Refusal> {
    if claims["iss"].as_str() != Some(authorizer.issuer.as_str()) {
        return Err(unauthorized("the token does not have a valid issuer"));
    }
    // "API Gateway validates client_id only if aud is not present."
    let audiences: Vec<&str> = match (&claims["aud"], &claims["client_id"]) {
        (Value::String(a), _) => vec![a.as_str()],
        (Value::Array(items), _) => items.iter().filter_map(Value::as_str).collect(),
        (Value::Null, Value::String(c)) => vec![c.as_str()],
        _ => Vec::new(),
    };
    if !audiences
        .iter()
        .any(|a| authorizer.audience.iter().any(|b| b == a))
    {
        return Err(unauthorized("the token does not have a valid audience"));
    }
    let time = |name: &str| claims[name].as_f64().map(|t| t as i64);
    match time("exp") {
        Some(exp) if exp > now => {}
        Some(_) => return Err(unauthorized("the token has expired")),
        None => return Err(unauthorized("the token has no exp claim")),
    }
    if time("nbf").is_some_and(|nbf| nbf > now) {
        return Err(unauthorized("the token is not valid yet (nbf)"));
    }
    if time("iat").is_some_and(|iat| iat > now) {
        return Err(unauthorized("the token was issued in the future (iat)"));
    }
    Ok(())
}

fn check_scopes(claims: &Value, scopes: &[String]) -> Result<(), Refusal> {
    if scopes.is_empty() {
        return Ok(());
    }
    let mut held: Vec<&str> = Vec::new();
    for name in ["scope", "scp"] {
        match &claims[name] {
            Value::String(s) => held.extend(s.split_whitespace()),
            Value::Array(items) => held.extend(items.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    if scopes.iter().any(|s| held.contains(&s.as_str())) {
        Ok(())
    } else {
        Err(Refusal::Forbidden(format!(
            "the token has none of the route's scopes ({}); it has [{}]",
            scopes.join(", "),
            held.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn authorizer() -> JwtAuthorizer {
        JwtAuthorizer {
            name: "a".into(),
            issuer: "https://issuer.example".into(),
            audience: vec!["client-1".into(), "client-2".into()],
            identity_source: "$request.header.Authorization".into(),
        }
    }

    #[test]
    fn tokens_come_from_headers_or_query_strings_with_or_without_bearer() {
        let headers = vec![("authorization".to_string(), "Bearer abc.def.ghi".to_string())];
        assert_eq!(
            token_from("$request.header.Authorization", &headers, None).as_deref(),
            Some("abc.def.ghi")
        );
        let bare = vec![("Authorization".to_string(), "abc".to_string())];
        assert_eq!(
            token_from("$request.header.authorization", &bare, None).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_from("$request.querystring.token", &[], Some("a=1&token=xyz")).as_deref(),
            Some("xyz")
        );
        assert_eq!(token_from("$request.querystring.token", &[], Some("a=1")), None);
        let empty = vec![("authorization".to_string(), "Bearer ".to_string())];
        assert_eq!(token_from("$request.header.Authorization", &empty, None), None);
    }

    #[test]
    fn claims_are_checked_like_api_gateway() {
        let now = 1_000_000;
        let ok = json!({"iss": "https://issuer.example", "aud": "client-1", "exp": now + 60});
        assert_eq!(check_claims(&ok, &authorizer(), now), Ok(()));
        let cases = [
            (
                json!({"iss": "https://other", "aud": "client-1", "exp": now + 60}),
                "valid issuer",
            ),
            (
                json!({"iss": "https://issuer.example", "aud": "nobody", "exp": now + 60}),
                "valid audience",
            ),
            // aud wins over client_id when both are present.
            (
                json!({"iss": "https://issuer.example", "aud": "nobody", "client_id": "client-1", "exp": now + 60}),
                "valid audience",
            ),
            (
                json!({"iss": "https://issuer.example", "aud": "client-1", "exp": now}),
                "expired",
            ),
            (
                json!({"iss": "https://issuer.example", "aud": "client-1"}),
                "no exp",
            ),
            (
                json!({"iss": "https://issuer.example", "aud": "client-1", "exp": now + 60, "nbf": now + 5}),
                "nbf",
            ),
            (
                json!({"iss": "https://issuer.example", "aud": "client-1", "exp": now + 60, "iat": now + 5}),
                "iat",
            ),
        ];
        for (claims, needle) in cases {
            match check_claims(&claims, &authorizer(), now) {
                Err(Refusal::Unauthorized(d)) => assert!(d.contains(needle), "{claims}: {d}"),
                other => panic!("{claims}: {other:?}"),
            }
        }
        let client_id = json!({"iss": "https://issuer.example", "client_id": "client-2", "exp": now + 60});
        assert_eq!(check_claims(&client_id, &authorizer(), now), Ok(()));
        let list = json!({"iss": "https://issuer.example", "aud": ["x", "client-2"], "exp": now + 60});
        assert_eq!(check_claims(&list, &authorizer(), now), Ok(()));
    }

    #[test]
    fn one_of_the_route_scopes_is_enough() {
        let scopes = vec!["a/write".to_string(), "a/admin".to_string()];
        assert!(check_scopes(&json!({"scope": "openid a/write"}), &scopes).is_ok());
        assert!(check_scopes(&json!({"scp": ["a/admin"]}), &scopes).is_ok());
        assert!(check_scopes(&json!({}), &[]).is_ok());
        assert!(matches!(
            check_scopes(&json!({"scope": "a/read"}), &scopes),
            Err(Refusal::Forbidden(_))
        ));
    }

    #[test]
    fn www_authenticate_has_the_documented_shape() {
        assert_eq!(
            www_authenticate(&[], "invalid_token", "the token does not have a valid audience"),
            r#"Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience""#
        );
    }

    #[test]
    fn garbage_and_non_rsa_tokens_are_unauthorized() {
        let keys = JwkSet { keys: Vec::new() };
        assert!(matches!(
            verify("not a token", &keys, &authorizer(), &[], 0),
            Err(Refusal::Unauthorized(_))
        ));
        // {"alg":"HS256","kid":"k"} . {} . sig
        let hs = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsifQ.e30.c2ln";
        match verify(hs, &keys, &authorizer(), &[], 0) {
            Err(Refusal::Unauthorized(d)) => assert!(d.contains("only RSA"), "{d}"),
            other => panic!("{other:?}"),
        }
    }
}
