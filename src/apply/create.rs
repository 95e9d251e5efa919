//! Creates that never duplicate: AWS creates carry no client token, so when a create's outcome
//! is unknown (the server may have done the work and lost the answer), look before sending it
//! again and adopt what the lost call made.

use std::future::Future;
use std::time::Duration;

use crate::error::{AwsError, Retry};

/// Attempts per create, lookups included.
const ATTEMPTS: u32 = 6;

/// Sends `send` (which must not retry by itself); on a refusal that left nothing behind it sends
/// again after a backoff, and on an unknown outcome it first runs `lookup` and returns what that
/// finds. Bounded: after [`ATTEMPTS`] the last error is returned.
pub(crate) async fn create_safely<T, S, SF, L, LF>(
    what: &str,
    mut send: S,
    mut lookup: L,
) -> Result<T, AwsError>
where
    S: FnMut() -> SF,
    SF: Future<Output = Result<T, AwsError>>,
    L: FnMut() -> LF,
    LF: Future<Output = Result<Option<T>, AwsError>>,
{
    let mut attempt = 0;
    loop {
        let err = match send().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        attempt += 1;
        if err.retry == Retry::Never || attempt >= ATTEMPTS {
            return Err(err);
        }
        backoff(attempt).await;
        if err.retry == Retry::Unknown {
            tracing::info!(
                "{what}: outcome unknown ({}); looking before sending again",
                err.message
            );
            if let Some(found) = lookup().await? {
                tracing::info!("{what}: adopted what the lost call created");
                return Ok(found);
            }
        }
    }
}

/// Exponential backoff with full jitter: up to 0.2 s, 0.4 s, ... capped at 5 s.
pub(crate) async fn backoff(attempt: u32) {
    let cap = Duration::from_millis(200u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(5));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = f64::from(nanos % 1000) / 1000.0;
    tokio::time::sleep(cap.mul_f64(jitter.max(0.1))).await;
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn error(retry: Retry) -> AwsError {
        AwsError {
            retry,
            ..AwsError::invalid("CreateApi", "api", "boom")
        }
    }

    #[tokio::test]
    async fn an_unknown_outcome_looks_before_sending_again() {
        let sends = Cell::new(0);
        let found = create_safely(
            "create api",
            || {
                sends.set(sends.get() + 1);
                async { Err::<u32, _>(error(Retry::Unknown)) }
            },
            || async { Ok(Some(7)) },
        )
        .await;
        assert_eq!(found.ok(), Some(7));
        assert_eq!(sends.get(), 1, "never sent twice when the lookup finds the thing");
    }

    #[tokio::test]
    async fn a_refusal_without_effect_is_sent_again_and_a_hard_error_is_not() {
        let sends = Cell::new(0);
        let ok = create_safely(
            "create api",
            || {
                sends.set(sends.get() + 1);
                let n = sends.get();
                async move { if n < 3 { Err(error(Retry::NotDone)) } else { Ok(n) } }
            },
            || async { panic!("no lookup after a throttle") },
        )
        .await;
        assert_eq!(ok.ok(), Some(3));

        let sends = Cell::new(0);
        let err = create_safely(
            "create api",
            || {
                sends.set(sends.get() + 1);
                async { Err::<u32, _>(error(Retry::Never)) }
            },
            || async { Ok(None) },
        )
        .await;
        assert!(err.is_err());
        assert_eq!(sends.get(), 1);
    }
}
