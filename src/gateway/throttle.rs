//! Stage default route throttling: a token bucket per route, as API Gateway throttles ("Throttle
//! requests to your HTTP APIs for better throughput in API Gateway": "API Gateway throttles requests
//! to your API using the token bucket algorithm, where a token counts for a request"; the default
//! route throttling of a stage applies to each route of the stage). A throttled request answers 429
//! `{"message":"Too Many Requests"}`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::pace::Bucket;

/// Buckets by (stage, route key), created full on first use.
#[derive(Debug, Default)]
pub struct Throttle {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl Throttle {
    /// Whether a request to `route` of `stage` may pass under `limits` (rate, burst); no limits
    /// set means the account's limits, which a local gateway never reaches.
    pub fn admit(&self, stage: &str, route: &str, limits: Option<(f64, i32)>, now: Instant) -> bool {
        let Some((rate, burst)) = limits else {
            return true;
        };
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let bucket = buckets
            .entry((stage.to_string(), route.to_string()))
            .or_insert_with(|| Bucket::new(rate, f64::from(burst), now));
        if bucket.limits() != (rate.max(0.0), f64::from(burst).max(0.0)) {
            // The stage was re-read with other limits: start over with them.
            *bucket = Bucket::new(rate, f64::from(burst), now);
        }
        bucket.admits(now)
    }

    /// Forgets every bucket (after a reload).
    pub fn clear(&self) {
        if let Ok(mut buckets) = self.buckets.lock() {
            buckets.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let t0 = Instant::now();
        let b = Bucket::new(2.0, 3.0, t0);
        assert!(b.admits(t0) && b.admits(t0) && b.admits(t0));
        assert!(!b.admits(t0));
        assert!(!b.admits(t0 + Duration::from_millis(400)));
        assert!(b.admits(t0 + Duration::from_millis(500)));
        // Never more than the burst, however long the pause.
        let later = t0 + Duration::from_secs(60);
        assert!(b.admits(later) && b.admits(later) && b.admits(later));
        assert!(!b.admits(later));
    }

    #[test]
    fn rate_one_burst_one_allows_one_request_per_second() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        let limits = Some((1.0, 1));
        assert!(throttle.admit("$default", "POST /a", limits, t0));
        assert!(!throttle.admit("$default", "POST /a", limits, t0 + Duration::from_millis(10)));
        assert!(
            throttle.admit("$default", "POST /b", limits, t0),
            "each route has its own bucket"
        );
        assert!(throttle.admit("$default", "POST /a", limits, t0 + Duration::from_millis(1010)));
        assert!(
            throttle.admit("$default", "POST /a", None, t0),
            "no limits: never throttled"
        );
    }

    #[test]
    fn zero_burst_throttles_everything() {
        let throttle = Throttle::default();
        let t0 = Instant::now();
        assert!(!throttle.admit("s", "r", Some((10.0, 0)), t0));
        assert!(!throttle.admit("s", "r", Some((10.0, 0)), t0 + Duration::from_secs(5)));
    }
}
