//! Client-side pacing of API Gateway management calls: a token bucket in front of the HTTP
//! client, so that `provision` stays inside the account's shared control-plane quota (about 10
//! requests per second with a burst of 40, counted across every tool and person in the account).
//!
//! Every attempt takes a token, retries included. A throttling answer (429, or a 400 carrying
//! `TooManyRequestsException`) halves the rate for the rest of the run's burst and empties the
//! bucket; each answer that is not throttled then wins back a tenth of the configured rate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The default pace: the account's documented control-plane rate and burst.
pub const DEFAULT_RATE: f64 = 10.0;
/// The default burst.
pub const DEFAULT_BURST: f64 = 40.0;
/// The slowest a throttled bucket goes, in requests per second: slow enough to let the account
/// recover, fast enough that a queued call never waits out the SDK's 20 s attempt timeout (the
/// wait for a token counts against it) with at most 16 calls in flight.
const FLOOR: f64 = 1.0;
/// The slowest pace `--max-rps` accepts.
pub const MIN_RATE: f64 = 1.0;

/// The one token bucket of the tool: `burst` tokens at most, refilled at `rate` tokens per second.
/// The management client paces AWS calls with it ([`PacedClient`], which also slows it down when
/// AWS throttles); `serve` throttles each route of a stage with it (`gateway::throttle`), as API
/// Gateway does ("API Gateway throttles requests to your API using the token bucket algorithm").
#[derive(Debug)]
pub struct Bucket {
    state: Mutex<State>,
    configured: f64,
    burst: f64,
}

#[derive(Debug)]
struct State {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket at `now`: `burst` tokens at once, then `rate` per second (neither below 0; a
    /// burst of 0 refuses everything, as a stage with a burst limit of 0 does).
    pub fn new(rate: f64, burst: f64, now: Instant) -> Self {
        let (rate, burst) = (rate.max(0.0), burst.max(0.0));
        Self {
            state: Mutex::new(State {
                rate,
                tokens: burst,
                last: now,
            }),
            configured: rate,
            burst,
        }
    }

    /// A client's bucket: `burst` calls at once (at least one, so that a call always goes out),
    /// then `rate` per second.
    pub fn for_calls(rate: f64, burst: f64) -> Self {
        Self::new(rate, burst.max(1.0), Instant::now())
    }

    /// The limits it was made with: (rate, burst).
    pub fn limits(&self) -> (f64, f64) {
        (self.configured, self.burst)
    }

    /// Takes a token if there is one now; `false` means refused (throttled), without waiting.
    pub fn admits(&self, now: Instant) -> bool {
        self.try_take(now).is_none()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is three numbers, each always valid: a panic elsewhere cannot corrupt it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long to wait before a token is free; takes it when that is now.
    pub fn try_take(&self, now: Instant) -> Option<Duration> {
        let mut s = self.lock();
        let elapsed = now.saturating_duration_since(s.last).as_secs_f64();
        s.tokens = (s.tokens + elapsed * s.rate).min(self.burst);
        s.last = now;
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            None
        } else {
            Some(Duration::try_from_secs_f64((1.0 - s.tokens) / s.rate).unwrap_or(Duration::from_secs(1)))
        }
    }

    /// Waits for a token.
    pub async fn take(&self) {
        while let Some(wait) = self.try_take(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
    }

    /// AWS said "too many requests": halve the rate and empty the bucket.
    pub fn throttled(&self) {
        let mut s = self.lock();
        s.rate = (s.rate / 2.0).max(FLOOR);
        s.tokens = 0.0;
    }

    /// An answer that was not throttled: win back part of the configured rate.
    pub fn answered(&self) {
        let mut s = self.lock();
        s.rate = (s.rate + self.configured / 10.0).min(self.configured);
    }

    /// The current rate, requests per second.
    pub fn rate(&self) -> f64 {
        self.lock().rate
    }
}

/// The buckets of one run, one per region: the quota is the account's in each region, so the
/// stacks one run applies together (`up stacks/`) share their region's bucket rather than each
/// taking the whole of it. The command run owns it (in [`crate::aws::AwsSettings`]) and hands it
/// to every client it builds; nothing is kept between runs.
#[derive(Debug, Clone, Default)]
pub struct Pacing {
    buckets: Arc<Mutex<std::collections::BTreeMap<String, Arc<Bucket>>>>,
}

impl Pacing {
    /// The bucket of `region`, made full at `rate` with `burst` by its first caller.
    pub fn bucket(&self, region: &str, rate: f64, burst: f64) -> Arc<Bucket> {
        // A poisoned lock only means a panic elsewhere: the map of buckets is still whole.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets
            .entry(region.to_string())
            .or_insert_with(|| Arc::new(Bucket::for_calls(rate, burst)))
            .clone()
    }
}

/// The SDK's default HTTPS client behind a [`Bucket`].
#[derive(Debug, Clone)]
pub struct PacedClient {
    inner: SharedHttpClient,
    bucket: Arc<Bucket>,
}

impl PacedClient {
    /// Paces the default HTTPS client (rustls with aws-lc, proxies from the environment, as the
    /// SDK's own default) with `bucket`.
    pub fn new(bucket: Arc<Bucket>) -> Self {
        let inner = Builder::new().build_with_connector_fn(|settings, components| {
            let mut builder =
                ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            builder.build()
        });
        Self { inner, bucket }
    }
}

impl HttpClient for PacedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            bucket: self.bucket.clone(),
        })
    }
}

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    bucket: Arc<Bucket>,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, bucket) = (self.inner.clone(), self.bucket.clone());
        HttpConnectorFuture::new(async move {
            bucket.take().await;
            let response = inner.call(request).await?;
            let throttled = response.status().as_u16() == 429
                || response
                    .headers()
                    .get("x-amzn-errortype")
                    .is_some_and(|t| t.starts_with("TooManyRequestsException"));
            if throttled {
                bucket.throttled();
            } else {
                bucket.answered();
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_allows_the_burst_then_the_rate() {
        let bucket = Bucket::for_calls(10.0, 40.0);
        let start = Instant::now();
        for _ in 0..40 {
            assert_eq!(bucket.try_take(start), None);
        }
        let wait = bucket.try_take(start).expect("the 41st call waits");
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        assert_eq!(bucket.try_take(start + Duration::from_millis(100)), None);
    }

    #[test]
    fn one_bucket_per_region_for_the_whole_run() {
        let pacing = Pacing::default();
        let first = pacing.bucket("us-east-1", 10.0, 40.0);
        let again = pacing.clone().bucket("us-east-1", 10.0, 40.0);
        assert!(
            Arc::ptr_eq(&first, &again),
            "a second client of the region shares its bucket"
        );
        let other = pacing.bucket("eu-west-1", 10.0, 40.0);
        assert!(!Arc::ptr_eq(&first, &other), "another region has its own quota");
        let next_run = Pacing::default().bucket("us-east-1", 10.0, 40.0);
        assert!(!Arc::ptr_eq(&first, &next_run), "nothing is kept between runs");
    }

    #[test]
    fn throttling_halves_the_rate_and_answers_win_it_back() {
        let bucket = Bucket::for_calls(10.0, 40.0);
        bucket.throttled();
        assert_eq!(bucket.rate(), 5.0);
        let now = Instant::now();
        let wait = bucket.try_take(now).expect("the bucket was emptied");
        assert!(wait >= Duration::from_millis(190), "{wait:?}");
        for _ in 0..20 {
            bucket.throttled();
        }
        assert_eq!(bucket.rate(), FLOOR);
        let tiny = Bucket::for_calls(1.0, 0.2);
        assert_eq!(
            tiny.try_take(Instant::now()),
            None,
            "a burst below one still lets a call through"
        );
        for _ in 0..100 {
            bucket.answered();
        }
        assert_eq!(bucket.rate(), 10.0);
    }
}
