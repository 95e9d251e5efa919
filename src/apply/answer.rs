//! What every resource module does with an AWS answer: deletes that find nothing count as done,
//! creates are sent once per attempt, and ids an answer must carry are never taken as "".

use std::collections::{BTreeMap, HashMap};

use aws_config::retry::RetryConfig;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{AwsError, Retry};

/// A delete's answer: NotFound (the thing is already gone) counts as done.
pub(crate) fn deleted<T, E>(
    answer: Result<T, SdkError<E, HttpResponse>>,
    call: &'static str,
    resource: impl Into<String>,
) -> Result<(), AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match answer {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(gone) => Ok(()),
        Err(e) => Err(AwsError::new(call, resource, e)),
    }
}

/// True when an error says the thing is already gone.
pub(crate) fn gone<E: ProvideErrorMetadata>(e: &E) -> bool {
    matches!(e.code(), Some("NotFoundException" | "NoSuchEntity"))
}

/// A create refused because the thing already exists (another run of this stack, or this run's
/// own earlier attempt) is settled by looking it up, like a lost response.
pub(crate) fn exists_is_unknown(mut e: AwsError) -> AwsError {
    if e.code.as_deref() == Some("ConflictException") && e.retry == Retry::Never {
        e.retry = Retry::Unknown;
    }
    e
}

/// The id a create's answer must carry. A success without one is an error naming the call: the
/// thing was probably made, so it is not sent again (that would make a second one); the next
/// `up` finds it the way it finds what a cut-off run left (by tag, name, or as an orphan).
pub(crate) fn created_id(
    id: Option<&str>,
    call: &'static str,
    resource: impl Into<String>,
    field: &str,
) -> Result<String, AwsError> {
    match id.filter(|id| !id.is_empty()) {
        Some(id) => Ok(id.to_string()),
        None => Err(AwsError::invalid(
            call,
            resource,
            format!(
                "the answer has no {field}; what the call made (if anything) is found by the next \
                 `provision up`"
            ),
        )),
    }
}

/// Tags as the SDK's maps want them.
pub(crate) fn to_hash(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Creates are sent once per attempt: [`super::create::create_safely`] decides whether to send
/// again.
pub(crate) fn once_gw() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// As [`once_gw`], for IAM.
pub(crate) fn once_iam() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_answer_without_an_id_is_an_error_naming_the_call_never_an_empty_id() {
        for missing in [None, Some("")] {
            let err = created_id(
                missing,
                "CreateIntegration",
                "integration for route POST /a",
                "IntegrationId",
            )
            .expect_err("no id");
            assert_eq!(err.call, "CreateIntegration");
            assert_eq!(err.resource, "integration for route POST /a");
            assert!(err.message.contains("no IntegrationId"), "{}", err.message);
            assert_eq!(err.retry, Retry::Never, "never sent again: it may have been made");
        }
        assert_eq!(
            created_id(Some("abc"), "CreateApi", "api", "ApiId")
                .ok()
                .as_deref(),
            Some("abc")
        );
    }
}
