//! AWS client setup, resolved exactly as the AWS CLI does: the default credential chain,
//! `--profile`/`AWS_PROFILE`, `--region` then the stack's region then the environment, and
//! `--endpoint-url` or `AWS_ENDPOINT_URL[_<SERVICE>]`.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};

/// Settings given on the command line.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
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
    /// The region in use.
    pub region: String,
}

/// Error building clients.
#[derive(Debug, thiserror::Error)]
#[error(
    "no AWS region: pass --region, set `region` in [stack], or set AWS_REGION (or a region in your AWS profile)"
)]
pub struct NoRegion;

/// Loads the AWS configuration and builds the clients.
pub async fn connect(settings: &AwsSettings, stack_region: Option<&str>) -> Result<Clients, NoRegion> {
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
                .operation_attempt_timeout(Duration::from_secs(20))
                .operation_timeout(Duration::from_secs(90))
                .build(),
        );
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = settings.region.as_deref().or(stack_region) {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    let region = config.region().ok_or(NoRegion)?.to_string();
    Ok(Clients {
        apigw: aws_sdk_apigatewayv2::Client::new(&config),
        iam: aws_sdk_iam::Client::new(&config),
        sfn: aws_sdk_sfn::Client::new(&config),
        region,
    })
}
