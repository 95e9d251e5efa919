//! The `[[authorizer]]` tables checked offline, with API Gateway's rules: names, issuer, audience
//! and the identity source.

use std::collections::HashSet;

use super::spec::TokenSource;
use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::StackFile;

/// A JWT identity source: one `$request.header.NAME` or `$request.querystring.NAME`.
pub fn is_jwt_identity_source(s: &str) -> bool {
    TokenSource::parse(s).is_some()
}

/// Every problem of the `[[authorizer]]` tables.
pub fn authorizers(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for authorizer in &file.authorizers {
        if let Some(name) = &authorizer.name {
            if name.value.is_empty() || name.value.chars().count() > 128 {
                out.push(Diagnostic::error(
                    name.span.clone(),
                    "invalid authorizer name",
                    "an authorizer name is 1-128 characters",
                ));
            }
            if !seen.insert(&name.value) {
                out.push(
                    Diagnostic::error(
                        name.span.clone(),
                        format!("duplicate authorizer `{}`", name.value),
                        "declared again here",
                    )
                    .with_help("authorizer names are unique within an API: rename or remove this one"),
                );
            }
            let used = file
                .routes
                .iter()
                .any(|r| r.authorizer.as_ref().is_some_and(|a| a.value == name.value));
            if !used {
                out.push(
                    Diagnostic::warning(
                        "unused-authorizer",
                        name.span.clone(),
                        format!("authorizer `{}` is not used", name.value),
                        "no route names this authorizer",
                    )
                    .with_help(format!(
                        "set authorizer = \"{}\" on the routes it should protect",
                        name.value
                    )),
                );
            }
        }
        if let Some(issuer) = &authorizer.issuer {
            let host = issuer.value.strip_prefix("https://").unwrap_or_default();
            if host.is_empty() || host.starts_with('/') || host.contains(char::is_whitespace) {
                out.push(
                    Diagnostic::error(
                        issuer.span.clone(),
                        "invalid issuer",
                        "the issuer is an https:// URL",
                    )
                    .with_help("for Cognito: https://cognito-idp.REGION.amazonaws.com/USER_POOL_ID"),
                );
            }
        }
        if let Some(audience) = &authorizer.audience {
            if audience.is_empty() {
                out.push(
                    Diagnostic::error(
                        header_of(&authorizer.span),
                        "empty audience",
                        "a JWT authorizer needs at least one audience",
                    )
                    .with_help(
                        "list the client ids tokens are issued to, e.g. audience = [\"onboarding-client\"]",
                    ),
                );
            }
            for a in audience.iter().filter(|a| a.value.is_empty()) {
                out.push(Diagnostic::error(
                    a.span.clone(),
                    "empty audience value",
                    "write a client id here",
                ));
            }
        }
        if let Some(source) = &authorizer.identity_source
            && !is_jwt_identity_source(&source.value)
        {
            out.push(
                Diagnostic::error(
                    source.span.clone(),
                    "invalid identity source",
                    "a JWT comes from one header or query string parameter",
                )
                .with_help(
                    "write `$request.header.Authorization` (the default) or `$request.querystring.NAME`",
                ),
            );
        }
    }
}

fn header_of(span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    span.start..span.start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_sources() {
        assert!(is_jwt_identity_source("$request.header.Authorization"));
        assert!(is_jwt_identity_source("$request.querystring.token"));
        assert!(!is_jwt_identity_source("$request.body.token"));
        assert!(!is_jwt_identity_source("$request.header."));
    }
}
