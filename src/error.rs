//! Errors that name the resource and the AWS call that failed.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An AWS call that failed, with what it was acting on.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{call} on {resource} failed: {message}")]
pub struct AwsError {
    /// The API operation, e.g. `CreateIntegration`.
    pub call: &'static str,
    /// What it acted on, e.g. `route "POST /new-user"`.
    pub resource: String,
    /// The service's error code, when there is one.
    pub code: Option<String>,
    /// Human-readable cause.
    pub message: String,
    /// Whether sending the same request again is sensible, and what it risks.
    pub retry: Retry,
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

/// True for a 409 that asks to try again (not a real conflict such as a duplicate route key).
pub fn is_concurrent_modification(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("concurrent modification") || m.contains("concurrentmodification")
}

impl AwsError {
    /// Wraps an SDK error.
    pub fn new<E>(call: &'static str, resource: impl Into<String>, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = err.code().map(str::to_string);
        let retry = match &err {
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
        };
        let message = match (err.code(), err.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            _ => aws_smithy_types::error::display::DisplayErrorContext(&err).to_string(),
        };
        Self {
            call,
            resource: resource.into(),
            code,
            message,
            retry,
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
        }
    }
}
