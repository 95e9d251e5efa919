//! The API's integrations as AWS lists them.

use std::collections::BTreeMap;

use aws_sdk_apigatewayv2::types::Integration;

use super::spec::LiveIntegration;
use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::paginate::{list_children, required};
use crate::resource::unexpressed::{flag, map, text};

/// Every integration of the API (GetIntegrations, paginated).
pub async fn read_integrations(clients: &Clients, api_id: &str) -> Result<Vec<LiveIntegration>, AwsError> {
    list_children!(
        "GetIntegrations",
        api_id,
        |token| clients
            .apigw
            .get_integrations()
            .api_id(api_id)
            .set_next_token(token),
        live_integration
    )
}

/// The roles the APIs `others` (id, name) use as integration credentials: each credentials ARN
/// with the APIs (`API NAME (ID)`) whose integrations name it. One GetIntegrations per API (there
/// is no account-wide listing); `live::read` asks it once, of the account's other APIs, and only
/// where a delete of a tagged role is in question.
pub async fn credentials_in(
    clients: &Clients,
    others: &[(String, String)],
) -> Result<BTreeMap<String, Vec<String>>, AwsError> {
    let mut used: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, name) in others {
        for integration in read_integrations(clients, id).await? {
            if let Some(credentials) = integration.credentials_arn {
                let api = format!("API {name} ({id})");
                let users = used.entry(credentials).or_default();
                if !users.contains(&api) {
                    users.push(api);
                }
            }
        }
    }
    Ok(used)
}

pub(crate) fn live_integration(i: &Integration, resource: &str) -> Result<LiveIntegration, AwsError> {
    Ok(LiveIntegration {
        id: required(i.integration_id(), "GetIntegrations", resource, "IntegrationId")?,
        // A type this build does not know (AWS adds values; the SDK keeps them as `Unknown`) is
        // none of the known ones, never read as another: the diff replaces it. Refusing the
        // answer would stop `diff` and `down`, which read other APIs' integrations too.
        integration_type: i.integration_type().and_then(|t| t.as_str().parse().ok()),
        subtype: i.integration_subtype().map(str::to_string),
        payload_format_version: i.payload_format_version().map(str::to_string),
        credentials_arn: i.credentials_arn().map(str::to_string),
        parameters: i
            .request_parameters()
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        response: i
            .response_parameters()
            .into_iter()
            .flatten()
            .filter(|(_, m)| !m.is_empty())
            .map(|(code, m)| {
                (
                    code.clone(),
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                )
            })
            .collect(),
        uri: i.integration_uri().map(str::to_string),
        vpc_link: i.connection_type() == Some(&aws_sdk_apigatewayv2::types::ConnectionType::VpcLink),
        unexpressed: unexpressed(i),
    })
}

/// An HTTP API integration's default timeout: 30 000 ms ("TimeoutInMillis ... The default value
/// is 29,000 milliseconds or 29 seconds for WebSocket APIs and 30,000 milliseconds or 30 seconds
/// for HTTP APIs", botocore `Integration`).
const DEFAULT_TIMEOUT_MS: i32 = 30_000;

/// The settings the stack format has no key for, which `import` lists (botocore apigatewayv2
/// shape `Integration`): a VPC link, a non-default timeout, a description, TLS settings,
/// templates and methods (other integration types).
fn unexpressed(i: &Integration) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = i.connection_type().filter(|c| c.as_str() != "INTERNET") {
        out.push(format!("ConnectionType = {:?}", c.as_str()));
    }
    text(&mut out, "ConnectionId", i.connection_id());
    if let Some(t) = i.timeout_in_millis().filter(|t| *t != DEFAULT_TIMEOUT_MS) {
        out.push(format!("TimeoutInMillis = {t}"));
    }
    text(&mut out, "Description", i.description());
    text(&mut out, "IntegrationMethod", i.integration_method());
    flag(&mut out, "ApiGatewayManaged", i.api_gateway_managed());
    map(&mut out, "RequestTemplates", i.request_templates());
    text(
        &mut out,
        "TemplateSelectionExpression",
        i.template_selection_expression(),
    );
    if let Some(tls) = i.tls_config().and_then(|t| t.server_name_to_verify()) {
        out.push(format!("TlsConfig.ServerNameToVerify = {tls:?}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use aws_sdk_apigatewayv2::types::{ConnectionType, Integration, IntegrationType as SdkType};

    use super::live_integration;
    use crate::domain::IntegrationType;

    /// botocore apigatewayv2 `IntegrationType` may gain values; the SDK keeps one it does not
    /// know as `Unknown`. Such an integration is read (no error stops `diff` or `down`) as none
    /// of the known types, and a VPC link is read from `ConnectionType`, not from text.
    #[test]
    fn an_integration_type_this_build_does_not_know_is_read_as_none_of_the_known_ones() {
        let future = Integration::builder()
            .integration_id("abc123")
            .integration_type(SdkType::from("SOME_FUTURE_TYPE"))
            .build();
        let live = live_integration(&future, "API a").expect("an unknown type is no error");
        assert_eq!(live.integration_type, None);
        assert!(!live.vpc_link);

        let linked = Integration::builder()
            .integration_id("def456")
            .integration_type(SdkType::HttpProxy)
            .connection_type(ConnectionType::VpcLink)
            .build();
        let live = live_integration(&linked, "API a").expect("read");
        assert_eq!(live.integration_type, Some(IntegrationType::HttpProxy));
        assert!(live.vpc_link);
    }
}
