//! `provision invoke`: send a request to a route (deployed or local) and, with `--follow`,
//! watch the execution it started until it ends.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use super::{ExitStatus, Outcome};
use crate::aws::AwsSettings;
use crate::domain::{Action, Authorization, ExecutionStatus};
use crate::error::Error;
use crate::gateway::matching::match_route;
use crate::live::execution;
use crate::outputs;
use crate::plan;
use crate::render::{Printer, Rendered};
use crate::request::{self, Outgoing};
use crate::stack::Desired;
use crate::stack::desired::DesiredRoute;
use crate::stack::diagnostic::did_you_mean;

/// `invoke`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct InvokeArgs {
    /// `[STACK] "METHOD /path"`: the stack file is optional.
    #[arg(num_args = 1..=2, value_names = ["STACK", "ROUTE"], required = true)]
    pub args: Vec<String>,
    /// Request body: JSON text, or @file.
    #[arg(long, short = 'd')]
    pub data: Option<String>,
    /// An extra request header, `name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// A JWT for routes with a JWT authorizer, sent where the authorizer looks for it
    /// (`Authorization: Bearer ...` by default). AWS_IAM routes are signed with your AWS
    /// credentials (SigV4) without any option.
    #[arg(long, env = "PROVISION_TOKEN", value_name = "JWT", hide_env_values = true)]
    pub token: Option<String>,
    /// Send to a local gateway (`provision serve`) at this base URL instead of the stage.
    #[arg(long, value_name = "URL")]
    pub local: Option<String>,
    /// Poll the execution until it ends; exit 0 only if it SUCCEEDED.
    #[arg(long)]
    pub follow: bool,
    /// With --follow: give up after this many seconds (exit 1, the execution keeps running).
    #[arg(long, value_name = "SECONDS", default_value_t = 600, requires = "follow")]
    pub timeout: u64,
}

/// `invoke` from its options: the last positional is the route, the one before it the stack.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    load: &crate::stack::LoadOptions,
    args: InvokeArgs,
) -> Outcome {
    let InvokeArgs {
        mut args,
        data,
        headers,
        token,
        local,
        follow,
        timeout,
    } = args;
    let route = args.pop().unwrap_or_default();
    let stack = args.pop().map(PathBuf::from);
    let invocation = Invocation {
        route,
        data,
        headers,
        token,
        local,
        follow,
        timeout: Duration::from_secs(timeout),
    };
    invoke(printer, settings, load, stack, invocation).await
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// `METHOD /path`, with path parameters filled in.
    pub route: String,
    /// Request body: JSON text, or `@file`.
    pub data: Option<String>,
    /// Extra headers, `name: value`.
    pub headers: Vec<String>,
    /// A JWT for `JWT` routes, sent in the authorizer's identity source.
    pub token: Option<String>,
    /// Base URL of a local gateway instead of the stage's invoke URL.
    pub local: Option<String>,
    /// Poll the execution until it ends.
    pub follow: bool,
    /// How long to follow before giving up.
    pub timeout: Duration,
}

/// Sends the request, prints the response, follows the execution. Exit 0 on a 2xx (and, with
/// `--follow`, a SUCCEEDED execution), 1 otherwise.
pub async fn invoke(
    printer: &Printer,
    settings: &AwsSettings,
    load: &crate::stack::LoadOptions,
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
    let headers = parse_headers(&inv.headers)?;
    check_json(inv.data.as_deref(), &body, &headers)?;
    let (desired, clients, live) = super::prepare(printer, settings, given, load).await?;
    let route = route_for(&desired, method, path)?;
    // Without --data, what `up`'s Try line sends: the route's example, else the smallest body its
    // mappings read.
    let body = match &inv.data {
        None => outputs::default_body(route, method).map_or_else(String::new, |b| b.to_string()),
        Some(_) => body,
    };
    warn_about_body(printer, route, &body);
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
    let mut outgoing = Outgoing {
        method: method.to_string(),
        url: format!("{base}{path}"),
        headers,
        body,
    };
    authorize(&mut outgoing, &desired, route, inv.token.as_deref(), &clients).await?;
    printer.progress(&format!("{method} {}", outgoing.url));
    let answer = request::send(&outgoing)
        .await
        .map_err(|e| unreachable(&outgoing, &e, settings, inv.local.is_some()))?;
    let (status, text) = (answer.status, answer.body.clone());
    let response: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!(text));
    let mut invoked = Invoked {
        url: outgoing.url.clone(),
        status,
        response,
        reason: answer.reason.clone(),
        ended: Ended::Answered,
    };
    if (200..300).contains(&status)
        && let Some(machine) = described_by(&desired, route)
    {
        invoked.ended = Ended::Described {
            machine: machine.to_string(),
            execution: described(&invoked.response),
        };
        return finish(printer, &invoked);
    }
    explain_refusal(printer, &answer, &invoked.response, route, inv.local.is_some());
    // A synchronous route's answer is StartSyncExecution's envelope, which carries the outcome:
    // AWS answers 200 even when the execution failed, so its status decides, --follow or not.
    let synchronous = route.integration.action == Action::StartSyncExecution
        && invoked.response["status"].is_string()
        && invoked.response["executionArn"].is_string();
    if (200..300).contains(&status) && (inv.follow || synchronous) {
        match execution_outcome(printer, &clients, &invoked.response, inv.timeout).await {
            Ok(state) => invoked.ended = Ended::Executed(state),
            Err(e) => {
                // The answer is shown, then why the execution could not be followed.
                printer.partial(&invoked);
                return Err(e);
            }
        }
    }
    finish(printer, &invoked)
}

/// Prints the result; its exit status.
fn finish(printer: &Printer, invoked: &Invoked) -> Outcome {
    printer.result(invoked)?;
    Ok(match invoked.succeeded() {
        true => ExitStatus::Success,
        false => ExitStatus::Failure,
    })
}

/// `invoke`'s result: the answer, and how the execution it started or described ended.
struct Invoked {
    url: String,
    /// The HTTP status.
    status: u16,
    /// The answer's body: JSON, or its text as a JSON string.
    response: Value,
    /// `provision serve`'s reason for a refusal.
    reason: Option<String>,
    ended: Ended,
}

/// What `invoke` knows of the execution besides the answer.
enum Ended {
    /// Nothing: the answer alone (not followed, or not 2xx).
    Answered,
    /// The execution the request started, followed to its end (or a synchronous one's outcome).
    Executed(execution::ExecutionState),
    /// A status route's answer: the execution of `machine` it describes, `None` when the helper
    /// could not describe it.
    Described {
        machine: String,
        execution: Option<Value>,
    },
}

impl Invoked {
    /// Exit 0: a 2xx, and a SUCCEEDED execution when one was followed, or a described one.
    fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
            && match &self.ended {
                Ended::Answered => true,
                Ended::Executed(state) => state.status == ExecutionStatus::Succeeded,
                Ended::Described { execution, .. } => execution.is_some(),
            }
    }
}

impl Rendered for Invoked {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.line(&format!("HTTP {}", self.status));
        match &self.ended {
            Ended::Described { machine, execution } => {
                print_described(printer, machine, execution.as_ref(), &self.response)
            }
            Ended::Answered | Ended::Executed(_) => {
                printer.line(&serde_json::to_string_pretty(&self.response).unwrap_or_default());
            }
        }
        if let Ended::Executed(state) = &self.ended {
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
        }
        Ok(())
    }

    fn json(&self) -> Value {
        let mut report = json!({"url": self.url, "status": self.status, "response": self.response});
        if let Some(reason) = &self.reason {
            report["reason"] = json!(reason);
        }
        match &self.ended {
            Ended::Answered | Ended::Described { execution: None, .. } => {}
            Ended::Executed(state) => {
                report["execution"] = json!({
                    "status": state.status, "output": state.output, "error": state.error, "cause": state.cause,
                });
            }
            Ended::Described {
                execution: Some(described),
                ..
            } => report["execution"] = described.clone(),
        }
        report
    }
}

/// The machine a status route describes (its integration starts that machine's helper).
fn described_by<'a>(desired: &'a Desired, route: &DesiredRoute) -> Option<&'a str> {
    desired
        .state_machines
        .iter()
        .find(|m| m.arn() == route.state_machine)?
        .describes
        .as_deref()
}

/// A status route's answer, as the execution it describes: the helper's result inside
/// StartSyncExecution's envelope (docs/stack-format.md, "Status routes"); `None` when the helper
/// failed (no such execution, or one of another machine, which its role may not describe).
fn described(envelope: &Value) -> Option<Value> {
    envelope["output"]
        .as_str()
        .and_then(|o| serde_json::from_str::<Value>(o).ok())
        .filter(|_| envelope["status"] == ExecutionStatus::Succeeded.as_str())
}

/// The text of a status route's answer: the described execution's status, dates, error and
/// output, or why it could not be read.
fn print_described(printer: &Printer, machine: &str, described: Option<&Value>, envelope: &Value) {
    let Some(described) = described else {
        let error = envelope["error"].as_str().unwrap_or("no answer");
        printer.line(&format!(
            "The status of an execution of {machine} could not be read: {error}"
        ));
        if let Some(cause) = envelope["cause"].as_str() {
            printer.line(&format!("Cause: {cause}"));
        }
        return;
    };
    printer.line(&format!(
        "Execution {}",
        described["status"].as_str().unwrap_or("(no status)")
    ));
    for (label, key) in [
        ("Started", "startDate"),
        ("Stopped", "stopDate"),
        ("Error", "error"),
        ("Cause", "cause"),
    ] {
        if let Some(value) = described[key].as_str() {
            printer.line(&format!("{label}: {value}"));
        }
    }
    if let Some(output) = described.get("output") {
        printer.line(&format!("Output: {output}"));
    }
}

/// The stack's route that API Gateway would pick for `method path`, or an error with the
/// nearest route keys.
fn route_for<'a>(desired: &'a Desired, method: &str, path: &str) -> Result<&'a DesiredRoute, Error> {
    let keys: Vec<String> = desired.routes.iter().map(|r| r.key.clone()).collect();
    if let Some(found) = match_route(&keys, method, path) {
        return Ok(&desired.routes[found.index]);
    }
    let wanted = format!("{method} {path}");
    let candidates: Vec<&str> = keys.iter().map(String::as_str).collect();
    let help = match did_you_mean(&wanted, &candidates) {
        Some(near) => format!("did you mean `{near}`? (path parameters are filled in: `GET /orders/42`)"),
        None => format!("the stack's routes: {}", candidates.join(", ")),
    };
    Err(Error::with_help(
        format!("stack {} has no route for `{wanted}`", desired.stack),
        help,
    ))
}

/// The route's walkthrough convention reads `input` from the body: without it API Gateway still
/// answers 200, and the execution starts with `{}`.
fn warn_about_body(printer: &Printer, route: &DesiredRoute, body: &str) {
    if route.integration.parameters.get("Input").map(String::as_str) != Some("$request.body.input") {
        return;
    }
    let has_input = serde_json::from_str::<Value>(body).is_ok_and(|v| v.get("input").is_some());
    if !has_input {
        printer.note(&format!(
            "route {} maps Input = $request.body.input, and this body has no `input` member: the execution \
             would start with {{}}; send {{\"input\": ...}}",
            route.key
        ));
    }
}

/// `name: value` headers.
fn parse_headers(headers: &[String]) -> Result<Vec<(String, String)>, Error> {
    headers
        .iter()
        .map(|h| match h.split_once(':') {
            Some((name, value)) if !name.trim().is_empty() => {
                Ok((name.trim().to_string(), value.trim().to_string()))
            }
            _ => Err(Error::with_help(
                format!("`{h}` is not a header"),
                "write it as -H 'name: value'",
            )),
        })
        .collect()
}

/// Signs for `AWS_IAM` routes; puts the token where a `JWT` route's authorizer looks for it.
async fn authorize(
    outgoing: &mut Outgoing,
    desired: &Desired,
    route: &DesiredRoute,
    token: Option<&str>,
    clients: &crate::aws::Clients,
) -> Result<(), Error> {
    match route.authorization {
        Authorization::AwsIam => request::sign(outgoing, clients).await.map_err(|e| {
            Error::with_help(
                format!("cannot sign the request to {} (AWS_IAM): {e}", route.key),
                "configure AWS credentials as for the other commands (`aws configure`, AWS_PROFILE, `aws sso login`)",
            )
        }),
        Authorization::Jwt => {
            let token = token.ok_or_else(|| {
                Error::with_help(
                    format!("route {} needs a JWT from its authorizer", route.key),
                    "pass --token TOKEN or set PROVISION_TOKEN (an access or id token from your identity provider)",
                )
            })?;
            let source = route
                .authorizer
                .as_ref()
                .and_then(|name| desired.authorizers.iter().find(|a| &a.name == name))
                .map(|a| a.token_source())
                .unwrap_or_default();
            request::place_token(outgoing, &source, token);
            Ok(())
        }
        Authorization::None | Authorization::Custom => Ok(()),
    }
}

/// No answer: what was tried, and for a local emulator (which has no execute-api endpoint) the
/// local gateway.
fn unreachable(outgoing: &Outgoing, e: &request::SendError, settings: &AwsSettings, local: bool) -> Error {
    let message = format!("{} {} got no answer: {e}", outgoing.method, outgoing.url);
    let emulated = settings.endpoint_url.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let help = if local {
        "is `provision serve` running on that address? start it in another terminal: provision serve --port 8080"
    } else if emulated {
        "a local AWS emulator (such as moto) has no execute-api endpoint: run `provision serve` in another \
         terminal and call it with --local http://127.0.0.1:8080"
    } else {
        "check the network path to the stage; `provision serve` runs the routes on loopback (--local)"
    };
    Error::with_help(message, help)
}

/// Hints for answers whose reason is known: `provision serve`'s own reason, an emulator's
/// missing operation.
fn explain_refusal(
    printer: &Printer,
    answer: &request::Answer,
    response: &Value,
    route: &DesiredRoute,
    local: bool,
) {
    let status = answer.status;
    if (200..300).contains(&status) {
        return;
    }
    match &answer.reason {
        Some(reason) => printer.note(&format!("provision serve refused it: {reason}")),
        None if local => printer.note("the reason is in the log of `provision serve`, one line per request"),
        None if (400..500).contains(&status) => printer.note(crate::resource::stage::spec::WHY_REFUSED_HINT),
        None => {}
    }
    let empty_unknown =
        response["__type"] == "UnknownError" && response["message"].as_str().is_none_or(str::is_empty);
    if empty_unknown && route.integration.action == Action::StartSyncExecution {
        printer.note(
            "an empty UnknownError from StartSyncExecution is what moto answers: it does not implement \
             StartSyncExecution; on AWS the route answers with the execution's result",
        );
    }
    if status == 403 && route.authorization == Authorization::AwsIam {
        printer.note(
            "the request was signed with your AWS credentials; on AWS the caller also needs execute-api:Invoke \
             on the route",
        );
    }
}

/// `--data` is sent as `application/json` unless a `content-type` header says otherwise, so it
/// must be JSON: API Gateway evaluates `$request.body.…` mappings on a JSON body only.
fn check_json(data: Option<&str>, body: &str, headers: &[(String, String)]) -> Result<(), Error> {
    let Some(given) = data else { return Ok(()) };
    let declared = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.to_ascii_lowercase());
    if body.is_empty() || declared.is_some_and(|t| !t.contains("json")) {
        return Ok(());
    }
    let what = if given.starts_with('@') {
        format!("--data {given}")
    } else {
        "--data".to_string()
    };
    match serde_json::from_str::<Value>(body) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::with_help(
            format!("{what} is not JSON ({e}); nothing was sent"),
            "invoke sends --data as application/json: pass JSON, e.g. --data '{\"input\": {\"id\": 7}}' or \
             --data @body.json, or add -H 'content-type: text/plain' to send other text as it is",
        )),
    }
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
    printer: &Printer,
    clients: &crate::aws::Clients,
    response: &Value,
    limit: Duration,
) -> Result<execution::ExecutionState, Error> {
    if let Some(done) = response["status"].as_str() {
        return Ok(execution::ExecutionState {
            status: done.parse().map_err(|e: crate::domain::Unknown| {
                Error::msg(format!("the answer's status is not an execution's: {e}"))
            })?,
            output: response["output"].as_str().map(str::to_string),
            error: response["error"].as_str().map(str::to_string),
            cause: response["cause"].as_str().map(str::to_string),
        });
    }
    let arn = response["executionArn"]
        .as_str()
        .ok_or_else(|| Error::msg("--follow: the response has no executionArn to follow"))?;
    follow(printer, clients, arn, limit).await?.ok_or_else(|| {
        Error::with_help(
            format!("{arn} is still RUNNING after {}s", limit.as_secs()),
            "it keeps running: see `aws stepfunctions describe-execution`, or raise --timeout",
        )
    })
}

/// Polls DescribeExecution with a spinner until the execution leaves RUNNING; `None` when
/// `limit` passes first.
async fn follow(
    printer: &Printer,
    clients: &crate::aws::Clients,
    arn: &str,
    limit: Duration,
) -> Result<Option<execution::ExecutionState>, crate::error::AwsError> {
    let spinner = printer.spinner(format!("following {arn}"));
    let deadline = tokio::time::Instant::now() + limit;
    let mut delay = Duration::from_millis(250);
    let state = loop {
        let state = execution::describe_execution(clients, arn).await?;
        if state.status != ExecutionStatus::Running {
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
