//! One API's children (routes, integrations, stages and the authorizers that matter), read
//! together: for the stack's APIs (`read.rs`), the API `--adopt` takes over (`adopt.rs`) and the
//! API `import` reads (`import.rs`).

use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::api::spec::LiveApi;
use crate::resource::authorizer::read::read_authorizers;
use crate::resource::authorizer::spec::LiveAuthorizer;
use crate::resource::integration::read::read_integrations;
use crate::resource::integration::spec::LiveIntegration;
use crate::resource::route::read::read_routes;
use crate::resource::route::spec::LiveRoute;
use crate::resource::stage::read::read_stages;
use crate::resource::stage::spec::LiveStage;

/// What lives inside one API.
#[derive(Debug, Default)]
pub struct ApiChildren {
    /// Routes.
    pub routes: Vec<LiveRoute>,
    /// Integrations.
    pub integrations: Vec<LiveIntegration>,
    /// Stages.
    pub stages: Vec<LiveStage>,
    /// Authorizers: read only when the stack declares some or a route uses one, else empty.
    pub authorizers: Vec<LiveAuthorizer>,
}

impl ApiChildren {
    /// Puts the children into the API they were read from.
    pub fn fill(self, api: &mut LiveApi) {
        api.routes = self.routes;
        api.integrations = self.integrations;
        api.stages = self.stages;
        api.authorizers = self.authorizers;
    }
}

/// Routes, integrations and stages of one API, read concurrently, and its authorizers when
/// they matter: when the stack declares authorizers (read alongside), or when a route uses one
/// (read once the routes are known). A stack without authorizers then makes one call fewer,
/// and works against endpoints that lack GetAuthorizers (moto_server has no handler for it).
/// An unused authorizer on an API is then not seen, and not deleted until `down` deletes the API.
pub async fn read_api_children(
    clients: &Clients,
    api_id: &str,
    declares_authorizers: bool,
) -> Result<ApiChildren, AwsError> {
    let routes_and_authorizers = async {
        if declares_authorizers {
            let (routes, authorizers) =
                tokio::join!(read_routes(clients, api_id), read_authorizers(clients, api_id));
            return Ok::<_, AwsError>((routes?, authorizers?));
        }
        let routes = read_routes(clients, api_id).await?;
        let authorizers = match routes.iter().any(|r| r.authorizer_id.is_some()) {
            true => read_authorizers(clients, api_id).await?,
            false => Vec::new(),
        };
        Ok((routes, authorizers))
    };
    let (routes_and_authorizers, integrations, stages) = tokio::join!(
        routes_and_authorizers,
        read_integrations(clients, api_id),
        read_stages(clients, api_id)
    );
    let (routes, authorizers) = routes_and_authorizers?;
    Ok(ApiChildren {
        routes,
        integrations: integrations?,
        stages: stages?,
        authorizers,
    })
}
