//! Calling a route as a client would: the HTTP request `provision invoke` sends, signed with
//! SigV4 for `AWS_IAM` routes or carrying a JWT for `JWT` routes.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::aws::Clients;
use crate::resource::authorizer::spec::TokenSource;

/// How long to wait for an answer: API Gateway gives an integration at most 30 s ("Amazon API
/// Gateway quotas": integration timeout for HTTP APIs), plus some slack for the network.
const ANSWER_WITHIN: Duration = Duration::from_secs(35);

/// A request to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The full URL.
    pub url: String,
    /// Headers, in order, as given.
    pub headers: Vec<(String, String)>,
    /// The body; empty for none.
    pub body: String,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The request could not be built (a bad URL or header).
    #[error("the request is not valid: {0}")]
    Invalid(String),
    /// No connection: DNS, refused, TLS.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// No answer in time.
    #[error("no answer within {} s", ANSWER_WITHIN.as_secs())]
    Timeout,
    /// The answer broke off.
    #[error("the answer could not be read: {0}")]
    Read(String),
}

/// Puts the token where the authorizer takes it from: a query string parameter, or a header with
/// the `Bearer ` prefix (API Gateway takes the token with or without it).
pub fn place_token(request: &mut Outgoing, source: &TokenSource, token: &str) {
    let name = match source {
        TokenSource::QueryString(name) => {
            let sep = if request.url.contains('?') { '&' } else { '?' };
            let value = percent_encoding::utf8_percent_encode(token, percent_encoding::NON_ALPHANUMERIC);
            request.url = format!("{}{sep}{name}={value}", request.url);
            return;
        }
        TokenSource::Header(name) => name,
    };
    let value = if token.starts_with("Bearer ") {
        token.to_string()
    } else {
        format!("Bearer {token}")
    };
    request.headers.push((name.to_string(), value));
}

/// Signs `request` with SigV4 for `execute-api` in `region`, with the credentials the rest of the
/// tool uses (profile, SSO, session token: the token travels as `x-amz-security-token`).
pub async fn sign(request: &mut Outgoing, clients: &Clients) -> Result<(), String> {
    let provider = clients
        .credentials
        .as_ref()
        .ok_or("no AWS credentials are configured")?;
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| format!("cannot load AWS credentials to sign the request: {e}"))?;
    let identity = credentials.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&clients.region)
        .name("execute-api")
        .time(SystemTime::now())
        .settings(aws_sigv4::http_request::SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let signable = aws_sigv4::http_request::SignableRequest::new(
        &request.method,
        &request.url,
        request.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        aws_sigv4::http_request::SignableBody::Bytes(request.body.as_bytes()),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let (headers, _) = instructions.into_parts();
    for header in headers {
        request
            .headers
            .push((header.name().to_string(), header.value().to_string()));
    }
    Ok(())
}

/// The header in which `provision serve` says why it refused a request (API Gateway's own
/// answers carry only a type, in `x-amzn-ErrorType`; the reason is in serve's log, and here).
pub const REASON_HEADER: &str = "x-provision-reason";

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body as text.
    pub body: String,
    /// `provision serve`'s reason for a refusal ([`REASON_HEADER`]), when it gave one.
    pub reason: Option<String>,
}

/// The tool's one plain HTTP client (HTTPS with the system's roots, or HTTP; HTTP/1), used by
/// `invoke` to call a route and by `serve` to fetch an issuer's keys. AWS's own calls go through
/// the SDK's client instead (`pace::PacedClient`). The error: the system's TLS roots are missing.
pub fn client() -> std::io::Result<Client<HttpsConnector<HttpConnector>, Full<Bytes>>> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// Sends the request; the status, the body as text and serve's reason for a refusal.
pub async fn send(request: &Outgoing) -> Result<Answer, SendError> {
    let client = client().map_err(|e| SendError::Connect(format!("no TLS roots: {e}")))?;
    let mut builder = hyper::Request::builder()
        .method(request.method.as_str())
        .uri(&request.url)
        .header("user-agent", concat!("provision/", env!("CARGO_PKG_VERSION")));
    // JSON unless the caller's own `-H content-type: ...` says otherwise (one header, not two).
    let typed = request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if !request.body.is_empty() && !typed {
        builder = builder.header("content-type", "application/json");
    }
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let http = builder
        .body(Full::new(Bytes::from(request.body.clone())))
        .map_err(|e| SendError::Invalid(e.to_string()))?;
    let response = tokio::time::timeout(ANSWER_WITHIN, client.request(http))
        .await
        .map_err(|_| SendError::Timeout)?
        .map_err(|e| SendError::Connect(causes(&e)))?;
    let status = response.status().as_u16();
    let reason = response
        .headers()
        .get(REASON_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| SendError::Read(e.to_string()))?
        .to_bytes();
    Ok(Answer {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        reason,
    })
}

/// The innermost cause of a connection error, which says what happened (refused, DNS).
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        last = e.to_string();
        next = e.source();
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> Outgoing {
        Outgoing {
            method: "GET".into(),
            url: url.into(),
            headers: Vec::new(),
            body: String::new(),
        }
    }

    #[test]
    fn a_token_goes_where_the_authorizer_takes_it() {
        let mut r = get("http://h/a");
        place_token(&mut r, &TokenSource::default(), "abc");
        assert_eq!(r.headers, vec![("Authorization".into(), "Bearer abc".into())]);
        let mut r = get("http://h/a?x=1");
        place_token(&mut r, &TokenSource::QueryString("token".into()), "a.b+c");
        assert_eq!(r.url, "http://h/a?x=1&token=a%2Eb%2Bc");
        let mut r = get("http://h/a");
        place_token(&mut r, &TokenSource::Header("X-Token".into()), "Bearer t");
        assert_eq!(r.headers, vec![("X-Token".into(), "Bearer t".into())]);
    }
}
