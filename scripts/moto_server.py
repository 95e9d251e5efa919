"""moto_server with one gap filled: GetAuthorizers for API Gateway v2.

moto 5.2.5 stores HTTP API authorizers (CreateAuthorizer, GetAuthorizer, UpdateAuthorizer and
DeleteAuthorizer work) but has no handler for listing them, so GET /v2/apis/{id}/authorizers
answers 500. provision reads authorizers with that one paginated call, as it reads routes and
integrations, so the integration tests and the demo start moto through this file. The handler
lists moto's own authorizer store; nothing else changes.

    python scripts/moto_server.py -H 127.0.0.1 -p 5000    # same arguments as moto_server
"""

import json
import sys

from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.server import main


def get_authorizers(self):
    api_id = self.path.split("/")[-2]
    api = self.apigatewayv2_backend.get_api(api_id)
    items = [authorizer.to_json() for authorizer in api.authorizers.values()]
    return 200, {}, json.dumps({"items": items})


if not hasattr(ApiGatewayV2Response, "get_authorizers"):
    ApiGatewayV2Response.get_authorizers = get_authorizers

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
