#!/usr/bin/env bash
# The same stack as the benchmark's environment, created by a sequential AWS CLI script:
# ECS cluster; launch template, Auto Scaling group, capacity provider (waited until
# ACTIVE), the cluster's providers and strategy (waited until attached); Fargate compute
# environment (waited until VALID), job queue (waited until VALID); task and job
# definitions. Usage: apply-awscli.sh ENDPOINT NAME SERVICE_ROLE SUBNET SECURITY_GROUP
set -euo pipefail
endpoint=$1 name=$2 role=$3 subnet=$4 sg=$5
aws="${AWS_CLI:-aws} --endpoint-url $endpoint --region us-east-1 --output text"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
profile=arn:aws:iam::123456789012:instance-profile/ecsInstanceRole
exec_role=arn:aws:iam::123456789012:role/exec
$aws ecs create-cluster --cluster-name "$name" > /dev/null

user_data=$(printf '#!/bin/bash\necho ECS_CLUSTER=%s >> /etc/ecs/ecs.config\n' "$name" | base64 -w0)
$aws ec2 create-launch-template --launch-template-name "$name-asg" --launch-template-data \
  "{\"ImageId\":\"resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id\",\"IamInstanceProfile\":{\"Arn\":\"$profile\"},\"SecurityGroupIds\":[\"$sg\"],\"UserData\":\"$user_data\"}" > /dev/null
$aws autoscaling create-auto-scaling-group --auto-scaling-group-name "$name-asg" \
  --mixed-instances-policy "{\"LaunchTemplate\":{\"LaunchTemplateSpecification\":{\"LaunchTemplateName\":\"$name-asg\",\"Version\":\"\$Latest\"},\"Overrides\":[{\"InstanceType\":\"g5.xlarge\"},{\"InstanceType\":\"g5.2xlarge\"}]}}" \
  --min-size 0 --max-size 8 --desired-capacity 0 --vpc-zone-identifier "$subnet" \
  --new-instances-protected-from-scale-in
asg_arn=$($aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$name-asg" \
  --query 'AutoScalingGroups[0].AutoScalingGroupARN')
$aws ecs create-capacity-provider --name "$name-cp" --auto-scaling-group-provider \
  "autoScalingGroupArn=$asg_arn,managedScaling={status=ENABLED,targetCapacity=75,minimumScalingStepSize=1,maximumScalingStepSize=10000,instanceWarmupPeriod=300},managedTerminationProtection=ENABLED,managedDraining=ENABLED" > /dev/null
until [ "$($aws ecs describe-capacity-providers --capacity-providers "$name-cp" \
  --query 'capacityProviders[0].status')" = ACTIVE ]; do sleep 1; done
$aws ecs put-cluster-capacity-providers --cluster "$name" --capacity-providers "$name-cp" \
  --default-capacity-provider-strategy "capacityProvider=$name-cp,base=0,weight=1" > /dev/null
until [ "$($aws ecs describe-clusters --clusters "$name" --include ATTACHMENTS \
  --query 'clusters[0].attachmentsStatus')" != UPDATE_IN_PROGRESS ]; do sleep 1; done

$aws batch create-compute-environment --compute-environment-name "$name-ce" \
  --type MANAGED --state ENABLED --service-role "$role" \
  --compute-resources "type=FARGATE,maxvCpus=8,subnets=$subnet,securityGroupIds=$sg" > /dev/null
until [ "$($aws batch describe-compute-environments --compute-environments "$name-ce" \
  --query 'computeEnvironments[0].status')" = VALID ]; do sleep 1; done
$aws batch create-job-queue --job-queue-name "$name-queue" --state ENABLED --priority 1 \
  --compute-environment-order "order=1,computeEnvironment=$name-ce" > /dev/null
until [ "$($aws batch describe-job-queues --job-queues "$name-queue" \
  --query 'jobQueues[0].status')" = VALID ]; do sleep 1; done

image=public.ecr.aws/docker/library/python:3.12-slim
$aws ecs register-task-definition --family "$name-task" --cpu 1024 --memory 2048 \
  --network-mode awsvpc --requires-compatibilities FARGATE EC2 --execution-role-arn "$exec_role" \
  --container-definitions "[{\"name\":\"inference\",\"image\":\"$image\",\"essential\":true,\"command\":[\"python3\",\"-m\",\"inference\"]}]" > /dev/null
$aws batch register-job-definition --job-definition-name "$name-job" --type container \
  --platform-capabilities FARGATE --container-properties \
  "{\"image\":\"$image\",\"command\":[\"python3\",\"-m\",\"inference\"],\"executionRoleArn\":\"$exec_role\",\"resourceRequirements\":[{\"type\":\"VCPU\",\"value\":\"1\"},{\"type\":\"MEMORY\",\"value\":\"2048\"}],\"networkConfiguration\":{\"assignPublicIp\":\"ENABLED\"}}" > /dev/null
