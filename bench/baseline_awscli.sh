#!/usr/bin/env bash
# The AWS CLI baseline: the same calls as bench/baseline_boto3.py, each one an `aws ...` process,
# ids parsed with --query ... --output text, as a shell script written by hand would do.
#
#   bench/baseline_awscli.sh up   SPEC.sh    # the creates of `provision up` on a fresh account
#   bench/baseline_awscli.sh diff SPEC.sh    # the reads a script needs to tell what changed
#
# SPEC.sh is a bash file that bench/bench.py writes from the stack (the values a hand-written
# script would hard-code): STACK API_NAME ROLE_NAME POLICY_NAME ROLE_DESCRIPTION TRUST_JSON
# POLICY_JSON IAM_TAGS_JSON TAGS_JSON STAGE_NAME AUTO_DEPLOY and the arrays ROUTE_KEYS
# ROUTE_SUBTYPES ROUTE_PARAMS ROUTE_AUTH MACHINES MANAGED_POLICIES.
#
# The endpoint is $AWS_ENDPOINT_URL, passed as --endpoint-url; credentials and region come from
# the environment. $AWS overrides the `aws` executable.
set -euo pipefail

mode="${1:?usage: baseline_awscli.sh up|diff SPEC.sh}"
# shellcheck source=/dev/null
source "${2:?usage: baseline_awscli.sh up|diff SPEC.sh}"

aws_() { "${AWS:-aws}" --endpoint-url "${AWS_ENDPOINT_URL:?AWS_ENDPOINT_URL must be set}" "$@"; }

up() {
    local role_arn api_id integration_id i arn auto key
    # Routes with the same subtype and parameters share one integration, as provision builds them.
    local -A shared=()
    role_arn="$(aws_ iam create-role --role-name "$ROLE_NAME" \
        --assume-role-policy-document "$TRUST_JSON" --description "$ROLE_DESCRIPTION" \
        --tags "$IAM_TAGS_JSON" --query Role.Arn --output text)"
    aws_ iam put-role-policy --role-name "$ROLE_NAME" --policy-name "$POLICY_NAME" \
        --policy-document "$POLICY_JSON"
    for arn in "${MANAGED_POLICIES[@]}"; do
        aws_ iam attach-role-policy --role-name "$ROLE_NAME" --policy-arn "$arn"
    done
    api_id="$(aws_ apigatewayv2 create-api --name "$API_NAME" --protocol-type HTTP \
        --tags "$TAGS_JSON" --query ApiId --output text)"
    for i in "${!ROUTE_KEYS[@]}"; do
        key="${ROUTE_SUBTYPES[$i]} ${ROUTE_PARAMS[$i]}"
        if [[ -z "${shared[$key]:-}" ]]; then
            shared[$key]="$(aws_ apigatewayv2 create-integration --api-id "$api_id" \
                --integration-type AWS_PROXY --integration-subtype "${ROUTE_SUBTYPES[$i]}" \
                --payload-format-version 1.0 --credentials-arn "$role_arn" \
                --request-parameters "${ROUTE_PARAMS[$i]}" --query IntegrationId --output text)"
        fi
        integration_id="${shared[$key]}"
        aws_ apigatewayv2 create-route --api-id "$api_id" --route-key "${ROUTE_KEYS[$i]}" \
            --target "integrations/$integration_id" --authorization-type "${ROUTE_AUTH[$i]}" \
            --query RouteId --output text >/dev/null
    done
    if [[ "$AUTO_DEPLOY" == true ]]; then auto=--auto-deploy; else auto=--no-auto-deploy; fi
    aws_ apigatewayv2 create-stage --api-id "$api_id" --stage-name "$STAGE_NAME" "$auto" \
        --tags "$TAGS_JSON" --query StageName --output text >/dev/null
    echo "created api $api_id with ${#ROUTE_KEYS[@]} routes, role $role_arn"
}

diff() {
    local api_id name arn
    api_id="$(aws_ apigatewayv2 get-apis \
        --query "Items[?Tags.\"provision:stack\"=='$STACK'].ApiId | [0]" --output text)"
    if [[ -n "$api_id" && "$api_id" != None ]]; then
        aws_ apigatewayv2 get-routes --api-id "$api_id" --output json >/dev/null
        aws_ apigatewayv2 get-integrations --api-id "$api_id" --output json >/dev/null
        aws_ apigatewayv2 get-stages --api-id "$api_id" --output json >/dev/null
    fi
    aws_ iam get-role --role-name "$ROLE_NAME" --output json >/dev/null
    for name in $(aws_ iam list-role-policies --role-name "$ROLE_NAME" --query PolicyNames --output text); do
        aws_ iam get-role-policy --role-name "$ROLE_NAME" --policy-name "$name" --output json >/dev/null
    done
    aws_ iam list-attached-role-policies --role-name "$ROLE_NAME" --output json >/dev/null
    for arn in "${MACHINES[@]}"; do
        aws_ stepfunctions describe-state-machine --state-machine-arn "$arn" --output json >/dev/null
    done
    echo "read api ${api_id} and role $ROLE_NAME"
}

case "$mode" in
up) up ;;
diff) diff ;;
*)
    echo "usage: baseline_awscli.sh up|diff SPEC.sh" >&2
    exit 2
    ;;
esac
