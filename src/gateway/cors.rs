//! CORS as an HTTP API with a CORS configuration answers it (developer guide, "Configure CORS for
//! HTTP APIs in API Gateway"): "API Gateway automatically sends a response to preflight OPTIONS
//! requests, even if there isn't an OPTIONS route configured for your API. For a CORS request, API
//! Gateway adds the configured CORS headers to the response from an integration." Headers are
//! returned only when the request carries an `Origin` header; a preflight is an `OPTIONS` request
//! with both `Origin` and `Access-Control-Request-Method`.

use crate::stack::desired::Cors;

/// Response headers, as (name, value) pairs.
pub type Headers = Vec<(&'static str, String)>;

/// Whether `origin` is allowed by `allowed`: exact, `*`, `https://*` or `http://*` (the guide's
/// examples: "allow any origin that begins with https://"), or a `scheme://*.domain` pattern
/// (today's behaviour, on which the guide is silent); origins compare case-insensitively, as host
/// names do.
pub fn origin_allowed(allowed: &[String], origin: &str) -> bool {
    let origin = origin.to_ascii_lowercase();
    allowed.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        if a == "*" || a == origin {
            return true;
        }
        if let Some(scheme) = a.strip_suffix("://*") {
            return origin
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix("://"))
                .is_some_and(|host| !host.is_empty());
        }
        match a.split_once("://*.") {
            Some((scheme, domain)) => origin
                .strip_prefix(&format!("{scheme}://"))
                .is_some_and(|host| host.ends_with(&format!(".{domain}"))),
            None => false,
        }
    })
}

/// The `Access-Control-Allow-Origin` value: `*` when every origin is allowed without credentials,
/// else the request's origin.
fn allow_origin(cors: &Cors, origin: &str) -> String {
    let wildcard = cors.allow_origins.iter().any(|o| o == "*");
    if wildcard && cors.allow_credentials != Some(true) {
        "*".to_string()
    } else {
        origin.to_string()
    }
}

/// Whether the request is a CORS preflight: `OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`.
pub fn is_preflight(method: &str, origin: Option<&str>, request_method: Option<&str>) -> bool {
    method == "OPTIONS" && origin.is_some() && request_method.is_some()
}

/// Whether the route a preflight matched answers it instead of the CORS configuration ("Configure
/// CORS for HTTP APIs", "Configuring CORS for an HTTP API with a $default route and an
/// authorizer"): the `$default` route "catches requests for all methods and routes that you
/// haven't explicitly defined, including OPTIONS requests" (so a JWT-protected `$default`
/// refuses an unauthenticated preflight), and an explicit `OPTIONS` route (such as
/// `OPTIONS /{proxy+}`) runs its integration. An `ANY` route, on which the guide is silent,
/// leaves the preflight to the CORS configuration, as this gateway always did.
pub fn route_takes_preflight(route_key: &str) -> bool {
    route_key == crate::stack::rules::RouteKey::DEFAULT || route_key.starts_with("OPTIONS ")
}

/// The headers of the gateway's own preflight answer (status 204). Empty when the origin is not
/// allowed: the browser then refuses the cross-origin call.
pub fn preflight_headers(cors: &Cors, origin: &str) -> Headers {
    if !origin_allowed(&cors.allow_origins, origin) {
        return Vec::new();
    }
    let mut headers = vec![("access-control-allow-origin", allow_origin(cors, origin))];
    if !cors.allow_methods.is_empty() {
        headers.push(("access-control-allow-methods", cors.allow_methods.join(",")));
    }
    if !cors.allow_headers.is_empty() {
        headers.push(("access-control-allow-headers", cors.allow_headers.join(",")));
    }
    if let Some(age) = cors.max_age {
        headers.push(("access-control-max-age", age.to_string()));
    }
    if cors.allow_credentials == Some(true) {
        headers.push(("access-control-allow-credentials", "true".to_string()));
    }
    headers
}

/// The headers added to any other response to a request from `origin`; empty for an origin that is
/// not allowed.
pub fn response_headers(cors: &Cors, origin: &str) -> Headers {
    if !origin_allowed(&cors.allow_origins, origin) {
        return Vec::new();
    }
    let mut headers = vec![("access-control-allow-origin", allow_origin(cors, origin))];
    if cors.allow_credentials == Some(true) {
        headers.push(("access-control-allow-credentials", "true".to_string()));
    }
    if !cors.expose_headers.is_empty() {
        headers.push(("access-control-expose-headers", cors.expose_headers.join(",")));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors() -> Cors {
        Cors {
            allow_origins: vec!["https://app.example.com".into(), "https://*.example.org".into()],
            allow_methods: vec!["POST".into(), "GET".into()],
            allow_headers: vec!["content-type".into(), "authorization".into()],
            expose_headers: vec!["x-request-id".into()],
            max_age: Some(300),
            allow_credentials: Some(true),
        }
    }

    #[test]
    fn origins_match_exactly_or_by_subdomain_pattern() {
        let c = cors();
        assert!(origin_allowed(&c.allow_origins, "https://app.example.com"));
        assert!(origin_allowed(&c.allow_origins, "HTTPS://APP.example.com"));
        assert!(origin_allowed(&c.allow_origins, "https://a.b.example.org"));
        assert!(!origin_allowed(&c.allow_origins, "https://example.org"));
        assert!(!origin_allowed(&c.allow_origins, "http://app.example.com"));
        assert!(!origin_allowed(&c.allow_origins, "https://evil.example.com"));
        assert!(origin_allowed(&["*".to_string()], "https://anything"));
    }

    /// "Configure CORS for HTTP APIs": allowOrigins `https://*` allows any origin that begins
    /// with https://, `http://*` any that begins with http://.
    #[test]
    fn scheme_wildcards_match_any_origin_of_that_scheme() {
        let https = ["https://*".to_string()];
        assert!(origin_allowed(&https, "https://app.example.com"));
        assert!(origin_allowed(&https, "https://localhost:8443"));
        assert!(!origin_allowed(&https, "http://app.example.com"));
        assert!(!origin_allowed(&https, "https://"));
        let http = ["http://*".to_string()];
        assert!(origin_allowed(&http, "http://localhost:3000"));
        assert!(!origin_allowed(&http, "https://localhost:3000"));
    }

    #[test]
    fn preflight_answers_for_allowed_origins_only() {
        let c = cors();
        let h = preflight_headers(&c, "https://app.example.com");
        assert_eq!(
            h,
            vec![
                (
                    "access-control-allow-origin",
                    "https://app.example.com".to_string()
                ),
                ("access-control-allow-methods", "POST,GET".to_string()),
                (
                    "access-control-allow-headers",
                    "content-type,authorization".to_string()
                ),
                ("access-control-max-age", "300".to_string()),
                ("access-control-allow-credentials", "true".to_string()),
            ]
        );
        assert!(preflight_headers(&c, "https://other.example").is_empty());
        assert!(is_preflight("OPTIONS", Some("o"), Some("POST")));
        assert!(!is_preflight("OPTIONS", Some("o"), None));
        assert!(!is_preflight("POST", Some("o"), Some("POST")));
    }

    #[test]
    fn default_and_options_routes_take_the_preflight_any_routes_do_not() {
        assert!(route_takes_preflight("$default"));
        assert!(route_takes_preflight("OPTIONS /{proxy+}"));
        assert!(route_takes_preflight("OPTIONS /orders"));
        assert!(!route_takes_preflight("ANY /{proxy+}"));
        assert!(!route_takes_preflight("POST /orders"));
    }

    #[test]
    fn responses_carry_origin_credentials_and_exposed_headers() {
        let c = cors();
        assert_eq!(
            response_headers(&c, "https://x.example.org"),
            vec![
                ("access-control-allow-origin", "https://x.example.org".to_string()),
                ("access-control-allow-credentials", "true".to_string()),
                ("access-control-expose-headers", "x-request-id".to_string()),
            ]
        );
        assert!(response_headers(&c, "https://other.example").is_empty());
        let open = Cors {
            allow_origins: vec!["*".into()],
            ..Cors::default()
        };
        assert_eq!(
            response_headers(&open, "https://any.example"),
            vec![("access-control-allow-origin", "*".to_string())]
        );
    }
}
