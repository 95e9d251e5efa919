//! `provision invoke`: send a request to a route (deployed or local) and, with `--follow`,
//! watch the execution it started until it ends.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use super::{ExitStatus, Outcome};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::live::execution;
use crate::outputs;
use crate::plan;
use crate::render::Printer;

/// What to send.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// `METHOD /path`, with path parameters filled in.
    pub route: String,
    /// Request body: JSON text, or `@file`.
    pub data: Option<String>,
    /// Base URL of a local gateway instead of the stage's invoke URL.
    pub local: Option<String>,
    /// Poll the execution until it ends.
    pub follow: bool,
    /// How long to follow before giving up.
    pub timeout: Duration,
}

/// Sends the request, prints the response, follows the execution. Exit 0 on a 2xx (and, with
/// `--follow`, a SUCCEEDED execution), 1 otherwise.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
    inv: Invocation,
) -> Outcome {
    let Some((method, path)) = inv.route.split_once(' ') else {
        return Err(Error::with_help(
            format!("`{}` is not `METHOD /path`", inv.route),
            "e.g. provision invoke \"POST /new-user\" --data '{\"input\": {}}'",
        ));
    };
    let body = request_body(inv.data.as_deref())?;
    let (desired, clients, live) = super::prepare(printer, settings, given).await?;
    let base = match &inv.local {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let api = plan::oldest_first(&live.apis).first().copied().ok_or_else(|| {
                Error::with_help(
                    format!("stack {} has no API in AWS", desired.stack),
                    "run `provision up` first",
                )
            })?;
            outputs::invoke_base(
                api.endpoint.as_deref(),
                &api.id,
                &clients.region,
                &desired.stage.name,
            )
        }
    };
    let url = format!("{base}{path}");
    printer.progress(&format!("{method} {url}"));
    let (status, text) = send(method, &url, body)
        .await
        .map_err(|e| Error::msg(format!("{method} {url} failed: {e}")))?;
    let response: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!(text));
    printer.line(&format!("HTTP {status}"));
    printer.line(&serde_json::to_string_pretty(&response).unwrap_or(text));
    let mut report = json!({"url": url, "status": status, "response": response});
    if !(200..300).contains(&status) || !inv.follow {
        printer.json(&report);
        return Ok(if (200..300).contains(&status) {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        });
    }
    let state = execution_outcome(&clients, &response, inv.timeout).await?;
    printer.line(&format!("Execution {}", state.status));
    for (label, value) in [
        ("Output", &state.output),
        ("Error", &state.error),
        ("Cause", &state.cause),
    ] {
        if let Some(value) = value {
            printer.line(&format!("{label}: {value}"));
        }
    }
    report["execution"] = json!({
        "status": state.status, "output": state.output, "error": state.error, "cause": state.cause,
    });
    printer.json(&report);
    Ok(if state.status == "SUCCEEDED" {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// The request body: the text given, or the file named by `@file`.
fn request_body(data: Option<&str>) -> Result<String, Error> {
    match data {
        None => Ok(String::new()),
        Some(d) => match d.strip_prefix('@') {
            Some(file) => std::fs::read_to_string(file).map_err(|source| Error::Io {
                action: "read",
                path: file.into(),
                source,
            }),
            None => Ok(d.to_string()),
        },
    }
}

/// How the execution a response started ended: a synchronous execution carries its outcome;
/// otherwise its ARN is followed until it leaves RUNNING or `limit` passes.
async fn execution_outcome(
    clients: &crate::aws::Clients,
    response: &Value,
    limit: Duration,
) -> Result<execution::ExecutionState, Error> {
    if let Some(done) = response["status"].as_str() {
        return Ok(execution::ExecutionState {
            status: done.to_string(),
            output: response["output"].as_str().map(str::to_string),
            error: response["error"].as_str().map(str::to_string),
            cause: response["cause"].as_str().map(str::to_string),
        });
    }
    let arn = response["executionArn"]
        .as_str()
        .ok_or_else(|| Error::msg("--follow: the response has no executionArn to follow"))?;
    follow(clients, arn, limit).await?.ok_or_else(|| {
        Error::with_help(
            format!("{arn} is still RUNNING after {}s", limit.as_secs()),
            "it keeps running: see `aws stepfunctions describe-execution`, or raise --timeout",
        )
    })
}

async fn send(method: &str, url: &str, body: String) -> Result<(u16, String), String> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| format!("no TLS roots: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("user-agent", concat!("provision/", env!("CARGO_PKG_VERSION")));
    if !body.is_empty() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(Duration::from_secs(35), client.request(request))
        .await
        .map_err(|_| "no answer within 35 s".to_string())?
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// Polls DescribeExecution with a spinner until the execution leaves RUNNING; `None` when
/// `limit` passes first.
async fn follow(
    clients: &crate::aws::Clients,
    arn: &str,
    limit: Duration,
) -> Result<Option<execution::ExecutionState>, crate::error::AwsError> {
    let spinner = indicatif::ProgressBar::new_spinner();
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        spinner.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    spinner.set_message(format!("following {arn}"));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let deadline = tokio::time::Instant::now() + limit;
    let mut delay = Duration::from_millis(250);
    let state = loop {
        let state = execution::describe_execution(clients, arn).await?;
        if state.status != "RUNNING" {
            break Some(state);
        }
        if tokio::time::Instant::now() + delay > deadline {
            break None;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    };
    spinner.finish_and_clear();
    Ok(state)
}
