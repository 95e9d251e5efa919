//! The local gateway's HTTP side: answers requests on loopback as the deployed HTTP API would,
//! from the routes, authorizers, stages and CORS configuration read live from AWS.
//!
//! A request goes through the steps API Gateway takes, each answering as it does: the payload
//! limit (413), the stage (404), CORS preflight (204, answered by the gateway itself), the route
//! (404), the stage's default route throttling (429), the route's authorization (401/403), the
//! integration's request parameters (400/500), the integration role's permissions (500), and the
//! Step Functions call within the integration timeout (504).

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request as HttpRequest, Response, StatusCode};
use serde_json::{Value, json};

use super::jwks::KeyStore;
use super::jwt::{self, Refusal};
use super::mapping::Answer;
use super::served::{Served, ServedRoute};
use super::throttle::Throttle;
use super::{MappingError, Request, cors, evaluate, match_route, response, sigv4};
use crate::aws::Clients;
use crate::domain::{Action, Authorization};
use crate::live::LiveIntegration;
use crate::live::execution::{self, ServiceReply};

/// "Payload size: 10 MB" (developer guide, "Quotas for configuring and running an HTTP API in API
/// Gateway"); a larger body answers 413.
pub const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// "Maximum integration timeout: 30 seconds" (same quotas page).
pub const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// One served request, for the log line.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Route key, when one matched.
    pub route: Option<String>,
    /// Status answered.
    pub status: u16,
    /// Time taken.
    pub millis: u128,
    /// The execution started, if any.
    pub execution_arn: Option<String>,
    /// Why the gateway refused or what it could not check, one line each.
    pub notes: Vec<String>,
}

/// The gateway: live routes behind a lock (reload swaps them), the clients it calls with, the
/// issuers' keys and the throttling buckets.
pub struct Gateway {
    /// What is served; a request takes the current table (one `Arc` clone) and keeps it, so a
    /// reload never waits on requests nor they on it.
    served: RwLock<Arc<Served>>,
    clients: Clients,
    port: u16,
    keys: KeyStore,
    throttle: Throttle,
    local_credentials: Option<(String, String)>,
    timeout: Duration,
}

type Body = Full<Bytes>;

fn reply(status: u16, body: &Value) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn message(status: u16, text: &str) -> Response<Body> {
    reply(status, &json!({ "message": text }))
}

fn with_header(mut resp: Response<Body>, name: &'static str, value: &str) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(HeaderName::from_static(name), v);
    }
    resp
}

/// `text` as a header value: printable ASCII only (others become `?`), at most 1,000 bytes.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .take(1000)
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A random id in UUID form (the std hasher is seeded randomly per process and per call).
pub fn random_id() -> String {
    let a = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let b = h.finish();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// `25/Nov/2026:12:00:00 +0000`, API Gateway's `$context.requestTime`.
fn request_time(secs: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The body of a request: its bytes, or `Err(size)` when it is over [`MAX_PAYLOAD`] (it is read to
/// the end anyway, so that the client can read the 413).
async fn read_body(body: Incoming, declared: Option<usize>) -> Result<Vec<u8>, usize> {
    let mut body = body;
    let mut bytes = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { break };
        if let Ok(data) = frame.into_data() {
            total += data.len();
            if total <= MAX_PAYLOAD && declared.is_none_or(|d| d <= MAX_PAYLOAD) {
                bytes.extend_from_slice(&data);
            }
        }
    }
    if total > MAX_PAYLOAD || declared.is_some_and(|d| d > MAX_PAYLOAD) {
        Err(total.max(declared.unwrap_or(0)))
    } else {
        Ok(bytes)
    }
}

/// "Total combined size of request line and header values: 10,240 bytes" (developer guide,
/// "Quotas for configuring and running an HTTP API in API Gateway").
pub const MAX_REQUEST_HEAD: usize = 10_240;

/// The size of the request line and the headers as they came on the wire (`METHOD TARGET
/// VERSION\r\n`, then `name: value\r\n` each).
fn head_size(method: &str, target: &str, headers: &[(String, String)]) -> usize {
    let line = method.len() + 1 + target.len() + 1 + "HTTP/1.1".len() + 2;
    line + headers
        .iter()
        .map(|(k, v)| k.len() + 2 + v.len() + 2)
        .sum::<usize>()
}

/// What is refused before the body is read and before any route runs: a request line and headers
/// over [`MAX_REQUEST_HEAD`] (431; the status AWS answers is not documented), and a declared
/// `Content-Length` over [`MAX_PAYLOAD`] (413 at once, the body never read).
fn refuse_before_body(
    req: &HttpRequest<Incoming>,
    headers: &[(String, String)],
    declared: Option<usize>,
    log: &mut RequestLog,
) -> Option<Response<Body>> {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().to_string(), |p| p.as_str().to_string());
    let head = head_size(req.method().as_str(), &target, headers);
    if head > MAX_REQUEST_HEAD {
        log.notes.push(format!(
            "the request line and headers are {head} bytes, over the {MAX_REQUEST_HEAD}-byte quota"
        ));
        return Some(message(431, "Request Header Fields Too Large"));
    }
    if let Some(size) = declared.filter(|d| *d > MAX_PAYLOAD) {
        log.notes.push(format!(
            "Content-Length declares {size} bytes, over the {MAX_PAYLOAD}-byte payload quota: answered without reading the body"
        ));
        return Some(with_header(
            message(413, "Request Entity Too Large"),
            "connection",
            "close",
        ));
    }
    None
}

impl Gateway {
    /// A gateway over `served`, answering on `port`, with the issuers' `keys`, the caller's
    /// `local_credentials` (access key id, secret) for checking SigV4 signatures, and how long an
    /// integration may take before a 504 ([`INTEGRATION_TIMEOUT`] but in tests).
    pub fn new(
        served: Served,
        clients: Clients,
        port: u16,
        keys: KeyStore,
        local_credentials: Option<(String, String)>,
        timeout: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            served: RwLock::new(Arc::new(served)),
            clients,
            port,
            keys,
            throttle: Throttle::default(),
            local_credentials,
            timeout,
        })
    }

    /// Swaps in a freshly read table.
    pub fn reload(&self, served: Served) {
        if let Ok(mut s) = self.served.write() {
            *s = Arc::new(served);
        }
    }

    fn snapshot(&self) -> Arc<Served> {
        self.served.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Where the keys of `issuer` come from, for the banner.
    pub fn key_source(&self, issuer: &str) -> String {
        self.keys.source(issuer)
    }

    /// Answers one request as the HTTP API would.
    pub async fn handle(&self, req: HttpRequest<Incoming>, peer: SocketAddr) -> (Response<Body>, RequestLog) {
        let started = Instant::now();
        let method = req.method().as_str().to_string();
        let path = req.uri().path().to_string();
        let raw_query = req.uri().query().map(str::to_string);
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let declared = header(&headers, "content-length").and_then(|v| v.trim().parse::<usize>().ok());
        let mut log = RequestLog {
            method: method.clone(),
            path: path.clone(),
            ..RequestLog::default()
        };
        if let Some(refusal) = refuse_before_body(&req, &headers, declared, &mut log) {
            log.status = refusal.status().as_u16();
            log.millis = started.elapsed().as_millis();
            return (refusal, log);
        }
        let body = read_body(req.into_body(), declared).await;
        let request = Request {
            method,
            path,
            raw_query,
            headers,
            body: body.clone().unwrap_or_default(),
            ..Request::default()
        };
        let served = self.snapshot();
        let origin = header(&request.headers, "origin").map(str::to_string);
        let mut response = match body {
            Err(size) => {
                log.notes.push(format!(
                    "the body is {size} bytes, over the {MAX_PAYLOAD}-byte payload quota"
                ));
                message(413, "Request Entity Too Large")
            }
            Ok(_) => self.answer(&served, request, peer, &mut log).await,
        };
        if let (Some(cors), Some(origin)) = (&served.cors, &origin)
            && response.status() != StatusCode::NO_CONTENT
        {
            for (name, value) in cors::response_headers(cors, origin) {
                response = with_header(response, name, &value);
            }
        }
        log.status = response.status().as_u16();
        log.millis = started.elapsed().as_millis();
        if log.status >= 400
            && let Some(reason) = log.notes.first()
        {
            response = with_header(response, crate::request::REASON_HEADER, &header_safe(reason));
        }
        (response, log)
    }

    async fn answer(
        &self,
        served: &Served,
        mut request: Request,
        peer: SocketAddr,
        log: &mut RequestLog,
    ) -> Response<Body> {
        if let Some(stack) = &served.deleted {
            log.notes.push(format!(
                "stack {stack} was deleted: its API is gone from AWS; `provision up` recreates it and serve picks \
                 it up"
            ));
            return message(404, "Not Found");
        }
        let Some((stage, path)) = served.stage_for(&request.path) else {
            log.notes
                .push("no stage matches the path and there is no $default stage".into());
            return message(404, "Not Found");
        };
        request.route_path = path.clone();
        let keys: Vec<String> = served.routes.iter().map(|r| r.key.clone()).collect();
        let matched = match_route(&keys, &request.method, &path);
        let origin = header(&request.headers, "origin");
        let preflight_method = header(&request.headers, "access-control-request-method");
        if let Some(cors) = &served.cors
            && let Some(origin) = origin
            && cors::is_preflight(&request.method, Some(origin), preflight_method)
            && !matched
                .as_ref()
                .is_some_and(|m| cors::route_takes_preflight(&m.key))
        {
            let mut resp = Response::new(Full::new(Bytes::new()));
            *resp.status_mut() = StatusCode::NO_CONTENT;
            let headers = cors::preflight_headers(cors, origin);
            if headers.is_empty() {
                log.notes.push(format!(
                    "preflight from {origin}: origin not allowed by the API's CORS configuration"
                ));
            }
            for (name, value) in headers {
                resp = with_header(resp, name, &value);
            }
            return resp;
        }
        let Some(matched) = matched else {
            log.notes.push(Self::no_route(&keys, &request.method, &path));
            return message(404, "Not Found");
        };
        log.route = Some(matched.key.clone());
        let route = &served.routes[matched.index];
        if !self
            .throttle
            .admit(&stage.name, &route.key, stage.throttle, Instant::now())
        {
            if let Some((rate, burst)) = stage.throttle {
                log.notes.push(format!(
                    "throttled: stage {} allows {rate} requests/s, burst {burst}, per route",
                    stage.name
                ));
            }
            return message(429, "Too Many Requests");
        }
        let claims = match self.authorize(route, &request, log).await {
            Ok(claims) => claims,
            Err(resp) => return resp,
        };
        request.context = self.context(served, &stage.name, route, &request, peer, &claims);
        request.path_params = matched.path_params;
        request.stage_variables = stage.variables.clone();
        self.integrate(served, route, &request, log).await
    }

    /// `$context` variables of a request, with the verified JWT claims as
    /// `authorizer.claims.NAME`.
    fn context(
        &self,
        served: &Served,
        stage: &str,
        route: &ServedRoute,
        request: &Request,
        peer: SocketAddr,
        claims: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let request_id = random_id();
        let mut context: BTreeMap<String, String> = [
            ("requestId", request_id.clone()),
            ("extendedRequestId", request_id),
            ("requestTime", request_time(now.as_secs())),
            ("requestTimeEpoch", now.as_millis().to_string()),
            ("httpMethod", request.method.clone()),
            // `$context.path`: the path as sent, a named stage's `/{stage}` included
            // (`$request.path` is the path without it).
            ("path", request.path.clone()),
            ("protocol", "HTTP/1.1".to_string()),
            ("routeKey", route.key.clone()),
            ("stage", stage.to_string()),
            ("apiId", served.api_id.clone()),
            ("domainName", format!("127.0.0.1:{}", self.port)),
            ("domainPrefix", "127".to_string()),
            ("identity.sourceIp", peer.ip().to_string()),
            (
                "identity.userAgent",
                header(&request.headers, "user-agent")
                    .unwrap_or_default()
                    .to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (name, value) in claims {
            context.insert(format!("authorizer.claims.{name}"), value.clone());
        }
        context
    }

    /// The route's authorization: the verified claims of a JWT route, or the refusal to answer.
    async fn authorize(
        &self,
        route: &ServedRoute,
        request: &Request,
        log: &mut RequestLog,
    ) -> Result<BTreeMap<String, String>, Response<Body>> {
        match route.authorization {
            Authorization::Jwt => self.authorize_jwt(route, request, log).await,
            Authorization::AwsIam => {
                let signed = sigv4::Signed {
                    method: &request.method,
                    path: &request.path,
                    query: request.raw_query.as_deref(),
                    headers: &request.headers,
                    body: &request.body,
                };
                let local = self
                    .local_credentials
                    .as_ref()
                    .map(|(k, s)| (k.as_str(), s.as_str()));
                match sigv4::check(&signed, &self.clients.region, local, now_secs()) {
                    Ok(true) => Ok(BTreeMap::new()),
                    Ok(false) => {
                        log.notes.push("AWS_IAM: well-formed SigV4 signature from an access key this gateway does not hold; served without verifying it".into());
                        Ok(BTreeMap::new())
                    }
                    Err(sigv4::Refusal::Forbidden(why)) => {
                        log.notes.push(format!("AWS_IAM: {why}"));
                        Err(message(403, "Forbidden"))
                    }
                    Err(sigv4::Refusal::Message(text)) => {
                        log.notes.push(format!("AWS_IAM: {text}"));
                        Err(message(403, &text))
                    }
                }
            }
            Authorization::Custom => {
                log.notes
                    .push("Lambda (CUSTOM) authorizers are not emulated; the request is refused".into());
                Err(message(401, "Unauthorized"))
            }
            Authorization::None => Ok(BTreeMap::new()),
        }
    }

    async fn authorize_jwt(
        &self,
        route: &ServedRoute,
        request: &Request,
        log: &mut RequestLog,
    ) -> Result<BTreeMap<String, String>, Response<Body>> {
        let unauthorized = |log: &mut RequestLog, description: String| {
            log.notes.push(format!("JWT: {description}"));
            let value = jwt::www_authenticate(&route.scopes, "invalid_token", &description);
            with_header(message(401, "Unauthorized"), "www-authenticate", &value)
        };
        let Some(authorizer) = &route.authorizer else {
            return Err(unauthorized(
                log,
                "the route's JWT authorizer does not exist".into(),
            ));
        };
        let token = match authorizer.token_in(&request.headers, request.raw_query.as_deref()) {
            Ok(token) => token,
            Err(why) => return Err(unauthorized(log, why)),
        };
        let mut keys = match self.keys.keys(&authorizer.issuer, false).await {
            Ok(keys) => keys,
            Err(why) => {
                let why = format!("the keys of issuer {} cannot be had: {why}", authorizer.issuer);
                return Err(unauthorized(log, why));
            }
        };
        if jwt::unknown_kid(&token, &keys).is_some()
            && let Ok(fresh) = self.keys.keys(&authorizer.issuer, true).await
        {
            keys = fresh;
        }
        match jwt::verify(&token, &keys, authorizer, &route.scopes, now_secs()) {
            Ok(claims) => Ok(claims),
            Err(Refusal::Unauthorized(description)) => Err(unauthorized(log, description)),
            Err(Refusal::Forbidden(why)) => {
                log.notes.push(format!("JWT: {why}"));
                let value = jwt::www_authenticate(&route.scopes, "insufficient_scope", &why);
                Err(with_header(message(403, "Forbidden"), "www-authenticate", &value))
            }
        }
    }

    /// Maps the request onto the integration, checks the role, and calls Step Functions.
    async fn integrate(
        &self,
        served: &Served,
        route: &ServedRoute,
        request: &Request,
        log: &mut RequestLog,
    ) -> Response<Body> {
        let Some(integration) = &route.integration else {
            log.notes.push("the route has no integration".into());
            return message(500, "Internal Server Error");
        };
        let Some(action) = integration.action() else {
            log.notes.push(format!(
                "the integration is not a Step Functions integration this gateway can call (subtype {})",
                integration.subtype.as_deref().unwrap_or("none")
            ));
            return message(500, "Internal Server Error");
        };
        let mut params = match evaluate(&integration.parameters, request) {
            Ok(p) => p,
            Err(MappingError::BadRequest(why)) => {
                log.notes.push(why);
                return message(400, "Bad Request");
            }
            Err(MappingError::Internal(why)) => {
                log.notes.push(why);
                return message(500, "Internal Server Error");
            }
        };
        if let Err(why) = served.role_allows(integration.credentials_arn.as_deref(), action, &params) {
            log.notes.push(why);
            return message(500, "Internal Server Error");
        }
        if let Some(input) = integration.parameters.get("Input")
            && !params.contains_key("Input")
        {
            // API Gateway sends no input then, and answers 200: the execution starts with {}.
            log.notes.push(format!(
                "warning: Input = {input} found nothing in this request, so the execution starts with {{}}{}",
                if input == "$request.body.input" {
                    "; the body convention wants {\"input\": ...}"
                } else {
                    ""
                }
            ));
        }
        if action.starts() && !params.contains_key("Name") {
            // Step Functions names an execution itself when no name is sent; emulators may not.
            params.insert("Name".into(), random_id());
        }
        let call = execution::call_action(&self.clients, action, &params);
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(ServiceReply { status, body })) => {
                log.execution_arn = body["executionArn"].as_str().map(str::to_string);
                if status >= 400 {
                    log.notes.push(Self::service_refusal(action, &body));
                }
                Self::shaped(integration, request, status, &body, log)
            }
            Ok(Err(e)) => {
                log.notes.push(e.to_string());
                message(500, "Internal Server Error")
            }
            Err(_) => {
                log.notes.push(format!(
                    "the integration did not answer within {} ms (the HTTP API integration timeout)",
                    self.timeout.as_millis()
                ));
                message(504, "Gateway Timeout")
            }
        }
    }

    /// The service's answer as the client receives it: reshaped by the integration's response
    /// parameters for its status code, when it has any.
    fn shaped(
        integration: &LiveIntegration,
        request: &Request,
        status: u16,
        body: &Value,
        log: &mut RequestLog,
    ) -> Response<Body> {
        if integration.response.is_empty() {
            return reply(status, body);
        }
        let answer = Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        };
        let shaped = match response::shape(&integration.response, request, &answer) {
            Ok(shaped) => shaped,
            Err(e) => {
                log.notes.push(e.to_string());
                return message(500, "Internal Server Error");
            }
        };
        if shaped.status != status {
            log.notes.push(format!(
                "response parameters of {status} answer {}",
                shaped.status
            ));
        }
        let mut resp = Response::new(Full::new(Bytes::from(answer.body)));
        *resp.status_mut() = StatusCode::from_u16(shaped.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in shaped.headers {
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                (Ok(n), Ok(v)) => {
                    resp.headers_mut().append(n, v);
                }
                _ => log.notes.push(format!(
                    "response parameter header {name} has a value HTTP cannot carry: {value:?}"
                )),
            }
        }
        resp
    }

    /// Why Step Functions refused, with the emulator's known gap named: moto answers an empty
    /// `UnknownError` for StartSyncExecution, which it does not implement.
    fn service_refusal(action: Action, body: &Value) -> String {
        let code = body["__type"].as_str().unwrap_or("an error");
        let text = body["message"].as_str().unwrap_or_default();
        if action == Action::StartSyncExecution && code == "UnknownError" && text.is_empty() {
            return "Step Functions answered an empty UnknownError to StartSyncExecution: moto does not implement \
                StartSyncExecution (on AWS the route answers with the execution's result)"
            .into();
        }
        format!("Step Functions refused {action}: {code}: {text}")
    }

    /// Why no route matched, with the nearest route keys.
    fn no_route(keys: &[String], method: &str, path: &str) -> String {
        let wanted = format!("{method} {path}");
        let candidates: Vec<&str> = keys.iter().map(String::as_str).collect();
        match crate::stack::diagnostic::did_you_mean(&wanted, &candidates) {
            Some(near) => format!("no route matches {wanted}; did you mean {near}?"),
            None => format!(
                "no route matches {wanted}; the routes are {}",
                candidates.join(", ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_time_is_api_gateway_shaped() {
        assert_eq!(request_time(0), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(request_time(1_795_608_000), "25/Nov/2026:12:00:00 +0000");
    }

    #[test]
    fn the_head_is_the_request_line_and_the_headers_as_sent() {
        // "POST /a HTTP/1.1\r\n" is 18 bytes, "host: x\r\n" 9.
        assert_eq!(head_size("POST", "/a", &[("host".into(), "x".into())]), 18 + 9);
        let big = vec![("x-big".to_string(), "v".repeat(MAX_REQUEST_HEAD))];
        assert!(head_size("GET", "/", &big) > MAX_REQUEST_HEAD);
    }

    #[test]
    fn random_ids_differ_and_look_like_uuids() {
        let (a, b) = (random_id(), random_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
