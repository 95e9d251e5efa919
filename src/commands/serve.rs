//! `provision serve`: the deployed routes on loopback, read live from AWS.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::{ExitStatus, Outcome};
use crate::aws::{AwsSettings, Clients};
use crate::error::Error;
use crate::gateway::server::{Gateway, Served};
use crate::live;
use crate::plan;
use crate::render::Printer;
use crate::stack::Desired;

/// Serves the stack's live API on 127.0.0.1:`port` until Ctrl-C; SIGHUP re-reads it.
pub async fn run(printer: &Printer, settings: &AwsSettings, given: Option<PathBuf>, port: u16) -> Outcome {
    let (desired, clients, live) = super::prepare(printer, settings, given).await?;
    let api = plan::oldest_first(&live.apis).first().copied().ok_or_else(|| {
        Error::with_help(
            format!("stack {} has no API in AWS yet", desired.stack),
            "run `provision up` first",
        )
    })?;
    let served = Served::from_live(api);
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        Error::with_help(
            format!("cannot listen on 127.0.0.1:{port}: {e}"),
            "pick another port with --port, or --port 0 for a free one",
        )
    })?;
    let port = listener.local_addr().map_or(port, |a| a.port());
    banner(printer, &served, port);
    let gateway = Gateway::new(served, clients.clone(), port);
    tokio::spawn(reload_on_hangup(
        printer.clone(),
        clients,
        desired,
        gateway.clone(),
    ));

    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                tokio::spawn(serve_connection(printer.clone(), gateway.clone(), stream, peer));
            }
            _ = &mut ctrl_c => {
                printer.progress("Stopped.");
                return Ok(ExitStatus::Success);
            }
        }
    }
}

fn banner(printer: &Printer, served: &Served, port: u16) {
    printer.progress(&format!(
        "Serving API {} ({}), stage {}, on http://127.0.0.1:{port}",
        served.api_name, served.api_id, served.stage
    ));
    for r in &served.routes {
        let target = r
            .integration
            .as_ref()
            .and_then(|i| i.subtype.clone())
            .unwrap_or_else(|| "no integration".into());
        printer.progress(&format!("  {:<28} {target}  auth {}", r.key, r.authorization));
    }
    if served.routes.iter().any(|r| r.authorization != "NONE") {
        printer.note(
            "routes with JWT or IAM authorization accept any Authorization header here: it is not verified locally",
        );
    }
    printer.progress("Ctrl-C stops; `kill -HUP` re-reads the API from AWS.");
}

async fn serve_connection(
    printer: Printer,
    gateway: Arc<Gateway>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
) {
    let service = service_fn(move |req| {
        let (gateway, printer) = (gateway.clone(), printer.clone());
        async move {
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
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

#[cfg(unix)]
async fn reload_on_hangup(printer: Printer, clients: Clients, desired: Desired, gateway: Arc<Gateway>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return;
    };
    while hangups.recv().await.is_some() {
        match live::read(&clients, live::ReadScope::of(&desired)).await {
            Ok(live) => match plan::oldest_first(&live.apis).first() {
                Some(api) => {
                    let served = Served::from_live(api);
                    printer.progress(&format!("Reloaded: {} route(s)", served.routes.len()));
                    gateway.reload(served);
                }
                None => printer.error("reload: the stack has no API any more; still serving the old routes"),
            },
            Err(e) => printer.error(&format!("reload failed: {e}")),
        }
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_: Printer, _: Clients, _: Desired, _: Arc<Gateway>) {}
