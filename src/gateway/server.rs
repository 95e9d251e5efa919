//! The local gateway's HTTP side: answers requests on loopback as the deployed HTTP API would,
//! from the routes and integrations read live from AWS.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request as HttpRequest, Response, StatusCode};
use serde_json::{Value, json};

use super::{MappingError, Request, evaluate, match_route};
use crate::aws::Clients;
use crate::live::execution::{self, ServiceReply};
use crate::live::{LiveApi, LiveIntegration};

/// One route as deployed.
#[derive(Debug, Clone)]
pub struct ServedRoute {
    /// Route key.
    pub key: String,
    /// NONE, AWS_IAM, JWT or CUSTOM.
    pub authorization: String,
    /// The integration the route targets, if it exists.
    pub integration: Option<LiveIntegration>,
}

/// Everything the gateway serves, rebuilt on reload.
#[derive(Debug, Clone, Default)]
pub struct Served {
    /// API id.
    pub api_id: String,
    /// API name.
    pub api_name: String,
    /// Stage name.
    pub stage: String,
    /// Stage variables.
    pub stage_variables: BTreeMap<String, String>,
    /// Routes.
    pub routes: Vec<ServedRoute>,
}

impl Served {
    /// Builds the table from an API read live. The stage is the `$default` one if present.
    pub fn from_live(api: &LiveApi) -> Self {
        let stage = api
            .stages
            .iter()
            .find(|s| s.name == "$default")
            .or_else(|| api.stages.first());
        let routes = api
            .routes
            .iter()
            .map(|r| ServedRoute {
                key: r.key.clone(),
                authorization: r.authorization.clone(),
                integration: r
                    .integration_id()
                    .and_then(|id| api.integrations.iter().find(|i| i.id == id))
                    .cloned(),
            })
            .collect();
        Self {
            api_id: api.id.clone(),
            api_name: api.name.clone(),
            stage: stage.map_or_else(|| "$default".into(), |s| s.name.clone()),
            stage_variables: stage.map(|s| s.variables.clone()).unwrap_or_default(),
            routes,
        }
    }
}

/// One served request, for the log line.
#[derive(Debug, Clone)]
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
}

/// The gateway: live routes behind a lock (reload swaps them), and the clients it calls with.
pub struct Gateway {
    /// What is served.
    pub served: RwLock<Served>,
    clients: Clients,
    port: u16,
}

type Body = Full<Bytes>;

fn reply(status: u16, body: &Value) -> Response<Body> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

fn message(status: u16, text: &str) -> Response<Body> {
    reply(status, &json!({ "message": text }))
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

impl Gateway {
    /// A gateway over `served`, answering on `port`.
    pub fn new(served: Served, clients: Clients, port: u16) -> Arc<Self> {
        Arc::new(Self {
            served: RwLock::new(served),
            clients,
            port,
        })
    }

    /// Swaps in a freshly read table.
    pub fn reload(&self, served: Served) {
        if let Ok(mut s) = self.served.write() {
            *s = served;
        }
    }

    fn snapshot(&self) -> Served {
        self.served.read().map(|s| s.clone()).unwrap_or_default()
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
        let body = match req.into_body().collect().await {
            Ok(b) => b.to_bytes().to_vec(),
            Err(_) => Vec::new(),
        };
        let request = Request {
            method: method.clone(),
            path: path.clone(),
            raw_query,
            headers,
            body,
            ..Request::default()
        };
        let served = self.snapshot();
        let mut log = RequestLog {
            method,
            path,
            route: None,
            status: 0,
            millis: 0,
            execution_arn: None,
        };
        let response = self.answer(&served, request, peer, &mut log).await;
        log.status = response.status().as_u16();
        log.millis = started.elapsed().as_millis();
        (response, log)
    }

    async fn answer(
        &self,
        served: &Served,
        mut request: Request,
        peer: SocketAddr,
        log: &mut RequestLog,
    ) -> Response<Body> {
        let keys: Vec<String> = served.routes.iter().map(|r| r.key.clone()).collect();
        let Some(matched) = match_route(&keys, &request.method, &request.path) else {
            return message(404, "Not Found");
        };
        log.route = Some(matched.key.clone());
        let route = &served.routes[matched.index];
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        // Authorizers are not verified locally: a credential must be present, any will do.
        match route.authorization.as_str() {
            "JWT" | "CUSTOM" if header("authorization").is_none_or(|v| v.trim().is_empty()) => {
                return message(401, "Unauthorized");
            }
            "AWS_IAM" if header("authorization").is_none() => return message(403, "Forbidden"),
            _ => {}
        }
        let Some(integration) = &route.integration else {
            return message(500, "Internal Server Error");
        };
        let Some(action) = integration
            .subtype
            .as_deref()
            .and_then(|s| s.strip_prefix("StepFunctions-"))
        else {
            return message(500, "Internal Server Error");
        };

        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let request_id = random_id();
        let context: BTreeMap<String, String> = [
            ("requestId", request_id.clone()),
            ("extendedRequestId", request_id.clone()),
            ("requestTime", request_time(now.as_secs())),
            ("requestTimeEpoch", now.as_millis().to_string()),
            ("httpMethod", request.method.clone()),
            ("path", request.path.clone()),
            ("protocol", "HTTP/1.1".to_string()),
            ("routeKey", route.key.clone()),
            ("stage", served.stage.clone()),
            ("apiId", served.api_id.clone()),
            ("domainName", format!("127.0.0.1:{}", self.port)),
            ("domainPrefix", "127".to_string()),
            ("identity.sourceIp", peer.ip().to_string()),
            (
                "identity.userAgent",
                header("user-agent").unwrap_or_default().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        request.path_params = matched.path_params;
        request.context = context;
        request.stage_variables = served.stage_variables.clone();
        let mut params = match evaluate(&integration.parameters, &request) {
            Ok(p) => p,
            Err(MappingError::BadRequest(_)) => return message(400, "Bad Request"),
            Err(MappingError::Internal(_)) => return message(500, "Internal Server Error"),
        };
        if action != "StopExecution" && !params.contains_key("Name") {
            // Step Functions names an execution itself when no name is sent; emulators may not.
            params.insert("Name".into(), random_id());
        }
        match execution::call_action(&self.clients, action, &params).await {
            Ok(ServiceReply { status, body }) => {
                log.execution_arn = body["executionArn"].as_str().map(str::to_string);
                reply(status, &body)
            }
            Err(e) => {
                tracing::warn!("{e}");
                message(500, "Internal Server Error")
            }
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
    fn random_ids_differ_and_look_like_uuids() {
        let (a, b) = (random_id(), random_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
