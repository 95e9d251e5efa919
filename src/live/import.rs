//! What `provision import` reads: one API (by id, or by name when the name is unique) with all
//! its children, every role its integrations use with all their inline policies, the caller's
//! account, and the custom domains with mutual TLS that map the API.

use std::collections::BTreeMap;

use super::children::read_api_children;
use super::{LiveApi, RoleState};
use crate::aws::Clients;
use crate::error::{AwsError, Error};
use crate::resource::api::read::{get_apis, live_api};
use crate::resource::paginate::paginate;
use crate::resource::role::read::read_role_with_policy_texts;

/// Everything an import starts from.
#[derive(Debug, Clone)]
pub struct ImportRead {
    /// The API with its routes, integrations, stages and authorizers.
    pub api: LiveApi,
    /// The roles the integrations name as credentials, by ARN, each with every inline policy's
    /// document (normalised).
    pub roles: BTreeMap<String, RoleState>,
    /// Each inline policy's document as IAM returned it (URL-decoded, not normalised), by role
    /// name then policy name: what `import` writes when it writes a policy out.
    pub policy_texts: BTreeMap<String, BTreeMap<String, String>>,
    /// The caller's account (STS GetCallerIdentity).
    pub account: String,
    /// The region read from.
    pub region: String,
    /// Custom domain names with mutual TLS on that map this API.
    pub mtls_domains: Vec<String>,
}

/// Reads the API `name_or_id` and what it uses. An id wins over a name; a name several APIs
/// share is an error listing their ids.
pub async fn read_for_import(clients: &Clients, name_or_id: &str) -> Result<ImportRead, Error> {
    let resource = "the account's APIs".to_string();
    let all = get_apis(clients, &resource, |a| {
        live_api(a, "GetApis", &resource).map(Some)
    })
    .await?;
    let mut api = pick(all, name_or_id, &clients.region)?;
    let (children, account, mtls_domains) = tokio::join!(
        read_api_children(clients, &api.id, true),
        super::account_id(clients),
        mtls_domains(clients, &api.id)
    );
    let children = children?;
    children.fill(&mut api);
    let mut roles = BTreeMap::new();
    let mut policy_texts = BTreeMap::new();
    for arn in api.integrations.iter().filter_map(|i| i.credentials_arn.clone()) {
        if roles.contains_key(&arn) {
            continue;
        }
        let name = super::role_name_of(&arn).to_string();
        let (role, texts) = read_role_with_policy_texts(clients, &name).await?;
        roles.insert(arn, role);
        policy_texts.insert(name, texts);
    }
    Ok(ImportRead {
        api,
        roles,
        policy_texts,
        account: account?,
        region: clients.region.clone(),
        mtls_domains: mtls_domains?,
    })
}

/// The API with this id, else the one with this name.
fn pick(all: Vec<LiveApi>, name_or_id: &str, region: &str) -> Result<LiveApi, Error> {
    if let Some(api) = all.iter().find(|a| a.id == name_or_id) {
        return Ok(api.clone());
    }
    let named: Vec<LiveApi> = all.into_iter().filter(|a| a.name == name_or_id).collect();
    match named.len() {
        1 => Ok(named.into_iter().next().unwrap_or_default()),
        0 => Err(Error::with_help(
            format!("no API with the id or name {name_or_id} in {region} (GetApis)"),
            "check the name (`aws apigatewayv2 get-apis`) and the region (`--region`)",
        )),
        _ => Err(Error::with_help(
            format!(
                "{} APIs are named {name_or_id} in {region}: {}",
                named.len(),
                named.iter().map(|a| a.id.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "pass the id of the one to import: provision import --api ID",
        )),
    }
}

/// Custom domain names with mutual TLS (a truststore) that map `api_id` (GetDomainNames, then
/// GetApiMappings of those): mutual TLS lives on the domain, which the stack format lacks
/// (API Gateway developer guide, "Configuring mutual TLS authentication for an HTTP API").
async fn mtls_domains(clients: &Clients, api_id: &str) -> Result<Vec<String>, AwsError> {
    let resource = "the account's custom domain names".to_string();
    let domains: Vec<String> = paginate("GetDomainNames", &resource, |token| {
        let resource = &resource;
        async move {
            let page = clients
                .apigw
                .get_domain_names()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::new("GetDomainNames", resource, e))?;
            let items = page
                .items()
                .iter()
                .filter(|d| {
                    d.mutual_tls_authentication()
                        .and_then(|m| m.truststore_uri())
                        .is_some_and(|u| !u.is_empty())
                })
                .filter_map(|d| d.domain_name().map(str::to_string))
                .collect();
            Ok((items, page.next_token))
        }
    })
    .await?;
    let mut out = Vec::new();
    for domain in domains {
        let resource = format!("domain name {domain}");
        let mappings = clients
            .apigw
            .get_api_mappings()
            .domain_name(&domain)
            .send()
            .await
            .map_err(|e| AwsError::new("GetApiMappings", &resource, e))?;
        if mappings.items().iter().any(|m| m.api_id() == Some(api_id)) {
            out.push(domain);
        }
    }
    Ok(out)
}
