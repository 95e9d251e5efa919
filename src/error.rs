//! Errors that name the resource and the AWS call that failed, and say in words what happened.
//!
//! [`AwsError`] is one failed AWS call, explained: the HTTP status, the AWS error code and
//! message, the request id, and for the common first failures (no credentials, expired
//! credentials, an endpoint that cannot be reached, access denied, an answer that is not from
//! AWS) a line that says what to do. [`Error`] is what a command returns; the binary prints it
//! once ([`crate::render::Printer::failure`]) and [`crate::cli`] turns it into the exit code.

use std::error::Error as StdError;
use std::path::PathBuf;
use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::Error as TypeErasedError;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use serde_json::{Value, json};

/// An AWS call that failed, with what it was acting on and what happened, in words.
#[derive(Debug, Clone)]
pub struct AwsError {
    /// The API operation, e.g. `CreateIntegration`.
    pub call: &'static str,
    /// What it acted on, e.g. `route "POST /new-user"`.
    pub resource: String,
    /// The service's error code, when there is one.
    pub code: Option<String>,
    /// What happened, in words: the status, the code and AWS's message, or why no answer came.
    pub message: String,
    /// Whether sending the same request again is sensible, and what it risks.
    pub retry: Retry,
    /// The rest (status, request id, help, the SDK's error), boxed so that results carrying an
    /// error stay small; read it through [`AwsError::status`], [`AwsError::request_id`] and
    /// [`AwsError::help`].
    pub detail: Box<Detail>,
}

/// The less used parts of an [`AwsError`].
#[derive(Debug, Clone, Default)]
pub struct Detail {
    status: Option<u16>,
    /// AWS's own message, as the answer carried it (the SDK's `message()`).
    aws_message: Option<String>,
    request_id: Option<String>,
    help: Option<String>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on {} failed: {}", self.call, self.resource, self.message)?;
        match &self.detail.request_id {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

impl StdError for AwsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.detail
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// What a failed call tried: its service, the endpoint its request went to, the profile of its
/// credentials. The client puts it into the SDK's error (the SDK's connection and credential
/// errors carry neither; [`crate::aws`] records them), so that [`AwsError::new`] can name them
/// without any global.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    /// The service, as in `AWS_ENDPOINT_URL_<SERVICE>`: `apigatewayv2`, `iam`, `sfn`, `sts`.
    pub service: &'static str,
    /// Scheme, host and port of the last attempt, when a request was sent at all.
    pub endpoint: Option<String>,
    /// The AWS profile the credentials come from.
    pub profile: String,
    /// How long the call waited in all, attempts and backoff included.
    pub waited: Option<std::time::Duration>,
    /// The call's time limits.
    pub limits: Limits,
}

/// The time limits of one AWS call: each attempt waits at most `attempt` for an answer, and the
/// call, retries included, at most `call` (`--call-timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One attempt.
    pub attempt: std::time::Duration,
    /// The whole call.
    pub call: std::time::Duration,
}

/// An SDK error with what was tried, in its source chain (see [`Tried::attach`]).
#[derive(Debug)]
struct WithTried {
    tried: Tried,
    error: OrchestratorError<TypeErasedError>,
    /// The call's time is up: no attempt may follow ([`Tried::is_out_of_time`]).
    out_of_time: bool,
}

impl std::fmt::Display for WithTried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.tried.endpoint {
            Some(endpoint) => write!(f, "sent to {endpoint} (profile {})", self.tried.profile),
            None => write!(f, "not sent (profile {})", self.tried.profile),
        }
    }
}

impl StdError for WithTried {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        // The wrapped error's own text ("connector error") is the layer above's: go to its cause.
        self.error.source()
    }
}

impl Tried {
    /// Puts `self` into a failed call's error, keeping its kind (a connection failure stays one,
    /// a timeout stays one), so the SDK's error says the same as without it. The errors that came
    /// with an answer (AWS's own, or one that could not be read) need no endpoint: left as they
    /// are.
    pub fn attach(error: &mut OrchestratorError<TypeErasedError>, tried: Tried) {
        Tried::wrap(error, tried, false);
    }

    /// As [`Tried::attach`], marking the error as the call's last: its time is up, so no retry
    /// may follow (see `aws::OutOfTime`).
    pub fn attach_out_of_time(error: &mut OrchestratorError<TypeErasedError>, tried: Tried) {
        Tried::wrap(error, tried, true);
    }

    /// Whether `error` was marked by [`Tried::attach_out_of_time`].
    pub fn is_out_of_time(error: &OrchestratorError<TypeErasedError>) -> bool {
        find::<WithTried>(error).is_some_and(|w| w.out_of_time)
    }

    fn wrap(error: &mut OrchestratorError<TypeErasedError>, tried: Tried, out_of_time: bool) {
        if error.is_operation_error() || error.is_response_error() || error.is_interceptor_error() {
            return;
        }
        // Attached once: an error marked at the end of its attempt reaches the end of the call.
        if find::<WithTried>(&*error).is_some() {
            return;
        }
        let timeout = error.is_timeout_error();
        let connector = error
            .as_connector_error()
            .map(|c| (c.is_timeout(), c.is_io(), c.is_user()));
        let original = std::mem::replace(error, OrchestratorError::other("(moved)"));
        let boxed: BoxError = Box::new(WithTried {
            tried,
            error: original,
            out_of_time,
        });
        *error = match connector {
            _ if timeout => OrchestratorError::timeout(boxed),
            Some((true, _, _)) => OrchestratorError::connector(ConnectorError::timeout(boxed)),
            Some((_, true, _)) => OrchestratorError::connector(ConnectorError::io(boxed)),
            Some((_, _, true)) => OrchestratorError::connector(ConnectorError::user(boxed)),
            Some(_) => OrchestratorError::connector(ConnectorError::other(boxed, None)),
            None => OrchestratorError::other(boxed),
        };
    }

    /// What a failed call tried, from its error's source chain.
    fn of<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a Tried> {
        find::<WithTried>(err).map(|w| &w.tried)
    }

    /// The endpoint `service`'s request went to, or `the <service> endpoint` when none is known.
    fn endpoint(tried: Option<&Tried>, service: &str) -> String {
        tried
            .and_then(|t| t.endpoint.clone())
            .unwrap_or_else(|| format!("the {service} endpoint"))
    }
}

/// What a failed call tells about its effect, and so whether it may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The request was refused and will be refused again (bad input, quota, access).
    Never,
    /// The request was refused without effect but may pass later: throttling, or API Gateway's
    /// "concurrent modification, please try again later".
    NotDone,
    /// The request may or may not have taken effect: a timeout, a dropped connection, a 5xx.
    /// A create must look before it sends again.
    Unknown,
}

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
];

/// Codes AWS answers when the caller's identity lacks a permission (IAM user guide,
/// "Troubleshooting access denied error messages").
const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "UnauthorizedException",
];

/// Codes for credentials that were valid once and are no more (AWS API references, "Common
/// Errors": ExpiredTokenException, RequestExpired; STS: ExpiredToken).
const EXPIRED: &[&str] = &["ExpiredToken", "ExpiredTokenException", "RequestExpired"];

/// Codes for credentials AWS does not know or a signature it cannot verify (AWS API references,
/// "Common Errors": InvalidClientTokenId, IncompleteSignature, SignatureDoesNotMatch;
/// UnrecognizedClientException in the JSON services).
const INVALID_CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
];

/// True for a 409 that asks to try again (not a real conflict such as a duplicate route key).
///
/// Read from the message on purpose: API Gateway answers both with the same status and code
/// (409 `ConflictException`, botocore apigatewayv2 `ConflictException` has no other field), and
/// only the text ("Unable to complete operation due to concurrent modification. Please try again
/// later.") tells a transient conflict from a real one. The one place that reads it, for the
/// retry classifier ([`crate::aws::ConcurrentModification`]) and [`Retry`]; pinned by
/// `tests::a_conflict_is_retried_only_when_it_says_concurrent_modification`.
pub fn is_concurrent_modification(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("concurrent modification") || m.contains("concurrentmodification")
}

impl AwsError {
    /// Wraps an SDK error, explaining it.
    pub fn new<E>(call: &'static str, resource: impl Into<String>, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let explained = explain(&err, service_of::<E>());
        Self {
            call,
            resource: resource.into(),
            code: err.code().map(str::to_string),
            message: explained.message,
            retry: retry_of(&err),
            detail: Box::new(Detail {
                status: explained.status,
                aws_message: err.message().map(str::to_string),
                request_id: err.request_id().map(str::to_string),
                help: explained.help,
                source: Some(Arc::new(err)),
            }),
        }
    }

    /// An error the tool itself detected in an AWS answer.
    pub fn invalid(call: &'static str, resource: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            call,
            resource: resource.into(),
            code: None,
            message: message.into(),
            retry: Retry::Never,
            detail: Box::default(),
        }
    }

    /// A refusal as AWS would answer it: `code` and AWS's own `message`, for unit tests of
    /// what reads them.
    #[cfg(test)]
    pub(crate) fn refused(call: &'static str, resource: &str, code: &str, message: &str) -> Self {
        let mut e = Self::invalid(call, resource, format!("{code}: {message}"));
        e.code = Some(code.into());
        e.detail.aws_message = Some(message.into());
        e
    }

    /// An answer that lacks a field the tool needs (an id, an ARN): never read as "".
    pub fn missing(call: &'static str, resource: impl Into<String>, field: &str) -> Self {
        Self::invalid(
            call,
            resource,
            format!("the answer has no {field}; the endpoint may not be a complete AWS implementation"),
        )
    }

    /// The same error with a line that says what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.detail.help = Some(help.into());
        self
    }

    /// True when AWS refused the call for lack of a permission.
    pub fn is_access_denied(&self) -> bool {
        self.code.as_deref().is_some_and(|c| ACCESS_DENIED.contains(&c))
    }

    /// The HTTP status of the answer, when one came.
    pub fn status(&self) -> Option<u16> {
        self.detail.status
    }

    /// AWS's own message, when the answer was one of AWS's error documents: the only way to tell
    /// some refusals apart where AWS gives several the same code (see its callers).
    pub fn aws_message(&self) -> Option<&str> {
        self.detail.aws_message.as_deref()
    }

    /// AWS's request id, when the answer carried one (quote it to AWS support).
    pub fn request_id(&self) -> Option<&str> {
        self.detail.request_id.as_deref()
    }

    /// What to do next, when that is known.
    pub fn help(&self) -> Option<&str> {
        self.detail.help.as_deref()
    }

    /// The error as the JSON object `--output json` prints.
    pub fn to_json(&self) -> Value {
        json!({
            "kind": "aws",
            "call": self.call,
            "resource": self.resource,
            "status": self.status(),
            "code": self.code,
            "message": self.message,
            "request_id": self.request_id(),
            "help": self.help(),
        })
    }
}

fn retry_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Retry {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Retry::Unknown
        }
        SdkError::ServiceError(s) => {
            let status = s.raw().status().as_u16();
            let code = err.code().unwrap_or_default();
            let busy = code == "ConcurrentModification"
                || (status == 409 && is_concurrent_modification(err.message().unwrap_or_default()));
            if status == 429 || THROTTLING.contains(&code) || busy {
                Retry::NotDone
            } else if status >= 500 {
                Retry::Unknown
            } else {
                Retry::Never
            }
        }
        _ => Retry::Never,
    }
}

/// The service an SDK error type belongs to, from its crate: `aws_sdk_iam::...` is `iam`.
fn service_of<E>() -> &'static str {
    let name = std::any::type_name::<E>();
    match name.split("::").next().unwrap_or_default() {
        "aws_sdk_apigatewayv2" => "apigatewayv2",
        "aws_sdk_iam" => "iam",
        "aws_sdk_sfn" => "sfn",
        "aws_sdk_sts" => "sts",
        _ => "aws",
    }
}

/// What an SDK error means, in words.
struct Explained {
    message: String,
    help: Option<String>,
    status: Option<u16>,
}

fn explain<E: ProvideErrorMetadata + StdError + 'static>(
    err: &SdkError<E, HttpResponse>,
    service: &str,
) -> Explained {
    match err {
        SdkError::ServiceError(s) => explain_answer(s.raw(), err.code(), err.message()),
        SdkError::ResponseError(r) => {
            let mut e = explain_answer(r.raw(), None, None);
            e.message = format!("{} ({})", e.message, causes(err).join(": "));
            e
        }
        SdkError::TimeoutError(_) => explain_timeout(Tried::of(err), service),
        // The HTTP client's connect and read timeouts: no answer either.
        SdkError::DispatchFailure(d) if d.is_timeout() => explain_timeout(Tried::of(err), service),
        _ => explain_unsent(err, service),
    }
}

/// A call that got no answer in time: the endpoint it waited on, how long, and what to do. The
/// endpoint is unknown only when no request was sent (the call's time ran out before).
fn explain_timeout(tried: Option<&Tried>, service: &str) -> Explained {
    let endpoint = Tried::endpoint(tried, service);
    let message = match tried.and_then(|t| t.waited) {
        Some(waited) => format!("no answer from {endpoint} in {} s", waited.as_secs()),
        None => format!("no answer from {endpoint} within the time limit"),
    };
    let limits = match tried.map(|t| t.limits) {
        Some(l) => format!(
            " (now {} s, each attempt at most {} s)",
            l.call.as_secs(),
            l.attempt.as_secs()
        ),
        None => String::new(),
    };
    Explained {
        message,
        help: Some(format!(
            "check the network path (VPN, proxy, firewall) to {endpoint} and that its server answers; \
             AWS may also be slow: re-running is safe, and --call-timeout SECONDS waits longer{limits}"
        )),
        status: None,
    }
}

/// A request that got no answer: no credentials, no connection, or a request that could not be
/// built.
fn explain_unsent(err: &(dyn StdError + 'static), service: &str) -> Explained {
    let chain = causes(err);
    let text = chain.join(": ").to_ascii_lowercase();
    let tried = Tried::of(err);
    if let Some(credentials) = find::<aws_credential_types::provider::error::CredentialsError>(err) {
        let profile = tried.map_or("default", |t| t.profile.as_str());
        return credentials_problem(credentials, &text, profile);
    }
    let endpoint = Tried::endpoint(tried, service);
    let (what, help) = if let Some(io) = find::<std::io::Error>(err) {
        connection_problem(io, &text)
    } else if text.contains("dns error") || text.contains("failed to lookup address") {
        (
            "its host name could not be resolved (DNS)".to_string(),
            "check the endpoint's host name and your network or DNS settings",
        )
    } else if text.contains("timeout") || text.contains("timed out") {
        (
            "the connection timed out".to_string(),
            "check the network path (VPN, proxy, firewall) to the endpoint",
        )
    } else {
        let detail = chain.last().cloned().unwrap_or_else(|| "unknown cause".into());
        return Explained {
            message: format!("the request could not be sent: {detail}"),
            help: None,
            status: None,
        };
    };
    Explained {
        message: format!("cannot reach {endpoint}: {what}"),
        help: Some(format!(
            "{help}; the endpoint comes from --endpoint-url, AWS_ENDPOINT_URL(_<SERVICE>) or the region \
             (a local emulator such as moto_server must be started first)"
        )),
        status: None,
    }
}

fn connection_problem(io: &std::io::Error, text: &str) -> (String, &'static str) {
    use std::io::ErrorKind::*;
    if text.contains("dns error") || text.contains("failed to lookup address") {
        return (
            format!("its host name could not be resolved (DNS: {io})"),
            "check the endpoint's host name and your network or DNS settings",
        );
    }
    match io.kind() {
        ConnectionRefused => (
            "the connection was refused (nothing listens there)".into(),
            "check that the endpoint is right and its server is running",
        ),
        TimedOut => (
            "the connection timed out".into(),
            "check the network path (VPN, proxy, firewall) to the endpoint",
        ),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => (
            "the connection was closed before an answer came".into(),
            "the endpoint or a proxy dropped the request; re-running is safe",
        ),
        _ => (format!("{io}"), "check the endpoint and the network"),
    }
}

fn credentials_problem(
    credentials: &aws_credential_types::provider::error::CredentialsError,
    text: &str,
    profile: &str,
) -> Explained {
    use aws_credential_types::provider::error::CredentialsError as C;
    if text.contains("expired") || text.contains("refresh") {
        return Explained {
            message: format!("the AWS credentials of profile `{profile}` have expired"),
            help: Some(
                "sign in again: `aws sso login` for an SSO profile, or get new session credentials".into(),
            ),
            status: None,
        };
    }
    let message = match credentials {
        C::CredentialsNotLoaded(_) => "no AWS credentials were found".to_string(),
        C::ProviderTimedOut(_) => "loading AWS credentials timed out".to_string(),
        // The default chain reports the last source it tried (often instance metadata), which
        // reads as if that were the problem: say first that nothing usable was found.
        _ => format!(
            "no usable AWS credentials were found (the last source tried said: {})",
            last_cause(credentials)
        ),
    };
    Explained {
        message,
        help: Some(format!(
            "looked at: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile `{profile}` in ~/.aws/config and \
             ~/.aws/credentials (SSO, credential_process, role), web identity, container and instance \
             metadata. Configure credentials with `aws configure`, choose a profile with AWS_PROFILE or \
             --profile, or sign in with `aws sso login`"
        )),
        status: None,
    }
}

/// An HTTP answer that is an error: AWS's code and message when it is one of AWS's error
/// documents, else what the answer looks like.
fn explain_answer(raw: &HttpResponse, code: Option<&str>, message: Option<&str>) -> Explained {
    let status = raw.status().as_u16();
    let Some(code) = code else {
        let body = raw
            .body()
            .bytes()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let first = body
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        let message = if first.is_empty() {
            format!("HTTP {status} with an empty answer (not an AWS error response)")
        } else {
            format!(
                "HTTP {status}; the answer is not an AWS error response (first line: {})",
                clip(first, 120)
            )
        };
        return Explained {
            message,
            help: Some(
                "the endpoint is not answering as AWS does: check --endpoint-url / AWS_ENDPOINT_URL, a \
                 proxy in between, or the emulator's log"
                    .into(),
            ),
            status: Some(status),
        };
    };
    let text = match message.filter(|m| !m.is_empty()) {
        Some(m) => format!("HTTP {status} {code}: {m}"),
        None => format!("HTTP {status} {code}"),
    };
    Explained {
        message: text,
        help: help_for_code(code, message.unwrap_or_default()),
        status: Some(status),
    }
}

fn help_for_code(code: &str, message: &str) -> Option<String> {
    if ACCESS_DENIED.contains(&code) {
        let (action, resource) = denied_action(message);
        return Some(match action {
            Some(action) => format!(
                "your AWS identity may not call {action}{}: add it to the identity's IAM policy, or use \
                 credentials that have it",
                resource.map(|r| format!(" on {r}")).unwrap_or_default()
            ),
            None => "your AWS identity lacks a permission for this call: add it to the identity's IAM policy"
                .into(),
        });
    }
    if EXPIRED.contains(&code) || message.to_ascii_lowercase().contains("token is expired") {
        return Some("your credentials have expired: `aws sso login`, or get new session credentials".into());
    }
    if INVALID_CREDENTIALS.contains(&code) {
        return Some(
            "AWS does not recognise these credentials: check AWS_ACCESS_KEY_ID / the profile, and the region"
                .into(),
        );
    }
    None
}

/// The action and resource of an access-denied message: "User: X is not authorized to perform:
/// iam:GetRole on resource: Y because ...".
fn denied_action(message: &str) -> (Option<&str>, Option<&str>) {
    let action = message
        .split_once("perform: ")
        .map(|(_, rest)| rest.split_whitespace().next().unwrap_or_default())
        .filter(|a| !a.is_empty());
    let resource = message
        .split_once("on resource: ")
        .map(|(_, rest)| rest.split_whitespace().next().unwrap_or_default())
        .filter(|r| !r.is_empty());
    (action, resource)
}

/// The Display texts of an error and its sources, outermost first, without repeats.
fn causes(err: &(dyn StdError + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        // What was tried is said in the explanation's own words, not as a cause.
        let text = if e.is::<WithTried>() {
            String::new()
        } else {
            e.to_string()
        };
        if !text.is_empty() && out.last() != Some(&text) {
            out.push(text);
        }
        next = e.source();
    }
    out
}

fn last_cause(err: &(dyn StdError + 'static)) -> String {
    causes(err).pop().unwrap_or_default()
}

/// The first error of type `T` in the source chain.
fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// How a command ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done (exit 0).
    Success,
    /// The command ran and reported its own failure (exit 1): a stack with errors under
    /// `validate`, a response that was not 2xx, an execution that did not succeed.
    Failure,
    /// `diff --exit-code` found changes (exit 2).
    Changes,
}

impl ExitStatus {
    /// The process exit code: 0, 1 or 2 (an [`Error`] is 1 too).
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
        }
    }
}

/// A diagnostic as `--output json` prints it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DiagnosticJson {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The file.
    pub file: String,
    /// 1-based line, when the diagnostic points into the file.
    pub line: Option<usize>,
    /// 1-based column, when the diagnostic points into the file.
    pub column: Option<usize>,
    /// The diagnostic's name, for `allow = [...]`, when it has one.
    pub code: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The label under the span.
    pub label: String,
    /// What to do.
    pub help: Option<String>,
}

/// An apply (`up` or `down`) that stopped part-way.
#[derive(Debug)]
pub struct Stopped {
    /// `up` or `down`.
    pub verb: &'static str,
    /// Why, in words.
    pub reason: String,
    /// The AWS error, when a call failed.
    pub aws: Option<AwsError>,
    /// What to do next: what was done and whether re-running is safe.
    pub help: String,
    /// The command's report (plan, completed steps), for `--output json`.
    pub report: Value,
}

/// Why a command failed. Printed once, at the top of the binary.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The stack file has errors; its diagnostics were shown.
    #[error("{path} has {errors} error{}; nothing was sent to AWS", if *errors == 1 { "" } else { "s" })]
    Invalid {
        /// The stack file.
        path: PathBuf,
        /// How many errors.
        errors: usize,
        /// Every diagnostic, for `--output json`.
        diagnostics: Vec<DiagnosticJson>,
    },
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsError),
    /// `up` or `down` stopped part-way.
    #[error("{} stopped: {}", .0.verb, .0.reason)]
    Stopped(Box<Stopped>),
    /// Anything else the user can act on: a message, and what to do.
    #[error("{message}")]
    User {
        /// What is wrong.
        message: String,
        /// What to do, when known.
        help: Option<String>,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// `read`, `write`, ...
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A failure with a message and no further help.
    pub fn msg(message: impl Into<String>) -> Self {
        Error::User {
            message: message.into(),
            help: None,
        }
    }

    /// A failure with a message and what to do.
    pub fn with_help(message: impl Into<String>, help: impl Into<String>) -> Self {
        Error::User {
            message: message.into(),
            help: Some(help.into()),
        }
    }

    /// What to do next, when known.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Aws(e) => e.help().map(str::to_string),
            Error::Stopped(stopped) => Some(match stopped.aws.as_ref().and_then(AwsError::help) {
                Some(first) => format!("{first}\n{}", stopped.help),
                None => stopped.help.clone(),
            }),
            Error::User { help, .. } => help.clone(),
            Error::Invalid { .. } | Error::Io { .. } => None,
        }
    }

    /// The error as one JSON document for `--output json`.
    pub fn to_json(&self) -> Value {
        let error = match self {
            Error::Aws(e) => e.to_json(),
            Error::Invalid {
                path,
                errors,
                diagnostics,
            } => json!({
                "kind": "invalid_stack",
                "message": self.to_string(),
                "file": path.display().to_string(),
                "errors": errors,
                "diagnostics": diagnostics,
            }),
            Error::Stopped(stopped) => {
                let mut report = stopped.report.clone();
                let mut error = stopped
                    .aws
                    .as_ref()
                    .map_or_else(|| json!({"kind": "interrupted"}), AwsError::to_json);
                error["message"] = json!(self.to_string());
                error["next"] = json!(stopped.help);
                report["error"] = error;
                return report;
            }
            Error::User { message, help } => json!({"kind": "error", "message": message, "help": help}),
            Error::Io { path, .. } => json!({
                "kind": "io",
                "message": self.to_string(),
                "file": path.display().to_string(),
            }),
        };
        json!({ "error": error })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_messages_name_the_action_and_resource() {
        let m = "User: arn:aws:iam::1:user/ci is not authorized to perform: iam:PassRole on resource: \
                 arn:aws:iam::1:role/r because no identity-based policy allows the iam:PassRole action";
        assert_eq!(
            denied_action(m),
            (Some("iam:PassRole"), Some("arn:aws:iam::1:role/r"))
        );
        let help = help_for_code("AccessDenied", m).unwrap_or_default();
        assert!(help.contains("iam:PassRole on arn:aws:iam::1:role/r"), "{help}");
    }

    #[test]
    fn expired_and_unknown_credentials_say_what_to_do() {
        assert!(
            help_for_code("ExpiredToken", "")
                .unwrap_or_default()
                .contains("aws sso login")
        );
        assert!(
            help_for_code("InvalidClientTokenId", "")
                .unwrap_or_default()
                .contains("AWS_ACCESS_KEY_ID")
        );
        assert_eq!(help_for_code("ConflictException", "route exists"), None);
    }

    #[test]
    fn service_is_read_from_the_error_type_crate() {
        assert_eq!(
            service_of::<aws_sdk_iam::operation::get_role::GetRoleError>(),
            "iam"
        );
        assert_eq!(service_of::<std::io::Error>(), "aws");
    }

    #[test]
    fn a_conflict_is_retried_only_when_it_says_concurrent_modification() {
        assert!(is_concurrent_modification(
            "Unable to complete operation due to concurrent modification. Please try again later."
        ));
        assert!(is_concurrent_modification("ConcurrentModificationException"));
        assert!(!is_concurrent_modification(
            "Unable to complete operation due to conflict: Route with key POST /x already exists"
        ));
        assert!(!is_concurrent_modification(""));
    }

    #[test]
    fn long_lines_are_clipped_on_a_character_boundary() {
        assert_eq!(clip("ééé", 2), "éé…");
        assert_eq!(clip("abc", 5), "abc");
    }
}
