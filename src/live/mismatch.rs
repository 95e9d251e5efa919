//! Why a state machine is not found when its ARN names another account or region than the
//! caller's: said plainly, with STS GetCallerIdentity asked only on that error path.

use crate::aws::Clients;

/// The account and region a Step Functions ARN names
/// (`arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME`; Step Functions developer guide,
/// "Resource types defined by AWS Step Functions").
fn arn_account_and_region(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, _, region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    Some((account, region))
}

/// For each machine that was not found, a sentence when its ARN names another account than the
/// credentials' or another region than the one in use; empty when none does (or when the
/// caller's account cannot be learned: the plain "does not exist" then stands alone).
pub async fn explain_not_found(clients: &Clients, arns: &[&str]) -> Vec<(String, String)> {
    if arns.is_empty() {
        return Vec::new();
    }
    let caller = super::account_id(clients).await.ok();
    let profile = crate::tried::profile_in_use();
    arns.iter()
        .filter_map(|arn| {
            let (account, region) = arn_account_and_region(arn)?;
            let sentence = mismatch(account, region, caller.as_deref(), &clients.region, &profile)?;
            Some((arn.to_string(), sentence))
        })
        .collect()
}

/// The sentence for one ARN's account and region against the caller's.
fn mismatch(
    account: &str,
    region: &str,
    caller: Option<&str>,
    in_use: &str,
    profile: &str,
) -> Option<String> {
    let mut said = Vec::new();
    if let Some(caller) = caller
        && !account.is_empty()
        && account != caller
    {
        said.push(format!(
            "the stack names account {account}, your credentials are for account {caller} (profile {profile})"
        ));
    }
    if !region.is_empty() && region != in_use {
        said.push(format!(
            "the stack names region {region}, the tool is using region {in_use} (DescribeStateMachine \
             was asked in {in_use})"
        ));
    }
    (!said.is_empty()).then(|| said.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_account_is_said_plainly_with_the_profile() {
        assert_eq!(
            mismatch(
                "111111111111",
                "eu-west-1",
                Some("222222222222"),
                "eu-west-1",
                "ci"
            )
            .as_deref(),
            Some(
                "the stack names account 111111111111, your credentials are for account 222222222222 (profile ci)"
            )
        );
    }

    #[test]
    fn another_region_is_said_and_the_same_account_and_region_say_nothing() {
        let said = mismatch(
            "111111111111",
            "us-east-1",
            Some("111111111111"),
            "eu-west-1",
            "default",
        )
        .expect("a region mismatch");
        assert!(said.starts_with("the stack names region us-east-1, the tool is using region eu-west-1"));
        assert_eq!(
            mismatch(
                "111111111111",
                "eu-west-1",
                Some("111111111111"),
                "eu-west-1",
                "p"
            ),
            None
        );
        // Without the caller's account only the region can be compared.
        assert_eq!(
            mismatch("111111111111", "eu-west-1", None, "eu-west-1", "p"),
            None
        );
    }

    #[test]
    fn account_and_region_are_read_from_a_machine_alias_or_version_arn() {
        assert_eq!(
            arn_account_and_region("arn:aws:states:eu-west-1:123456789012:stateMachine:m:PROD"),
            Some(("123456789012", "eu-west-1"))
        );
        assert_eq!(arn_account_and_region("not-an-arn"), None);
    }
}
