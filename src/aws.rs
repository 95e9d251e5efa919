//! AWS client setup, resolved exactly as the AWS CLI does: the default credential chain,
//! `--profile`/`AWS_PROFILE`, `--region` then the stack's region then the environment, and
//! `--endpoint-url` or `AWS_ENDPOINT_URL[_<SERVICE>]`.

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::endpoint::EndpointPrefix;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextMut, InterceptorContext,
};
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use crate::error::Limits;

/// The AWS settings of a run: one group of options on the command line (global: they go before
/// or after the command's name), and the run's token buckets.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AwsSettings {
    /// AWS profile to use (default: AWS_PROFILE, then `default`).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region (default: the stack's `region`, then AWS_REGION or the profile's region).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Send every AWS call to this endpoint (also: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Pace API Gateway management calls to N per second, with a burst of 4N; AWS's throttling
    /// answers slow it down further. The account's quota (about 10/s, burst 40) is shared by
    /// every tool in it. 0 means unlimited (for local endpoints).
    #[arg(long, global = true, value_name = "N", default_value_t = crate::pace::DEFAULT_RATE, value_parser = rate)]
    pub max_rps: f64,

    /// Give up on an AWS call that gets no answer after this many seconds, its retries included
    /// (default 90; each attempt waits at most 20 s).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub call_timeout: Option<u64>,

    /// The run's token buckets, shared by every client it builds (the stacks of `up FOLDER`
    /// included): made with the settings, so one per run.
    #[arg(skip)]
    pub pacing: crate::pace::Pacing,
}

/// `--max-rps`: 0 (no pacing) or at least [`crate::pace::MIN_RATE`] calls per second.
fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n == 0.0 || (n.is_finite() && n >= crate::pace::MIN_RATE) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a rate: write calls per second, at least {}, or 0 for no limit",
            crate::pace::MIN_RATE
        )),
    }
}

/// The clients a command needs, all for one region.
#[derive(Debug, Clone)]
pub struct Clients {
    /// API Gateway v2.
    pub apigw: aws_sdk_apigatewayv2::Client,
    /// IAM.
    pub iam: aws_sdk_iam::Client,
    /// Step Functions.
    pub sfn: aws_sdk_sfn::Client,
    /// STS, for the account id when the trust policy needs it.
    pub sts: aws_sdk_sts::Client,
    /// The region in use.
    pub region: String,
    /// The AWS profile the credentials come from (`--profile`, else AWS_PROFILE, else
    /// `default`), for errors that depend on it.
    pub profile: String,
    /// Where that region came from (`--region`, the stack's `region`, `AWS_REGION`, the
    /// profile), for errors that depend on it.
    pub region_source: String,
    /// The credentials the clients sign with, for requests the SDK does not make (`invoke`
    /// signing a call to an `AWS_IAM` route).
    pub credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
}

/// Error building clients.
#[derive(Debug, thiserror::Error)]
#[error(
    "no AWS region: pass --region, set `region` in [stack], or set AWS_REGION (or a region in your AWS profile)"
)]
pub struct NoRegion;

/// How long a call may wait in all when `--call-timeout` is not given.
const CALL_TIMEOUT: Duration = Duration::from_secs(90);
/// How long one attempt may wait for an answer.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// What the SDK's own attempt and operation timeouts add to an attempt's and a call's limit. An
/// attempt ends by the HTTP client's read timeout (an answer that does not start in time), a
/// failure of the attempt that [`RecordTried`] sees, so the error names the endpoint and the
/// call ends on time; the SDK's timeouts drop the attempt unseen and stay backstops, beyond the
/// longest backoff between two attempts (10 s, the retry configuration below).
const BACKSTOP: Duration = Duration::from_secs(15);

impl AwsSettings {
    /// The time limits of every call: `--call-timeout`, else 90 s; an attempt 20 s at most.
    pub fn limits(&self) -> Limits {
        let call = self.call_timeout.map_or(CALL_TIMEOUT, Duration::from_secs);
        Limits {
            attempt: ATTEMPT_TIMEOUT.min(call),
            call,
        }
    }
}

/// Loads the AWS configuration and builds the clients.
pub async fn connect(settings: &AwsSettings, stack_region: Option<&str>) -> Result<Clients, NoRegion> {
    let limits = settings.limits();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(5)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(10)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .read_timeout(limits.attempt)
                .operation_attempt_timeout(limits.attempt + BACKSTOP)
                .operation_timeout(limits.call + BACKSTOP)
                .build(),
        );
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    let profile = profile_in_use(settings);
    if let Some(region) = settings.region.as_deref().or(stack_region) {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let region = config.region().ok_or(NoRegion)?.to_string();
    let region_source = region_source(settings, stack_region);
    let mut apigw = aws_sdk_apigatewayv2::config::Builder::from(&config)
        .retry_classifier(ConcurrentModification)
        .interceptor(RecordTried::new("apigatewayv2", &profile, limits))
        .retry_classifier(OutOfTime);
    if settings.max_rps > 0.0 && settings.max_rps.is_finite() {
        let bucket = settings
            .pacing
            .bucket(&region, settings.max_rps, 4.0 * settings.max_rps);
        apigw = apigw.http_client(crate::pace::PacedClient::new(bucket));
    }
    let apigw = apigw.build();
    let iam = aws_sdk_iam::config::Builder::from(&config)
        .retry_classifier(ConcurrentModification)
        .interceptor(RecordTried::new("iam", &profile, limits))
        .retry_classifier(OutOfTime)
        .build();
    let sfn = aws_sdk_sfn::config::Builder::from(&config)
        .interceptor(RecordTried::new("sfn", &profile, limits))
        .retry_classifier(OutOfTime)
        .build();
    let sts = aws_sdk_sts::config::Builder::from(&config)
        .interceptor(RecordTried::new("sts", &profile, limits))
        .retry_classifier(OutOfTime)
        .build();
    Ok(Clients {
        apigw: aws_sdk_apigatewayv2::Client::from_conf(apigw),
        iam: aws_sdk_iam::Client::from_conf(iam),
        sfn: aws_sdk_sfn::Client::from_conf(sfn),
        sts: aws_sdk_sts::Client::from_conf(sts),
        region,
        region_source,
        profile,
        credentials: config.credentials_provider(),
    })
}

/// The AWS profile in use: `--profile`, else AWS_PROFILE, else `default` (as the SDK picks it).
fn profile_in_use(settings: &AwsSettings) -> String {
    settings
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".into())
}

/// The region the environment names, and the variable it came from: `AWS_REGION`, else
/// `AWS_DEFAULT_REGION`, a blank value counting as unset (AWS SDKs and Tools reference guide,
/// "AWS Region"). The one reading of these variables, for `connect`'s explanation and for the
/// offline commands that resolve a region as `up` would (`policy`).
pub fn region_from_env() -> Option<(&'static str, String)> {
    ["AWS_REGION", "AWS_DEFAULT_REGION"].into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (name, v))
    })
}

/// Where the region comes from, in the order [`connect`] resolves it: `--region`, the stack's
/// `region`, then the SDK's chain (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`;
/// AWS SDKs and Tools reference guide, "AWS Region").
fn region_source(settings: &AwsSettings, stack_region: Option<&str>) -> String {
    if settings.region.is_some() {
        "--region".into()
    } else if stack_region.is_some() {
        "`region` under [stack] in the stack file".into()
    } else if let Some((variable, _)) = region_from_env() {
        variable.into()
    } else {
        format!("the `region` of AWS profile {}", profile_in_use(settings))
    }
}

impl Clients {
    /// A Step Functions client for `region`, with every other setting of [`Clients::sfn`]
    /// (endpoint, credentials, retries, timeouts): a machine is asked in the region its ARN
    /// names. The same client for the region in use or an empty one.
    pub fn sfn_in(&self, region: &str) -> aws_sdk_sfn::Client {
        if region.is_empty() || region == self.region {
            return self.sfn.clone();
        }
        let config = self
            .sfn
            .config()
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_sfn::Client::from_conf(config)
    }
}

/// Whether the credentials in use carry a session token (SSO, an assumed role, MFA), which a
/// request signed outside the SDK must send as `x-amz-security-token`.
pub async fn has_session_token(clients: &Clients) -> bool {
    use aws_credential_types::provider::ProvideCredentials;
    match &clients.credentials {
        Some(provider) => provider
            .provide_credentials()
            .await
            .is_ok_and(|c| c.session_token().is_some()),
        None => false,
    }
}

/// Where an operation's last attempt was sent (scheme, host and port), kept in the operation's
/// own config bag between [`RecordTried`]'s two hooks.
#[derive(Debug, Clone)]
struct SentTo(String);

impl Storable for SentTo {
    type Storer = StoreReplace<Self>;
}

/// Puts into a failed call's error what was tried: the endpoint its request went to and the
/// profile of its credentials ([`crate::error::Tried`]). The SDK's connection and credential
/// errors carry neither, and the explanation needs both ("cannot reach http://...").
///
/// It also ends a call on time: an attempt that fails when another could not end within the
/// call's limit is marked so that [`OutOfTime`] forbids another. The error is then the last
/// attempt's, which names the endpoint; the SDK's own operation timeout would end the call
/// without it.
#[derive(Debug)]
struct RecordTried {
    service: &'static str,
    profile: String,
    limits: Limits,
}

/// When the call started, in the operation's config bag.
#[derive(Debug, Clone, Copy)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

impl RecordTried {
    fn new(service: &'static str, profile: &str, limits: Limits) -> Self {
        Self {
            service,
            profile: profile.to_string(),
            limits,
        }
    }

    fn tried(&self, cfg: &ConfigBag) -> crate::error::Tried {
        crate::error::Tried {
            service: self.service,
            endpoint: cfg.load::<SentTo>().map(|s| s.0.clone()),
            profile: self.profile.clone(),
            waited: cfg.load::<Started>().map(|s| s.0.elapsed()),
            limits: self.limits,
        }
    }
}

impl Intercept for RecordTried {
    fn name(&self) -> &'static str {
        "RecordTried"
    }

    fn read_before_execution(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(started) = cfg.load::<Started>().copied() else {
            return Ok(());
        };
        if started.0.elapsed() + self.limits.attempt > self.limits.call {
            let tried = self.tried(cfg);
            if let Some(Err(error)) = context.output_or_error_mut() {
                crate::error::Tried::attach_out_of_time(error, tried);
            }
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<
            '_,
        >,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let uri = context.request().uri();
        let origin = match uri.find("://") {
            Some(i) => uri[i + 3..].find('/').map_or(uri, |end| &uri[..i + 3 + end]),
            None => uri,
        };
        cfg.interceptor_state().store_put(SentTo(origin.to_string()));
        Ok(())
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let tried = self.tried(cfg);
        if let Some(Err(error)) = context.output_or_error_mut() {
            crate::error::Tried::attach(error, tried);
        }
        Ok(())
    }
}

/// Forbids another attempt of a call whose time is up ([`RecordTried`] marks its last error).
#[derive(Debug)]
pub struct OutOfTime;

impl ClassifyRetry for OutOfTime {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.output_or_error() {
            Some(Err(error)) if crate::error::Tried::is_out_of_time(error) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "OutOfTime"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// Retries a 409 that says "concurrent modification, please try again later", which API
/// Gateway and IAM send while another change is in progress. The SDK does not retry it by
/// default; a real conflict (a duplicate route key, IAM's LimitExceeded) is left alone. AWS
/// gives the two the same status and code, so the body's text decides, in one function:
/// [`crate::error::is_concurrent_modification`].
#[derive(Debug)]
pub struct ConcurrentModification;

impl ClassifyRetry for ConcurrentModification {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(response) = ctx.response() else {
            return RetryAction::NoActionIndicated;
        };
        if response.status().as_u16() != 409 {
            return RetryAction::NoActionIndicated;
        }
        let body = response.body().bytes().unwrap_or_default();
        if crate::error::is_concurrent_modification(&String::from_utf8_lossy(body)) {
            RetryAction::throttling_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "ConcurrentModification"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::modeled_as_retryable_classifier())
    }
}

/// Drops an operation's host prefix (StartSyncExecution's `sync-`) when the endpoint is an IP
/// address or `localhost`, where a prefix makes a host name that cannot resolve. Real AWS
/// endpoints are names and keep their prefix.
#[derive(Debug)]
pub struct NoHostPrefixOnIp;

impl Intercept for NoHostPrefixOnIp {
    fn name(&self) -> &'static str {
        "NoHostPrefixOnIp"
    }

    fn modify_before_retry_loop(
        &self,
        _context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let endpoint = cfg
            .load::<aws_types::endpoint_config::EndpointUrl>()
            .map(|e| e.0.clone());
        if endpoint.as_deref().is_some_and(is_ip_or_localhost) {
            cfg.interceptor_state().unset::<EndpointPrefix>();
        }
        Ok(())
    }
}

fn is_ip_or_localhost(url: &str) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => return v6.contains(']'),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host == "localhost" || host.parse::<std::net::Ipv4Addr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_ip_or_localhost;

    #[test]
    fn host_prefixes_are_dropped_only_for_addresses() {
        assert!(is_ip_or_localhost("http://127.0.0.1:5000"));
        assert!(is_ip_or_localhost("http://localhost:4566/"));
        assert!(is_ip_or_localhost("http://[::1]:5000"));
        assert!(!is_ip_or_localhost("https://states.ap-southeast-2.amazonaws.com"));
    }
}
