//! Waiting for IAM to settle after a change to the stack's role.

use std::time::{Duration, Instant};

use super::RoleState;
use crate::aws::Clients;
use crate::resource::role::read::read_role;
use crate::stack::Desired;

/// How many consistent reads in a row count as settled.
const IN_A_ROW: u32 = 3;

/// Reads the role back until it matches the stack [`IN_A_ROW`] times in a row, or `limit`
/// passes; returns how long it took, or `None` on time-out. IAM has no call that says whether
/// API Gateway can assume a role yet; consistent reads from IAM's replicas are the usual sign
/// that a change has spread (IAM user guide, "Changes that I make are not always immediately
/// visible").
pub async fn wait_for_role(clients: &Clients, desired: &Desired, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut streak = 0;
    while start.elapsed() < limit {
        let settled = match read_role(clients, &desired.role.name, Some(&desired.role.policy_name)).await {
            Ok(RoleState::Present(role)) => role.shows_applied(&desired.role),
            Ok(RoleState::Absent) => false,
            Err(e) => {
                tracing::debug!("waiting for IAM: {e}");
                false
            }
        };
        streak = if settled { streak + 1 } else { 0 };
        tracing::debug!(streak, settled, "waiting for IAM");
        if streak >= IN_A_ROW {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    None
}
