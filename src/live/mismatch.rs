//! Why a state machine is not found when its ARN names another account than the caller's: said
//! plainly, with STS GetCallerIdentity asked only on that error path. (Another region is no
//! reason: each machine is asked in the region its ARN names.)

use crate::aws::Clients;

/// The account and region a Step Functions ARN names
/// (`arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME`; Step Functions developer guide,
/// "Resource types defined by AWS Step Functions").
fn arn_account_and_region(arn: &str) -> Option<(String, String)> {
    let arn: crate::arn::Arn = arn.parse().ok()?;
    Some((arn.account, arn.region))
}

/// For each machine that was not found, a sentence when its ARN names another account than the
/// credentials'; empty when none does (or when the caller's account cannot be learned: the plain
/// "does not exist" then stands alone).
pub async fn explain_not_found(clients: &Clients, arns: &[&str]) -> Vec<(String, String)> {
    if arns.is_empty() {
        return Vec::new();
    }
    let caller = super::account_id(clients).await.ok();
    let profile = &clients.profile;
    arns.iter()
        .filter_map(|arn| {
            let (account, _) = arn_account_and_region(arn)?;
            let sentence = mismatch(&account, caller.as_deref(), profile)?;
            Some((arn.to_string(), sentence))
        })
        .collect()
}

/// The sentence for one ARN's account against the caller's.
fn mismatch(account: &str, caller: Option<&str>, profile: &str) -> Option<String> {
    let caller = caller?;
    (!account.is_empty() && account != caller).then(|| {
        format!(
            "the stack names account {account}, your credentials are for account {caller} (profile {profile})"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_account_is_said_plainly_with_the_profile() {
        assert_eq!(
            mismatch("111111111111", Some("222222222222"), "ci").as_deref(),
            Some(
                "the stack names account 111111111111, your credentials are for account 222222222222 (profile ci)"
            )
        );
        assert_eq!(mismatch("111111111111", Some("111111111111"), "p"), None);
        // Without the caller's account nothing can be compared.
        assert_eq!(mismatch("111111111111", None, "p"), None);
    }

    #[test]
    fn account_and_region_are_read_from_a_machine_alias_or_version_arn() {
        assert_eq!(
            arn_account_and_region("arn:aws:states:eu-west-1:123456789012:stateMachine:m:PROD"),
            Some(("123456789012".to_string(), "eu-west-1".to_string()))
        );
        assert_eq!(arn_account_and_region("not-an-arn"), None);
    }
}
