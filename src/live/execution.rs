//! Step Functions data-plane calls, for the local gateway and `invoke --follow`: the three
//! actions a route can take, answered as the service answers them, and DescribeExecution.

use std::collections::BTreeMap;

use aws_sdk_sfn::config::Region;
use aws_smithy_types::DateTime;
use serde_json::{Value, json};

use crate::aws::Clients;
use crate::domain::{Action, ExecutionStatus};
use crate::error::AwsError;

/// What the service answered: the HTTP status and the JSON body, as API Gateway relays them.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceReply {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

/// An execution's state, as `invoke --follow` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionState {
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE.
    pub status: ExecutionStatus,
    /// Output JSON text, when succeeded.
    pub output: Option<String>,
    /// Error name, when failed.
    pub error: Option<String>,
    /// Error cause, when failed.
    pub cause: Option<String>,
}

fn epoch(d: Option<&DateTime>) -> Value {
    d.map_or(Value::Null, |d| json!(d.as_secs_f64()))
}

fn service_error<E>(
    err: aws_sdk_sfn::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    call: &'static str,
) -> Result<ServiceReply, AwsError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    match &err {
        aws_sdk_sfn::error::SdkError::ServiceError(s) => Ok(ServiceReply {
            status: s.raw().status().as_u16(),
            body: json!({"__type": err.code().unwrap_or("UnknownError"), "message": err.message().unwrap_or_default()}),
        }),
        _ => Err(AwsError::new(call, "Step Functions", err)),
    }
}

/// Calls `action` (StartExecution, StartSyncExecution or StopExecution) with the evaluated
/// request parameters. A service error is a reply, not an `Err`: the gateway relays it.
pub async fn call_action(
    clients: &Clients,
    action: Action,
    params: &BTreeMap<String, String>,
) -> Result<ServiceReply, AwsError> {
    let sfn = &clients.sfn;
    let get = |k: &str| params.get(k).cloned();
    // The `Region` parameter sends the call to another region; without it this override is empty.
    let mut region = aws_sdk_sfn::config::Builder::default();
    region.set_region(params.get("Region").cloned().map(Region::new));
    match action {
        Action::StartExecution => {
            let call = sfn
                .start_execution()
                .set_state_machine_arn(get("StateMachineArn"))
                .set_name(get("Name"))
                .set_input(get("Input"))
                .customize()
                .config_override(region);
            match call.send().await {
                Ok(out) => Ok(ServiceReply {
                    status: 200,
                    body: json!({"executionArn": out.execution_arn(), "startDate": epoch(Some(out.start_date()))}),
                }),
                Err(e) => service_error(e, "StartExecution"),
            }
        }
        Action::StartSyncExecution => {
            let call = sfn
                .start_sync_execution()
                .set_state_machine_arn(get("StateMachineArn"))
                .set_name(get("Name"))
                .set_input(get("Input"))
                .set_trace_header(get("TraceHeader"))
                .customize()
                .interceptor(crate::aws::NoHostPrefixOnIp)
                .config_override(region);
            match call.send().await {
                Ok(out) => Ok(ServiceReply {
                    status: 200,
                    body: sync_envelope(&out),
                }),
                Err(e) => service_error(e, "StartSyncExecution"),
            }
        }
        Action::StopExecution => {
            let call = sfn
                .stop_execution()
                .set_execution_arn(get("ExecutionArn"))
                .set_error(get("Error"))
                .set_cause(get("Cause"))
                .customize()
                .config_override(region);
            match call.send().await {
                Ok(out) => Ok(ServiceReply {
                    status: 200,
                    body: json!({"stopDate": epoch(Some(out.stop_date()))}),
                }),
                Err(e) => service_error(e, "StopExecution"),
            }
        }
    }
}

/// StartSyncExecution's answer as the service writes it (API reference, StartSyncExecution,
/// "Response Syntax"): the fields it has, absent ones left out (a running or failed execution has
/// no `output`), dates in epoch seconds, and the billing details.
fn sync_envelope(out: &aws_sdk_sfn::operation::start_sync_execution::StartSyncExecutionOutput) -> Value {
    let mut body = json!({
        "executionArn": out.execution_arn(),
        "startDate": epoch(Some(out.start_date())),
        "stopDate": epoch(Some(out.stop_date())),
        "status": out.status().as_str(),
    });
    for (key, value) in [
        ("stateMachineArn", out.state_machine_arn()),
        ("name", out.name()),
        ("input", out.input()),
        ("output", out.output()),
        ("error", out.error()),
        ("cause", out.cause()),
        ("traceHeader", out.trace_header()),
    ] {
        if let Some(value) = value {
            body[key] = json!(value);
        }
    }
    if let Some(billing) = out.billing_details() {
        body["billingDetails"] = json!({
            "billedMemoryUsedInMB": billing.billed_memory_used_in_mb(),
            "billedDurationInMilliseconds": billing.billed_duration_in_milliseconds(),
        });
    }
    body
}

/// DescribeExecution.
pub async fn describe_execution(clients: &Clients, arn: &str) -> Result<ExecutionState, AwsError> {
    let out = clients
        .sfn
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("DescribeExecution", arn, e))?;
    Ok(ExecutionState {
        status: out
            .status()
            .as_str()
            .parse()
            .map_err(|e: crate::domain::Unknown| {
                AwsError::invalid("DescribeExecution", arn, e.to_string())
            })?,
        output: out.output().map(str::to_string),
        error: out.error().map(str::to_string),
        cause: out.cause().map(str::to_string),
    })
}
