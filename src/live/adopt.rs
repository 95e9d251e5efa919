//! `--adopt` for the API: the one untagged API named as the stack's, read in full so that the
//! plan can keep it (tag it) instead of creating another of the same name.

use super::Live;
use super::children::read_api_children;
use crate::aws::Clients;
use crate::error::Error;
use crate::resource::api::read::get_api;
use crate::stack::Desired;
use crate::stack::rules::OWNER_TAG;

/// Fills `live.adoptable` when no API carries the stack's tag and exactly one other API has the
/// stack's API name (GetApi for its settings, then its children). Several of that name are an
/// error: API names are not unique, and guessing which one to take over is not safe.
pub(super) async fn find_adoptable(
    clients: &Clients,
    desired: &Desired,
    live: &mut Live,
) -> Result<(), Error> {
    if !live.apis.is_empty() {
        return Ok(());
    }
    let same: Vec<&(String, String)> = live
        .other_apis
        .iter()
        .filter(|(_, name)| *name == desired.api.name)
        .collect();
    let id = match same.as_slice() {
        [] => return Ok(()),
        [(id, _)] => id.clone(),
        several => {
            let ids: Vec<&str> = several.iter().map(|(id, _)| id.as_str()).collect();
            return Err(Error::with_help(
                format!(
                    "{} APIs are named {} ({}) and none is tagged {OWNER_TAG}={}; --adopt cannot choose; nothing was changed",
                    ids.len(),
                    desired.api.name,
                    ids.join(", "),
                    desired.stack
                ),
                format!(
                    "tag the one to adopt: aws apigatewayv2 tag-resource --resource-arn {} --tags {OWNER_TAG}={}",
                    crate::arn::apigateway_arn(&clients.region, "/apis/ID"),
                    desired.stack
                ),
            ));
        }
    };
    let resource = format!("API {} ({id})", desired.api.name);
    let mut api = get_api(clients, &id, &resource).await?;
    let children = read_api_children(clients, &id, true).await?;
    children.fill(&mut api);
    live.adoptable = Some(api);
    Ok(())
}
