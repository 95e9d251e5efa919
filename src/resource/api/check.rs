//! The `[api.cors]` table checked offline, with API Gateway's rules (botocore apigatewayv2 `Cors`).

use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::StackFile;
use crate::stack::rules;

/// The longest preflight cache API Gateway accepts, in seconds (botocore apigatewayv2
/// `Cors.MaxAge`, IntegerWithLengthBetweenMinus1And86400).
pub const CORS_MAX_AGE: i64 = 86400;

/// The lowest `max_age` API Gateway accepts: -1 (same botocore shape).
pub const CORS_MIN_AGE: i64 = -1;

/// Every problem of `[api.cors]`.
pub fn cors(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let Some(cors) = &file.api.cors else {
        return;
    };
    let origins = cors.allow_origins.as_deref().unwrap_or_default();
    for origin in origins {
        if let Err(reason) = rules::check_origin(&origin.value) {
            out.push(
                Diagnostic::error(
                    origin.span.clone(),
                    format!("invalid origin `{}`", origin.value),
                    reason,
                )
                .with_help("write the origin as the browser sends it: https://app.example.com"),
            );
        }
    }
    if let Some(credentials) = &cors.allow_credentials
        && credentials.value
        && let Some(star) = origins.iter().find(|o| o.value == "*")
    {
        out.push(
            Diagnostic::error(
                star.span.clone(),
                "`*` origin with allow_credentials",
                "API Gateway refuses credentials for any origin",
            )
            .with_help("list the origins that may send credentials"),
        );
    }
    for method in cors.allow_methods.as_deref().unwrap_or_default() {
        if !rules::CORS_METHODS.contains(&method.value.as_str()) {
            let mut d = Diagnostic::error(
                method.span.clone(),
                format!("unknown method `{}`", method.value),
                "not an HTTP method CORS can allow",
            );
            let upper = method.value.to_ascii_uppercase();
            if rules::CORS_METHODS.contains(&upper.as_str()) {
                d = d.with_help(format!("write it in capitals: \"{upper}\""));
            } else {
                d = d.with_help(format!("expected one of: {}", rules::CORS_METHODS.join(", ")));
            }
            out.push(d);
        }
    }
    let headers = [&cors.allow_headers, &cors.expose_headers];
    for header in headers.into_iter().flatten().flatten() {
        let ok = header.value == "*"
            || (!header.value.is_empty()
                && header
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)));
        if !ok {
            out.push(
                Diagnostic::error(
                    header.span.clone(),
                    format!("invalid header name `{}`", header.value),
                    "a header name is letters, digits, - and _",
                )
                .with_help("write one header per string, e.g. [\"content-type\", \"authorization\"]"),
            );
        }
    }
    // botocore apigatewayv2 `Cors.MaxAge`: IntegerWithLengthBetweenMinus1And86400.
    if let Some(age) = &cors.max_age
        && !(CORS_MIN_AGE..=CORS_MAX_AGE).contains(&age.value)
    {
        out.push(
            Diagnostic::error(
                age.span.clone(),
                "max_age out of range",
                "seconds from -1 to 86400",
            )
            .with_help("browsers cap it anyway; 300 is a common choice"),
        );
    }
}
