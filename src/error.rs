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
    /// True when the request may never have reached AWS or its outcome is unknown
    /// (timeouts, dropped connections, 5xx): a create may or may not have happened.
    pub outcome_unknown: bool,
}

impl AwsError {
    /// Wraps an SDK error.
    pub fn new<E>(call: &'static str, resource: impl Into<String>, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = err.code().map(str::to_string);
        let outcome_unknown = match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(s) => s.raw().status().as_u16() >= 500,
            _ => false,
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
            outcome_unknown,
        }
    }

    /// An error the tool itself detected in an AWS answer.
    pub fn invalid(call: &'static str, resource: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            call,
            resource: resource.into(),
            code: None,
            message: message.into(),
            outcome_unknown: false,
        }
    }
}
