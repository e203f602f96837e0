#!/usr/bin/env bash
# The same stack as the console's minimal environment, created by a sequential AWS CLI
# script: cluster, Fargate compute environment (waited until VALID), job queue (waited
# until VALID). Usage: apply-awscli.sh ENDPOINT NAME SERVICE_ROLE SUBNET SECURITY_GROUP
set -euo pipefail
endpoint=$1 name=$2 role=$3 subnet=$4 sg=$5
aws="${AWS_CLI:-aws} --endpoint-url $endpoint --region us-east-1 --output text"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
$aws ecs create-cluster --cluster-name "$name" > /dev/null
$aws batch create-compute-environment --compute-environment-name "$name-ce" \
  --type MANAGED --state ENABLED --service-role "$role" \
  --compute-resources "type=FARGATE,maxvCpus=8,subnets=$subnet,securityGroupIds=$sg" > /dev/null
until [ "$($aws batch describe-compute-environments --compute-environments "$name-ce" \
  --query 'computeEnvironments[0].status')" = VALID ]; do sleep 1; done
$aws batch create-job-queue --job-queue-name "$name-queue" --state ENABLED --priority 1 \
  --compute-environment-order "order=1,computeEnvironment=$name-ce" > /dev/null
until [ "$($aws batch describe-job-queues --job-queues "$name-queue" \
  --query 'jobQueues[0].status')" = VALID ]; do sleep 1; done
