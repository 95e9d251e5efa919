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
use crate::error::Error;
use crate::gateway::jwks::{KeyStore, parse_override};
use crate::gateway::served::Served;
use crate::gateway::server::{Gateway, MAX_PAYLOAD};
use crate::live;
use crate::plan;
use crate::render::Printer;
use crate::stack::Desired;

/// Serves the stack's live API on 127.0.0.1:`port` until Ctrl-C; SIGHUP re-reads it. `jwks` are
/// `ISSUER=FILE_OR_URL` overrides of where an issuer's keys come from.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
    port: u16,
    jwks: &[String],
    watch: bool,
) -> Outcome {
    let mut overrides = std::collections::BTreeMap::new();
    for arg in jwks {
        let (issuer, source) = parse_override(arg).map_err(|e| {
            Error::with_help(
                e,
                "the issuer exactly as the authorizer names it, `=`, then a JWKS file or an http(s) URL",
            )
        })?;
        overrides.insert(issuer, source);
    }
    let (desired, clients, live) = super::prepare(printer, settings, given).await?;
    let api = plan::oldest_first(&live.apis).first().copied().ok_or_else(|| {
        Error::with_help(
            format!("stack {} has no API in AWS yet", desired.stack),
            "run `provision up` first",
        )
    })?;
    let served = Served::from_live(api, &clients.region);
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
    );
    banner(printer, &served, &gateway, port, watch);
    let reloader = Arc::new(Reloader {
        printer: printer.clone(),
        clients,
        desired,
        gateway: gateway.clone(),
        loaded: tokio::sync::Mutex::new((Instant::now(), route_keys(&served))),
    });
    tokio::spawn(reload_on_hangup(reloader.clone()));
    if watch {
        tokio::spawn(watch_live(reloader.clone()));
    }

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

fn banner(printer: &Printer, served: &Served, gateway: &Gateway, port: u16, watch: bool) {
    printer.progress(&format!(
        "Serving API {} ({}) on http://127.0.0.1:{port}",
        served.api_name, served.api_id
    ));
    for stage in &served.stages {
        let at = if stage.name == "$default" {
            "/".to_string()
        } else {
            format!("/{}/", stage.name)
        };
        let limits = stage.throttle.map_or_else(
            || "no throttling".to_string(),
            |(rate, burst)| format!("throttling {rate} req/s, burst {burst}, per route"),
        );
        printer.progress(&format!("  stage {} at {at}  {limits}", stage.name));
    }
    for r in &served.routes {
        let target = r
            .integration
            .as_ref()
            .and_then(|i| i.subtype.clone())
            .unwrap_or_else(|| "no integration".into());
        let auth = match &r.authorizer {
            Some(a) if r.authorization == "JWT" => {
                format!("JWT {} (keys: {})", a.name, gateway.key_source(&a.issuer))
            }
            _ => r.authorization.clone(),
        };
        printer.progress(&format!("  {:<28} {target}  auth {auth}", r.key));
    }
    if let Some(cors) = &served.cors {
        printer.progress(&format!(
            "  CORS: origins {}; preflight OPTIONS answered by the gateway",
            cors.allow_origins.join(", ")
        ));
    }
    printer.note(&format!(
        "emulated: route priority, stages, JWT (RSA keys, iss/aud/exp/nbf/scopes), AWS_IAM SigV4 (verified for your own access key), CORS, default route throttling, the {} MB payload limit, the 30 s integration timeout, and the integration role's trust and permissions (conditions not evaluated). Not emulated: Lambda authorizers, per-route throttling overrides, custom domains, mutual TLS; Step Functions is called with your credentials, not the role's. See docs/serve.md.",
        MAX_PAYLOAD / (1024 * 1024)
    ));
    printer.progress(&format!(
        "Ctrl-C stops. The routes are re-read from AWS {}, and on `kill -HUP`.",
        if watch {
            format!("every {} s (--watch)", WATCH_EVERY.as_secs())
        } else {
            format!("before a request when older than {} s", FRESH_FOR.as_secs())
        }
    ));
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

/// How long a read of the live API is served before a request triggers a new one: routes that
/// `up` (or the console) changes are picked up without a signal, at a cost of one read (5 to 6
/// calls) per request at most every few seconds.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// How often `--watch` re-reads the API.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Keeps the served table in step with AWS.
struct Reloader {
    printer: Printer,
    clients: Clients,
    desired: Desired,
    gateway: Arc<Gateway>,
    /// When the table was read, and its route keys (to say what changed).
    loaded: tokio::sync::Mutex<(Instant, Vec<String>)>,
}

impl Reloader {
    /// Re-reads the API when the table is older than [`FRESH_FOR`], or always with `force`. A
    /// failed read keeps the old table and says why.
    async fn refresh(&self, force: bool) {
        let mut loaded = self.loaded.lock().await;
        if !force && loaded.0.elapsed() < FRESH_FOR {
            return;
        }
        match live::read(&self.clients, live::ReadScope::of(&self.desired)).await {
            Ok(live) => match plan::oldest_first(&live.apis).first() {
                Some(api) => {
                    let served = Served::from_live(api, &self.clients.region);
                    let keys = route_keys(&served);
                    if keys != loaded.1 {
                        self.printer.progress(&format!(
                            "Reloaded: {} route(s): {}",
                            keys.len(),
                            keys.join(", ")
                        ));
                    }
                    self.gateway.reload(served);
                    *loaded = (Instant::now(), keys);
                }
                None => self
                    .printer
                    .error("reload: the stack has no API any more; still serving the old routes"),
            },
            Err(e) => self.printer.error(&format!("reload failed: {e}")),
        }
    }
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

#[cfg(unix)]
async fn reload_on_hangup(reloader: Arc<Reloader>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return;
    };
    while hangups.recv().await.is_some() {
        reloader.refresh(true).await;
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_: Arc<Reloader>) {}
