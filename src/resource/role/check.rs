//! `[role]` keys for organisations' IAM rules: `permissions_boundary`, `path` and `arn`.

use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::StackFile;

pub use crate::arn::is_iam_path;

/// A managed policy ARN, as a permissions boundary must be (IAM guide, "Permissions boundaries
/// for IAM entities": "a managed policy"; botocore iam `arnType`: 20-2048 characters).
pub fn is_managed_policy_arn(arn: &str) -> bool {
    let Ok(parts) = arn.parse::<crate::arn::Arn>() else {
        return false;
    };
    (20..=2048).contains(&arn.len())
        && parts.service == "iam"
        && parts.region.is_empty()
        && (parts.account == "aws"
            || (parts.account.len() == 12 && parts.account.bytes().all(|b| b.is_ascii_digit())))
        && parts
            .resource
            .strip_prefix("policy/")
            .is_some_and(|rest| !rest.is_empty())
}

/// A role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME` with a valid path and name (IAM
/// guide, "IAM identifiers"; [`crate::arn::RoleArn`]).
pub fn is_role_arn(arn: &str) -> bool {
    arn.parse::<crate::arn::RoleArn>().is_ok()
}

/// Problems with the three keys, and the warning that an existing role's policy is unknown.
pub fn validate_role_rules(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let role = &file.role;
    if let Some(path) = &role.path
        && !is_iam_path(&path.value)
    {
        out.push(
            Diagnostic::error(
                path.span.clone(),
                "invalid IAM path",
                "1-512 characters, starting and ending with /",
            )
            .with_help(
                "e.g. \"/\" or \"/service/\"; ASCII letters, digits and punctuation between the slashes",
            ),
        );
    }
    if let Some(boundary) = &role.permissions_boundary
        && !is_managed_policy_arn(&boundary.value)
    {
        out.push(
            Diagnostic::error(
                boundary.span.clone(),
                "not a managed policy ARN",
                "expected arn:aws:iam::ACCOUNT:policy/NAME",
            )
            .with_help("a permissions boundary is a managed policy, customer or AWS managed"),
        );
    }
    let Some(arn) = &role.arn else {
        return;
    };
    if !is_role_arn(&arn.value) {
        out.push(Diagnostic::error(
            arn.span.clone(),
            "not a role ARN",
            "expected arn:aws:iam::ACCOUNT:role/NAME",
        ));
        return;
    }
    let ignored: Vec<&str> = [
        ("name", role.name.is_some()),
        ("policy_name", role.policy_name.is_some()),
        ("path", role.path.is_some()),
        ("permissions_boundary", role.permissions_boundary.is_some()),
        ("managed_policies", !role.managed_policies.is_empty()),
        ("restrict_source_account", role.restrict_source_account.is_some()),
    ]
    .into_iter()
    .filter_map(|(key, set)| set.then_some(key))
    .collect();
    let mut warning = Diagnostic::warning(
        "existing-role",
        arn.span.clone(),
        "an existing role: the tool never creates, changes or deletes it, and its policies are unknown here",
        "used as the integrations' credentials as it is",
    );
    warning = match ignored.is_empty() {
        true => warning.with_help("`provision diff` reads it and reports whether it trusts API Gateway and allows each route's action"),
        false => warning.with_help(format!(
            "{} describe a role the tool manages and are ignored with `arn`; `provision diff` checks what the routes need of it",
            ignored.join(", ")
        )),
    };
    out.push(warning);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_paths_follow_botocore_path_type_u0021_to_u007e() {
        for ok in ["/", "/service/", "/a/b-c_d/", "/~!/"] {
            assert!(is_iam_path(ok), "{ok}");
        }
        let long = format!("/{}/", "a".repeat(510));
        assert!(is_iam_path(&long));
        for bad in [
            "",
            "service",
            "/service",
            "service/",
            "/a b/",
            "/é/",
            "/a\u{7f}/",
            &format!("/{}/", "a".repeat(511)),
        ] {
            assert!(!is_iam_path(bad), "{bad}");
        }
    }

    #[test]
    fn boundaries_are_managed_policy_arns_customer_or_aws() {
        assert!(is_managed_policy_arn("arn:aws:iam::123456789012:policy/Boundary"));
        assert!(is_managed_policy_arn("arn:aws:iam::aws:policy/PowerUserAccess"));
        assert!(is_managed_policy_arn(
            "arn:aws-cn:iam::123456789012:policy/org/Boundary"
        ));
        assert!(!is_managed_policy_arn("arn:aws:iam::123456789012:role/Boundary"));
        assert!(!is_managed_policy_arn("arn:aws:iam::12345:policy/Boundary"));
        assert!(!is_managed_policy_arn("Boundary"));
    }

    #[test]
    fn role_arns_with_and_without_a_path() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/platform-apigw"));
        assert!(is_role_arn(
            "arn:aws:iam::123456789012:role/service/platform-apigw"
        ));
        assert!(!is_role_arn("arn:aws:iam::123456789012:policy/x"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:role/"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:role/bad name"));
        assert!(!is_role_arn("arn:aws:iam::aws:role/x"));
    }
}
