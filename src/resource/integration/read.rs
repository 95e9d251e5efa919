//! The API's integrations as AWS lists them.

use aws_sdk_apigatewayv2::types::Integration;

use super::spec::LiveIntegration;
use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::paginate::{list_children, required};

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

pub(crate) fn live_integration(i: &Integration, resource: &str) -> Result<LiveIntegration, AwsError> {
    Ok(LiveIntegration {
        id: required(i.integration_id(), "GetIntegrations", resource, "IntegrationId")?,
        // A type this build does not know is refused, never read as another.
        integration_type: i
            .integration_type()
            .map(|t| t.as_str().parse())
            .transpose()
            .map_err(|e: crate::domain::Unknown| {
                AwsError::invalid("GetIntegrations", resource, e.to_string())
            })?,
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
        unexpressed: crate::live::unexpressed::integration(i),
    })
}
