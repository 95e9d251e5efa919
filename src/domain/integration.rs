//! An integration's type.

super::spelled! {
    /// How API Gateway reaches an integration's target: botocore apigatewayv2 (2018-11-29)
    /// `service-2.json`, shape `IntegrationType` (`AWS | HTTP | MOCK | HTTP_PROXY | AWS_PROXY`;
    /// HTTP APIs use `AWS_PROXY` for Lambda and AWS service integrations such as Step Functions,
    /// `HTTP_PROXY` for HTTP endpoints and VPC links). A stack's integrations are `AWS_PROXY`;
    /// the others are read so that `import` can name them.
    IntegrationType, "integration type" {
        /// An AWS service action (REST APIs only).
        Aws = "AWS",
        /// An HTTP endpoint with mappings (REST APIs only).
        Http = "HTTP",
        /// A mock answer (REST APIs only).
        Mock = "MOCK",
        /// An HTTP endpoint, passed through.
        HttpProxy = "HTTP_PROXY",
        /// A Lambda function, or an AWS service action named by the integration subtype.
        AwsProxy = "AWS_PROXY",
    }
}
