//! A route's authorization type.

super::spelled! {
    /// How a route authorizes its callers: botocore apigatewayv2 (2018-11-29) `service-2.json`,
    /// shape `AuthorizationType` (`NONE | AWS_IAM | CUSTOM | JWT`; CUSTOM is a Lambda
    /// authorizer, which a stack file cannot declare but a live route or an import may carry).
    Authorization, "authorization type" {
        /// Open to anyone.
        None = "NONE",
        /// Signature Version 4 with IAM permissions.
        AwsIam = "AWS_IAM",
        /// A Lambda authorizer.
        Custom = "CUSTOM",
        /// A JWT authorizer.
        Jwt = "JWT",
    }
}

impl Authorization {
    /// The values a stack file may write as `authorization` (JWT follows from `authorizer`).
    pub const WRITTEN: &'static [&'static str] = &[Self::None.as_str(), Self::AwsIam.as_str()];
    /// What a stack file's `authorization` may hold: [`Self::WRITTEN`], and JWT, which agrees
    /// with an `authorizer`.
    pub const IN_FILE: &'static [&'static str] =
        &[Self::None.as_str(), Self::AwsIam.as_str(), Self::Jwt.as_str()];
}

impl Default for Authorization {
    /// A route without an authorization type is open: CreateRoute's default (`NONE`).
    fn default() -> Self {
        Authorization::None
    }
}

super::spelled! {
    /// An authorizer's type: botocore apigatewayv2 (2018-11-29) `service-2.json`, shape
    /// `AuthorizerType` (`REQUEST | JWT`; REQUEST is a Lambda authorizer).
    AuthorizerType, "authorizer type" {
        /// A Lambda authorizer.
        Request = "REQUEST",
        /// A JWT authorizer.
        Jwt = "JWT",
    }
}
