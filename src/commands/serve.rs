//! `provision serve`: the deployed routes on loopback, read live from AWS.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::{ExitStatus, Outcome};
use crate::aws::{AwsSettings, Clients};
use crate::domain::Authorization;
use crate::error::Error;
use crate::gateway::jwks::{KeyStore, parse_override};
use crate::gateway::served::{RoleRead, Served};
use crate::gateway::server::{Gateway, MAX_PAYLOAD};
use crate::live::{self, Live, RoleState};
use crate::plan;
use crate::render::{Printer, Rendered};
use crate::stack::Desired;

/// `serve`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Stack file (default: the only *.toml in ./stacks).
    pub stack: Option<PathBuf>,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Verify an issuer's JWTs with this JWKS (a file or an http(s) URL) instead of the keys
    /// its discovery document names. Repeatable.
    #[arg(long = "jwks", value_name = "ISSUER=FILE_OR_URL")]
    pub jwks: Vec<String>,
    /// Re-read the API from AWS every 2 s (without it: before a request, when the last read
    /// is over --refresh seconds old; and on SIGHUP).
    #[arg(long)]
    pub watch: bool,
    /// How long a read of the API and its integration roles is served before a request
    /// triggers a new one (0: before every request).
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub refresh: u64,
    /// Milliseconds an integration may take before a 504 (for tests; API Gateway's is 30 s).
    //
    // Hidden: the quota cannot be changed in AWS ("Maximum integration timeout: 30 seconds",
    // Quotas for configuring and running an HTTP API); tests should not wait 30 s for a 504.
    #[arg(long, value_name = "MS", hide = true, default_value_t = crate::gateway::server::INTEGRATION_TIMEOUT.as_millis() as u64)]
    pub integration_timeout_ms: u64,
}

/// Serves the stack's live API on 127.0.0.1:`port` until Ctrl-C; SIGHUP re-reads it, and so does
/// a request when the last read is older than `refresh`. `jwks` are `ISSUER=FILE_OR_URL`
/// overrides of where an issuer's keys come from.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    load: &crate::stack::LoadOptions,
    args: ServeArgs,
) -> Outcome {
    let ServeArgs {
        stack: given,
        port,
        jwks,
        watch,
        refresh,
        integration_timeout_ms,
    } = args;
    let refresh = Duration::from_secs(refresh);
    let mut overrides = std::collections::BTreeMap::new();
    for arg in &jwks {
        let (issuer, source) = parse_override(arg).map_err(|e| {
            Error::with_help(
                e,
                "the issuer exactly as the authorizer names it, `=`, then a JWKS file or an http(s) URL",
            )
        })?;
        overrides.insert(issuer, source);
    }
    let (desired, clients, live) = super::prepare(printer, settings, given, load).await?;
    let api = plan::oldest_first(&live.apis).first().copied().ok_or_else(|| {
        Error::with_help(
            format!("stack {} has no API in AWS yet", desired.stack),
            "run `provision up` first",
        )
    })?;
    let served = with_roles(&clients, &live, Served::from_live(api, &clients.region)).await;
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        Error::with_help(
            format!("cannot listen on 127.0.0.1:{port}: {e}"),
            "pick another port with --port, or --port 0 for a free one",
        )
    })?;
    let port = listener.local_addr().map_or(port, |a| a.port());
    let local_credentials = live::serve::local_credentials(settings.profile.as_deref()).await;
    let gateway = Gateway::new(
        served.clone(),
        clients.clone(),
        port,
        KeyStore::new(overrides),
        local_credentials,
        Duration::from_millis(integration_timeout_ms),
    );
    let reloader = Arc::new(Reloader {
        printer: printer.clone(),
        clients,
        desired: desired.into_inner(),
        gateway: gateway.clone(),
        every: refresh,
        read_at: std::sync::Mutex::new(Instant::now()),
        refreshing: tokio::sync::Mutex::new(Seen {
            keys: route_keys(&served),
            deleted: false,
        }),
    });
    tokio::spawn(reload_on_hangup(reloader.clone()));
    if watch {
        tokio::spawn(watch_live(reloader.clone()));
    }
    // Only now: a SIGHUP sent as soon as the banner says serve is listening reloads it, where
    // before the handler was registered it would have ended the process.
    printer.result(&Serving::new(&served, &gateway, port, watch, refresh))?;

    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                tokio::spawn(serve_connection(printer.clone(), gateway.clone(), reloader.clone(), stream, peer));
            }
            _ = &mut ctrl_c => {
                printer.progress("Stopped.");
                return Ok(ExitStatus::Success);
            }
        }
    }
}

/// `serve`'s result, once it listens: where, what it serves, and when it re-reads AWS. The
/// requests that follow are progress lines.
struct Serving {
    url: String,
    api_id: String,
    api_name: String,
    stages: Vec<StageServed>,
    routes: Vec<RouteServed>,
    cors: Option<Vec<String>>,
    watch: bool,
    refresh: Duration,
}

struct StageServed {
    name: String,
    /// The path prefix it is served at: `/`, or `/NAME/`.
    at: String,
    /// Rate (requests a second) and burst, per route.
    throttle: Option<(f64, i32)>,
}

struct RouteServed {
    key: String,
    /// The integration's subtype, e.g. `StepFunctions-StartExecution`.
    target: Option<String>,
    authorization: Authorization,
    /// A JWT route's authorizer, and where its keys come from.
    jwt: Option<(String, String)>,
}

impl Serving {
    fn new(served: &Served, gateway: &Gateway, port: u16, watch: bool, refresh: Duration) -> Self {
        let stages = served
            .stages
            .iter()
            .map(|stage| StageServed {
                name: stage.name.to_string(),
                at: match stage.name.is_default() {
                    true => "/".to_string(),
                    false => format!("/{}/", stage.name),
                },
                throttle: stage.throttle,
            })
            .collect();
        let routes = served
            .routes
            .iter()
            .map(|r| RouteServed {
                key: r.key.clone(),
                target: r.integration.as_ref().and_then(|i| i.subtype.clone()),
                authorization: r.authorization,
                jwt: r
                    .authorizer
                    .as_ref()
                    .filter(|_| r.authorization == Authorization::Jwt)
                    .map(|a| (a.name.clone(), gateway.key_source(&a.issuer))),
            })
            .collect();
        Self {
            url: format!("http://127.0.0.1:{port}"),
            api_id: served.api_id.clone(),
            api_name: served.api_name.clone(),
            stages,
            routes,
            cors: served.cors.as_ref().map(|c| c.allow_origins.clone()),
            watch,
            refresh,
        }
    }
}

impl Rendered for Serving {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.progress(&format!(
            "Serving API {} ({}) on {}",
            self.api_name, self.api_id, self.url
        ));
        for stage in &self.stages {
            let limits = stage.throttle.map_or_else(
                || "no throttling".to_string(),
                |(rate, burst)| format!("throttling {rate} req/s, burst {burst}, per route"),
            );
            printer.progress(&format!("  stage {} at {}  {limits}", stage.name, stage.at));
        }
        for r in &self.routes {
            let target = r.target.as_deref().unwrap_or("no integration");
            let auth = match &r.jwt {
                Some((name, keys)) => format!("JWT {name} (keys: {keys})"),
                None => r.authorization.to_string(),
            };
            printer.progress(&format!("  {:<28} {target}  auth {auth}", r.key));
        }
        if let Some(origins) = &self.cors {
            printer.progress(&format!(
                "  CORS: origins {}; preflight OPTIONS answered by the gateway",
                origins.join(", ")
            ));
        }
        printer.note(&format!(
            "emulated: route priority, stages, JWT (RSA keys, iss/aud/exp/nbf/scopes), AWS_IAM SigV4 (verified for your own access key), CORS, default route throttling, the {} MB payload limit, the 30 s integration timeout, and the integration role's trust and permissions (conditions not evaluated). Not emulated: Lambda authorizers, per-route throttling overrides, custom domains, mutual TLS; Step Functions is called with your credentials, not the role's. See docs/serve.md.",
            MAX_PAYLOAD / (1024 * 1024)
        ));
        printer.progress(&format!(
            "Ctrl-C stops. The routes are re-read from AWS {}, and on `kill -HUP`.",
            if self.watch {
                format!("every {} s (--watch)", WATCH_EVERY.as_secs())
            } else {
                format!("before a request when older than {} s", self.refresh.as_secs())
            }
        ));
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        use serde_json::json;
        json!({
            "url": self.url,
            "api": {"id": self.api_id, "name": self.api_name},
            "stages": self.stages.iter().map(|s| json!({
                "name": s.name,
                "path": s.at,
                "throttle": s.throttle.map(|(rate, burst)| json!({"rate": rate, "burst": burst})),
            })).collect::<Vec<_>>(),
            "routes": self.routes.iter().map(|r| json!({
                "route": r.key,
                "integration": r.target,
                "authorization": r.authorization.to_string(),
                "authorizer": r.jwt.as_ref().map(|(name, _)| name),
                "keys": r.jwt.as_ref().map(|(_, keys)| keys),
            })).collect::<Vec<_>>(),
            "cors": self.cors.as_ref().map(|origins| json!({"allow_origins": origins})),
            "refresh": match self.watch {
                true => json!({"watch": true, "every_seconds": WATCH_EVERY.as_secs()}),
                false => json!({"watch": false, "after_seconds": self.refresh.as_secs()}),
            },
        })
    }
}

async fn serve_connection(
    printer: Printer,
    gateway: Arc<Gateway>,
    reloader: Arc<Reloader>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
) {
    let service = service_fn(move |req| {
        let (gateway, printer, reloader) = (gateway.clone(), printer.clone(), reloader.clone());
        async move {
            reloader.refresh(false).await;
            let (response, log) = gateway.handle(req, peer).await;
            printer.progress(&format!(
                "{} {}  route={}  {}  {}ms{}",
                log.method,
                log.path,
                log.route.as_deref().unwrap_or("-"),
                log.status,
                log.millis,
                log.execution_arn.map(|a| format!("  {a}")).unwrap_or_default()
            ));
            for note in &log.notes {
                printer.progress(&format!("  {note}"));
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// How often `--watch` re-reads the API.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// The integration roles of `served`, each with every policy document, so that a request costs
/// no IAM call. The stack's own role (in `live`) is not read again.
async fn with_roles(clients: &Clients, live: &Live, mut served: Served) -> Served {
    let known = match &live.role {
        RoleState::Present(role) => Some(role),
        RoleState::Absent => None,
    };
    for arn in served.role_arns() {
        let read = match live::serve::read_role_policies(clients, &arn, known).await {
            Ok(Some(role)) => RoleRead::Present(role),
            Ok(None) => RoleRead::Absent,
            Err(e) => RoleRead::Unreadable(e.to_string()),
        };
        served.roles.insert(arn, read);
    }
    served
}

/// Keeps the served table (routes and integration roles) in step with AWS.
struct Reloader {
    printer: Printer,
    clients: Clients,
    desired: Desired,
    gateway: Arc<Gateway>,
    /// How long a read is served before a request triggers a new one.
    every: Duration,
    /// When the last read started: checked without waiting, so a request within the interval
    /// never waits on a refresh, not even one in progress.
    read_at: std::sync::Mutex<Instant>,
    /// Held by the one refresh in progress (with what the last read found, to say what changed):
    /// requests that find the table stale meanwhile wait for it and then find it fresh, so one
    /// read serves them all.
    refreshing: tokio::sync::Mutex<Seen>,
}

impl Reloader {
    fn read_at(&self) -> Instant {
        self.read_at.lock().map_or_else(|_| Instant::now(), |at| *at)
    }

    /// Re-reads the API and its roles when the table is older than the interval, or always with
    /// `force` (SIGHUP, `--watch`) unless a read started since it was asked for. A request that
    /// finds a refresh in progress waits for it and takes its table rather than starting another.
    /// A failed read keeps the old table and says why; the next is tried after the interval.
    async fn refresh(&self, force: bool) {
        let asked = Instant::now();
        let seen = self.read_at();
        if !force && seen.elapsed() < self.every {
            return;
        }
        let mut last = self.refreshing.lock().await;
        let now = self.read_at();
        let served_meanwhile = if force { now >= asked } else { now != seen };
        if served_meanwhile {
            return;
        }
        let started = Instant::now();
        let read = live::read_apis_and_role(&self.clients, live::ReadScope::of(&self.desired)).await;
        if let Ok(mut at) = self.read_at.lock() {
            *at = started;
        }
        match read {
            Ok(live) => match plan::oldest_first(&live.apis).first() {
                Some(api) => {
                    let served =
                        with_roles(&self.clients, &live, Served::from_live(api, &self.clients.region)).await;
                    let now = route_keys(&served);
                    if last.deleted {
                        self.printer.progress(&format!(
                            "Stack {} is back: API {} ({})",
                            self.desired.stack, served.api_name, served.api_id
                        ));
                    }
                    if now != last.keys {
                        self.printer.progress(&format!(
                            "Reloaded: {} route(s): {}",
                            now.len(),
                            now.join(", ")
                        ));
                    }
                    self.gateway.reload(served);
                    *last = Seen {
                        keys: now,
                        deleted: false,
                    };
                }
                None => {
                    if !last.deleted {
                        self.printer.progress(&format!(
                            "Stack {} was deleted: its API is gone from AWS. Every route answers 404 until \
                             `provision up` recreates it; serve picks it up then.",
                            self.desired.stack
                        ));
                    }
                    self.gateway.reload(Served::deleted(&self.desired.stack));
                    *last = Seen {
                        keys: Vec::new(),
                        deleted: true,
                    };
                }
            },
            Err(e) => self.printer.error(&format!("reload failed: {e}")),
        }
    }
}

/// What the last read found.
struct Seen {
    /// The route keys, sorted.
    keys: Vec<String>,
    /// The stack's API was gone.
    deleted: bool,
}

fn route_keys(served: &Served) -> Vec<String> {
    let mut keys: Vec<String> = served.routes.iter().map(|r| r.key.clone()).collect();
    keys.sort();
    keys
}

async fn watch_live(reloader: Arc<Reloader>) {
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        reloader.refresh(true).await;
    }
}

/// Re-reads on each SIGHUP. The handler is registered when this is called, not when the task
/// first runs.
#[cfg(unix)]
fn reload_on_hangup(reloader: Arc<Reloader>) -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let hangups = signal(SignalKind::hangup()).ok();
    async move {
        let Some(mut hangups) = hangups else {
            return;
        };
        while hangups.recv().await.is_some() {
            reloader.refresh(true).await;
        }
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_: Arc<Reloader>) {}
