//! [`AwsCloud`]: the engine's cloud port over aws-sdk-ecs, -batch, -ec2, -sts and -iam.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::domain::spec::AssumeRole;
use app::domain::{Network, ResourceKind};
use app::engine::{CallerIdentity, Cloud, CloudError, DesiredResource, Observed};
use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ComputeResource, CrAllocationStrategy, CrType,
    Ec2Configuration, JobStateTimeLimitAction, JobStateTimeLimitActionsAction,
    JobStateTimeLimitActionsState, JqState,
};
use aws_sdk_ec2::types::Filter;
use aws_sdk_ecs::types::{ClusterField, ClusterSetting, ClusterSettingName, Tag};

use super::call_metrics::CallMetrics;
use super::capacity::{self, GroupRequest};
use super::definitions;
use super::error::{cloud_error, malformed};

/// The SDK clients of one region.
#[derive(Clone, Debug)]
pub(super) struct RegionClients {
    pub(super) ecs: aws_sdk_ecs::Client,
    pub(super) batch: aws_sdk_batch::Client,
    pub(super) ec2: aws_sdk_ec2::Client,
    pub(super) autoscaling: aws_sdk_autoscaling::Client,
}

/// The AWS side of the engine. Clients are made once per region and reused.
#[derive(Debug)]
pub struct AwsCloud {
    base: SdkConfig,
    regions: Mutex<HashMap<String, RegionClients>>,
    /// The adapters acting as assumed roles, by (role ARN, external id, session name).
    assumed: tokio::sync::Mutex<HashMap<AssumedKey, Arc<AwsCloud>>>,
}

/// Role ARN, external id, session name.
type AssumedKey = (String, Option<String>, String);

/// The role name of the Batch service role the sandbox creates in the emulator.
const SANDBOX_BATCH_ROLE: &str = "console-sandbox-batch-service-role";

impl AwsCloud {
    /// An adapter over `base` (credentials, endpoint, retry and HTTP settings).
    pub fn new(base: SdkConfig) -> Self {
        AwsCloud {
            base,
            regions: Mutex::new(HashMap::new()),
            assumed: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    fn clients(&self, region: &str) -> RegionClients {
        let mut map = self.regions.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(region.to_owned())
            .or_insert_with(|| {
                let region = Region::new(region.to_owned());
                RegionClients {
                    ecs: aws_sdk_ecs::Client::from_conf(
                        aws_sdk_ecs::config::Builder::from(&self.base)
                            .interceptor(CallMetrics)
                            .region(region.clone())
                            .build(),
                    ),
                    batch: aws_sdk_batch::Client::from_conf(
                        aws_sdk_batch::config::Builder::from(&self.base)
                            .interceptor(CallMetrics)
                            .region(region.clone())
                            .build(),
                    ),
                    ec2: aws_sdk_ec2::Client::from_conf(
                        aws_sdk_ec2::config::Builder::from(&self.base)
                            .interceptor(CallMetrics)
                            .region(region.clone())
                            .build(),
                    ),
                    autoscaling: aws_sdk_autoscaling::Client::from_conf(
                        aws_sdk_autoscaling::config::Builder::from(&self.base)
                            .interceptor(CallMetrics)
                            .region(region)
                            .build(),
                    ),
                }
            })
            .clone()
    }

    /// In the emulator: makes sure a Batch service role exists (moto, unlike AWS,
    /// requires one) and returns its ARN.
    pub async fn ensure_sandbox_batch_role(&self) -> Result<String, CloudError> {
        let iam = aws_sdk_iam::Client::new(&self.base);
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batch.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        match iam
            .create_role()
            .role_name(SANDBOX_BATCH_ROLE)
            .assume_role_policy_document(trust)
            .send()
            .await
        {
            Ok(out) => out
                .role()
                .map(|r| r.arn().to_owned())
                .ok_or_else(|| malformed("iam:CreateRole", "role")),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_entity_already_exists_exception()) =>
            {
                let out = iam
                    .get_role()
                    .role_name(SANDBOX_BATCH_ROLE)
                    .send()
                    .await
                    .map_err(|e| cloud_error("iam:GetRole", e))?;
                out.role()
                    .map(|r| r.arn().to_owned())
                    .ok_or_else(|| malformed("iam:GetRole", "role"))
            }
            Err(e) => Err(cloud_error("iam:CreateRole", e)),
        }
    }
}

fn ecs_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The adapter has no such operation for `kind`.
fn unsupported(what: &str, kind: ResourceKind) -> CloudError {
    CloudError {
        operation: format!("{what} {}", kind.label()),
        code: None,
        message: "not supported by this console yet".into(),
        request_id: None,
    }
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// The `computeResources` of a compute environment; the EC2-only fields are sent only
/// for EC2 and SPOT (validation refuses them on Fargate).
fn compute_resources(spec: &app::domain::ComputeEnvironmentSpec) -> ComputeResource {
    let builder = ComputeResource::builder()
        .r#type(CrType::from(spec.compute_type.as_aws()))
        .maxv_cpus(to_i32(spec.max_vcpus))
        .set_subnets(Some(spec.subnets.clone()))
        .set_security_group_ids(Some(spec.security_group_ids.clone()));
    if spec.compute_type.is_fargate() {
        return builder.build();
    }
    builder
        .minv_cpus(to_i32(spec.min_vcpus))
        .set_desiredv_cpus(spec.desired_vcpus.map(to_i32))
        .set_instance_types(Some(spec.instance_types.clone()))
        .set_allocation_strategy(
            spec.allocation_strategy
                .map(|a| CrAllocationStrategy::from(a.as_aws())),
        )
        .set_instance_role(spec.instance_role.clone())
        .set_bid_percentage(spec.bid_percentage.map(to_i32))
        .set_spot_iam_fleet_role(spec.spot_iam_fleet_role.clone())
        .set_ec2_configuration(
            spec.image_type
                .map(|i| vec![Ec2Configuration::builder().image_type(i.as_aws()).build()]),
        )
        .build()
}

/// The settings of a described compute environment, keyed like the journal's (see
/// `app::domain::plan::settings`). Only fields AWS reports back as they were sent;
/// `desiredvCpus` moves with the load and is left out.
fn compute_environment_settings(
    ce: &aws_sdk_batch::types::ComputeEnvironmentDetail,
) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    if let Some(state) = ce.state() {
        out.insert("state".to_owned(), state.as_str().to_owned());
    }
    if let Some(cr) = ce.compute_resources() {
        if let Some(max) = cr.maxv_cpus() {
            out.insert("computeResources.maxvCpus".to_owned(), max.to_string());
        }
        out.insert(
            "computeResources.subnets".to_owned(),
            cr.subnets().join(", "),
        );
        out.insert(
            "computeResources.securityGroupIds".to_owned(),
            cr.security_group_ids().join(", "),
        );
        let fargate = cr
            .r#type()
            .is_some_and(|t| t.as_str().starts_with("FARGATE"));
        if !fargate {
            out.insert(
                "computeResources.instanceTypes".to_owned(),
                cr.instance_types().join(", "),
            );
            if let Some(min) = cr.minv_cpus() {
                out.insert("computeResources.minvCpus".to_owned(), min.to_string());
            }
        }
    }
    out
}

fn map_tags(tags: &[(String, String)]) -> HashMap<String, String> {
    tags.iter().cloned().collect()
}

#[async_trait]
impl Cloud for AwsCloud {
    async fn discover(
        &self,
        region: &str,
    ) -> Result<app::domain::discovery::Discovery, CloudError> {
        let iam = aws_sdk_iam::Client::new(&self.base);
        super::discovery::discover(&self.clients(region), &iam).await
    }

    async fn assume(
        &self,
        role: &AssumeRole,
        session_name: &str,
    ) -> Result<Arc<dyn Cloud>, CloudError> {
        use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
        let key = (
            role.role_arn.clone(),
            role.external_id.clone(),
            session_name.to_owned(),
        );
        let mut cache = self.assumed.lock().await;
        if let Some(cloud) = cache.get(&key) {
            return Ok(cloud.clone());
        }
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
            .session_name(session_name)
            .configure(&self.base);
        if let Some(id) = &role.external_id {
            builder = builder.external_id(id);
        }
        // The provider caches the credentials and refreshes them before they expire.
        let provider = builder.build().await;
        // Assume once now, so that a refusal (trust policy, external id) is reported
        // before any step, with AWS's own words.
        provider
            .provide_credentials()
            .await
            .map_err(|e| CloudError {
                operation: "sts:AssumeRole".into(),
                code: None,
                message: aws_sdk_ecs::error::DisplayErrorContext(&e).to_string(),
                request_id: None,
            })?;
        let config = self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        let cloud = Arc::new(AwsCloud::new(config));
        cache.insert(key, cloud.clone());
        Ok(cloud)
    }

    async fn identity(&self) -> Result<CallerIdentity, CloudError> {
        let sts = aws_sdk_sts::Client::new(&self.base);
        // Read once at start-up, for the header: two attempts, so that an unreachable AWS
        // delays the start by about a second, not by the half minute of eight.
        let out = sts
            .get_caller_identity()
            .customize()
            .config_override(
                aws_sdk_sts::config::Builder::default()
                    .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2)),
            )
            .send()
            .await
            .map_err(|e| cloud_error("sts:GetCallerIdentity", e))?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_owned(),
            arn: out.arn().unwrap_or_default().to_owned(),
        })
    }

    async fn default_network(&self, region: &str) -> Result<Option<Network>, CloudError> {
        let ec2 = self.clients(region).ec2;
        let vpcs = ec2
            .describe_vpcs()
            .filters(Filter::builder().name("isDefault").values("true").build())
            .send()
            .await
            .map_err(|e| cloud_error("ec2:DescribeVpcs", e))?;
        let Some(vpc_id) = vpcs.vpcs().first().and_then(|v| v.vpc_id()) else {
            return Ok(None);
        };
        let by_vpc = || Filter::builder().name("vpc-id").values(vpc_id).build();
        let subnets = ec2
            .describe_subnets()
            .filters(by_vpc())
            .send()
            .await
            .map_err(|e| cloud_error("ec2:DescribeSubnets", e))?;
        let groups = ec2
            .describe_security_groups()
            .filters(by_vpc())
            .filters(
                Filter::builder()
                    .name("group-name")
                    .values("default")
                    .build(),
            )
            .send()
            .await
            .map_err(|e| cloud_error("ec2:DescribeSecurityGroups", e))?;
        let mut subnets: Vec<String> = subnets
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_owned))
            .collect();
        subnets.sort();
        // Batch takes at most 16 subnets.
        subnets.truncate(16);
        Ok(Some(Network {
            vpc_id: vpc_id.to_owned(),
            subnets,
            security_group_ids: groups
                .security_groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_owned))
                .collect(),
        }))
    }

    async fn create(
        &self,
        region: &str,
        resource: DesiredResource<'_>,
        tags: &[(String, String)],
    ) -> Result<String, CloudError> {
        let c = self.clients(region);
        match resource {
            DesiredResource::Cluster(spec) => {
                let op = "ecs:CreateCluster";
                let insights = if spec.container_insights {
                    "enabled"
                } else {
                    "disabled"
                };
                let out = c
                    .ecs
                    .create_cluster()
                    .cluster_name(&spec.name)
                    .settings(
                        ClusterSetting::builder()
                            .name(ClusterSettingName::ContainerInsights)
                            .value(insights)
                            .build(),
                    )
                    .set_tags(Some(ecs_tags(tags)))
                    .send()
                    .await
                    .map_err(|e| cloud_error(op, e))?;
                out.cluster()
                    .and_then(|c| c.cluster_arn())
                    .map(str::to_owned)
                    .ok_or_else(|| malformed(op, "cluster ARN"))
            }
            DesiredResource::ComputeEnvironment(spec) => {
                let op = "batch:CreateComputeEnvironment";
                let resources = compute_resources(spec);
                let out = c
                    .batch
                    .create_compute_environment()
                    .compute_environment_name(&spec.name)
                    .r#type(CeType::Managed)
                    .state(if spec.enabled {
                        CeState::Enabled
                    } else {
                        CeState::Disabled
                    })
                    .compute_resources(resources)
                    .set_service_role(spec.service_role.clone())
                    .set_tags(Some(map_tags(tags)))
                    .send()
                    .await
                    .map_err(|e| cloud_error(op, e))?;
                out.compute_environment_arn()
                    .map(str::to_owned)
                    .ok_or_else(|| malformed(op, "compute environment ARN"))
            }
            DesiredResource::AutoScalingGroup {
                group,
                subnets,
                security_groups,
                cluster,
            } => {
                let request = GroupRequest {
                    group,
                    subnets,
                    security_groups,
                    cluster,
                };
                capacity::create_group(&c, request, tags).await
            }
            DesiredResource::CapacityProvider {
                spec,
                auto_scaling_group_arn,
            } => capacity::create_provider(&c, spec, &auto_scaling_group_arn, ecs_tags(tags)).await,
            DesiredResource::ClusterCapacityProviders {
                cluster,
                provider,
                strategy,
            } => capacity::put_cluster_providers(&c, cluster, Some((provider, strategy))).await,
            DesiredResource::TaskDefinition(spec) => {
                definitions::register_task_definition(&c.ecs, spec, ecs_tags(tags)).await
            }
            DesiredResource::JobDefinition(spec) => {
                definitions::register_job_definition(&c.batch, spec, map_tags(tags)).await
            }
            DesiredResource::JobQueue {
                spec,
                compute_environment_arn,
            } => {
                let op = "batch:CreateJobQueue";
                let order: Vec<ComputeEnvironmentOrder> = std::iter::once(compute_environment_arn)
                    .chain(spec.extra_compute_environments.iter().cloned())
                    .zip(1..)
                    .map(|(arn, order)| {
                        ComputeEnvironmentOrder::builder()
                            .order(order)
                            .compute_environment(arn)
                            .build()
                    })
                    .collect();
                let limits: Vec<JobStateTimeLimitAction> = spec
                    .job_state_time_limit_actions
                    .iter()
                    .map(|a| {
                        JobStateTimeLimitAction::builder()
                            .reason(&a.reason)
                            .state(JobStateTimeLimitActionsState::Runnable)
                            .max_time_seconds(i32::try_from(a.max_time_seconds).unwrap_or(i32::MAX))
                            .action(JobStateTimeLimitActionsAction::Cancel)
                            .build()
                    })
                    .collect();
                let out = c
                    .batch
                    .create_job_queue()
                    .job_queue_name(&spec.name)
                    .priority(i32::try_from(spec.priority).unwrap_or(i32::MAX))
                    .state(if spec.enabled {
                        JqState::Enabled
                    } else {
                        JqState::Disabled
                    })
                    .set_compute_environment_order(Some(order))
                    .set_job_state_time_limit_actions((!limits.is_empty()).then_some(limits))
                    .set_tags(Some(map_tags(tags)))
                    .send()
                    .await
                    .map_err(|e| cloud_error(op, e))?;
                out.job_queue_arn()
                    .map(str::to_owned)
                    .ok_or_else(|| malformed(op, "job queue ARN"))
            }
        }
    }

    async fn update(
        &self,
        region: &str,
        resource: DesiredResource<'_>,
        fields: &[String],
    ) -> Result<(), CloudError> {
        let c = self.clients(region);
        let has = |f: &str| fields.iter().any(|x| x == f);
        match resource {
            DesiredResource::Cluster(spec) => {
                if has("settings.containerInsights") {
                    c.ecs
                        .update_cluster_settings()
                        .cluster(&spec.name)
                        .settings(
                            ClusterSetting::builder()
                                .name(ClusterSettingName::ContainerInsights)
                                .value(if spec.container_insights {
                                    "enabled"
                                } else {
                                    "disabled"
                                })
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(|e| cloud_error("ecs:UpdateClusterSettings", e))?;
                }
                Ok(())
            }
            DesiredResource::ComputeEnvironment(spec) => {
                let mut resources = aws_sdk_batch::types::ComputeResourceUpdate::builder();
                if has("computeResources.maxvCpus") {
                    resources =
                        resources.maxv_cpus(i32::try_from(spec.max_vcpus).unwrap_or(i32::MAX));
                }
                if has("computeResources.minvCpus") {
                    resources = resources.minv_cpus(i32::try_from(spec.min_vcpus).unwrap_or(0));
                }
                if has("computeResources.desiredvCpus")
                    && let Some(d) = spec.desired_vcpus
                {
                    resources = resources.desiredv_cpus(i32::try_from(d).unwrap_or(0));
                }
                if has("computeResources.subnets") {
                    resources = resources.set_subnets(Some(spec.subnets.clone()));
                }
                if has("computeResources.securityGroupIds") {
                    resources =
                        resources.set_security_group_ids(Some(spec.security_group_ids.clone()));
                }
                let mut request = c
                    .batch
                    .update_compute_environment()
                    .compute_environment(&spec.name)
                    .compute_resources(resources.build());
                if has("state") {
                    request = request.state(if spec.enabled {
                        CeState::Enabled
                    } else {
                        CeState::Disabled
                    });
                }
                request
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| cloud_error("batch:UpdateComputeEnvironment", e))
            }
            DesiredResource::JobQueue { spec, .. } => {
                let mut request = c.batch.update_job_queue().job_queue(&spec.name);
                if has("priority") {
                    request = request.priority(i32::try_from(spec.priority).unwrap_or(0));
                }
                if has("state") {
                    request = request.state(if spec.enabled {
                        JqState::Enabled
                    } else {
                        JqState::Disabled
                    });
                }
                request
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| cloud_error("batch:UpdateJobQueue", e))
            }
            DesiredResource::AutoScalingGroup {
                group,
                subnets,
                security_groups,
                cluster,
            } => {
                let request = GroupRequest {
                    group,
                    subnets,
                    security_groups,
                    cluster,
                };
                capacity::update_group(&c, request, fields).await
            }
            DesiredResource::CapacityProvider { spec, .. } => {
                capacity::update_provider(&c, spec).await
            }
            DesiredResource::ClusterCapacityProviders {
                cluster,
                provider,
                strategy,
            } => capacity::put_cluster_providers(&c, cluster, Some((provider, strategy)))
                .await
                .map(|_| ()),
            DesiredResource::TaskDefinition(_) | DesiredResource::JobDefinition(_) => {
                Err(CloudError {
                    operation: "update a definition".into(),
                    code: None,
                    message: "definitions change by registering a new revision".into(),
                    request_id: None,
                })
            }
        }
    }

    async fn retag(
        &self,
        region: &str,
        kind: ResourceKind,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), CloudError> {
        let observed = self
            .read(region, kind, name)
            .await?
            .ok_or_else(|| CloudError {
                operation: format!("tag {} {name}", kind.label()),
                code: None,
                message: "AWS has no such resource".into(),
                request_id: None,
            })?;
        super::tags::retag(&self.clients(region), kind, name, &observed, tags).await
    }

    async fn read(
        &self,
        region: &str,
        kind: ResourceKind,
        name: &str,
    ) -> Result<Option<Observed>, CloudError> {
        let c = self.clients(region);
        match kind {
            ResourceKind::AutoScalingGroup => capacity::read_group(&c, name).await,
            ResourceKind::CapacityProvider => capacity::read_provider(&c, name).await,
            ResourceKind::ClusterCapacityProviders => {
                capacity::read_cluster_providers(&c, name).await
            }
            ResourceKind::TaskDefinition => definitions::read_task_definition(&c.ecs, name).await,
            ResourceKind::JobDefinition => definitions::read_job_definition(&c.batch, name).await,
            ResourceKind::Cluster => {
                let out = c
                    .ecs
                    .describe_clusters()
                    .clusters(name)
                    .include(ClusterField::Tags)
                    .send()
                    .await
                    .map_err(|e| cloud_error("ecs:DescribeClusters", e))?;
                Ok(out
                    .clusters()
                    .iter()
                    .find(|c| c.cluster_name() == Some(name))
                    // A deleted cluster stays describable as INACTIVE for a while.
                    .filter(|c| c.status() != Some("INACTIVE"))
                    .map(|c| Observed {
                        arn: c.cluster_arn().unwrap_or_default().to_owned(),
                        status: c.status().unwrap_or("UNKNOWN").to_owned(),
                        state: None,
                        status_reason: None,
                        settings: c
                            .settings()
                            .iter()
                            .filter(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
                            .filter_map(|s| s.value())
                            .map(|v| ("settings.containerInsights".to_owned(), v.to_owned()))
                            .collect(),
                        tags: c
                            .tags()
                            .iter()
                            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                            .collect(),
                    }))
            }
            ResourceKind::ComputeEnvironment => {
                let out = c
                    .batch
                    .describe_compute_environments()
                    .compute_environments(name)
                    .send()
                    .await
                    .map_err(|e| cloud_error("batch:DescribeComputeEnvironments", e))?;
                Ok(out
                    .compute_environments()
                    .iter()
                    .find(|ce| ce.compute_environment_name() == Some(name))
                    .filter(|ce| ce.status().map(|s| s.as_str()) != Some("DELETED"))
                    .map(|ce| Observed {
                        arn: ce.compute_environment_arn().unwrap_or_default().to_owned(),
                        status: ce
                            .status()
                            .map(|s| s.as_str())
                            .unwrap_or("UNKNOWN")
                            .to_owned(),
                        state: ce.state().map(|s| s.as_str().to_owned()),
                        status_reason: ce.status_reason().map(str::to_owned),
                        settings: compute_environment_settings(ce),
                        tags: batch_tags(ce.tags()),
                    }))
            }
            ResourceKind::JobQueue => {
                let out = c
                    .batch
                    .describe_job_queues()
                    .job_queues(name)
                    .send()
                    .await
                    .map_err(|e| cloud_error("batch:DescribeJobQueues", e))?;
                Ok(out
                    .job_queues()
                    .iter()
                    .find(|q| q.job_queue_name() == Some(name))
                    .filter(|q| q.status().map(|s| s.as_str()) != Some("DELETED"))
                    .map(|q| Observed {
                        arn: q.job_queue_arn().unwrap_or_default().to_owned(),
                        status: q
                            .status()
                            .map(|s| s.as_str())
                            .unwrap_or("UNKNOWN")
                            .to_owned(),
                        state: q.state().map(|s| s.as_str().to_owned()),
                        status_reason: q.status_reason().map(str::to_owned),
                        settings: [
                            q.priority().map(|p| ("priority".to_owned(), p.to_string())),
                            q.state()
                                .map(|s| ("state".to_owned(), s.as_str().to_owned())),
                        ]
                        .into_iter()
                        .flatten()
                        .collect(),
                        tags: batch_tags(q.tags()),
                    }))
            }
        }
    }

    async fn disable(
        &self,
        region: &str,
        kind: ResourceKind,
        name: &str,
    ) -> Result<(), CloudError> {
        let c = self.clients(region);
        match kind {
            ResourceKind::Cluster
            | ResourceKind::AutoScalingGroup
            | ResourceKind::CapacityProvider
            | ResourceKind::ClusterCapacityProviders
            | ResourceKind::TaskDefinition
            | ResourceKind::JobDefinition => Ok(()),
            ResourceKind::ComputeEnvironment => c
                .batch
                .update_compute_environment()
                .compute_environment(name)
                .state(CeState::Disabled)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| cloud_error("batch:UpdateComputeEnvironment", e)),
            ResourceKind::JobQueue => c
                .batch
                .update_job_queue()
                .job_queue(name)
                .state(JqState::Disabled)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| cloud_error("batch:UpdateJobQueue", e)),
        }
    }

    async fn deregister(
        &self,
        region: &str,
        kind: ResourceKind,
        arn: &str,
    ) -> Result<(), CloudError> {
        let c = self.clients(region);
        match kind {
            ResourceKind::TaskDefinition => c
                .ecs
                .deregister_task_definition()
                .task_definition(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| cloud_error("ecs:DeregisterTaskDefinition", e)),
            ResourceKind::JobDefinition => c
                .batch
                .deregister_job_definition()
                .job_definition(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| cloud_error("batch:DeregisterJobDefinition", e)),
            other => Err(unsupported("deregister", other)),
        }
    }

    async fn delete(&self, region: &str, kind: ResourceKind, name: &str) -> Result<(), CloudError> {
        let c = self.clients(region);
        match kind {
            ResourceKind::AutoScalingGroup => capacity::delete_group(&c, name).await,
            ResourceKind::CapacityProvider => capacity::delete_provider(&c, name).await,
            ResourceKind::ClusterCapacityProviders => {
                capacity::put_cluster_providers(&c, name, None)
                    .await
                    .map(|_| ())
            }
            ResourceKind::TaskDefinition => {
                definitions::deregister_task_definitions(&c.ecs, name).await
            }
            ResourceKind::JobDefinition => {
                definitions::deregister_job_definitions(&c.batch, name).await
            }
            ResourceKind::Cluster => c
                .ecs
                .delete_cluster()
                .cluster(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| cloud_error("ecs:DeleteCluster", e)),
            ResourceKind::ComputeEnvironment => c
                .batch
                .delete_compute_environment()
                .compute_environment(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| cloud_error("batch:DeleteComputeEnvironment", e)),
            ResourceKind::JobQueue => c
                .batch
                .delete_job_queue()
                .job_queue(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| cloud_error("batch:DeleteJobQueue", e)),
        }
    }

    async fn run_task(
        &self,
        region: &str,
        request: &app::domain::tasks::RunTasks,
        count: u32,
    ) -> Result<app::domain::tasks::RunTaskAnswer, CloudError> {
        super::tasks::run_task(&self.clients(region), request, count).await
    }

    async fn list_tasks(
        &self,
        region: &str,
        cluster: &str,
    ) -> Result<Vec<app::domain::tasks::TaskSummary>, CloudError> {
        super::tasks::list_tasks(&self.clients(region), cluster).await
    }

    async fn stop_task(
        &self,
        region: &str,
        cluster: &str,
        task: &str,
        reason: &str,
    ) -> Result<(), CloudError> {
        super::tasks::stop_task(&self.clients(region), cluster, task, reason).await
    }

    async fn capacity_facts(
        &self,
        region: &str,
        cluster: &str,
        group: Option<&str>,
        provider: Option<&str>,
    ) -> Result<app::domain::tasks::CapacityFacts, CloudError> {
        super::tasks::capacity_facts(&self.clients(region), cluster, group, provider).await
    }

    async fn submit_job(
        &self,
        region: &str,
        job: &app::domain::queue::SubmitJob,
    ) -> Result<String, CloudError> {
        super::jobs::submit_job(&self.clients(region), job).await
    }

    async fn list_jobs(
        &self,
        region: &str,
        query: &app::domain::queue::JobListQuery,
    ) -> Result<(Vec<app::domain::queue::JobSummary>, Option<String>), CloudError> {
        super::jobs::list_jobs(&self.clients(region), query).await
    }

    async fn describe_jobs(
        &self,
        region: &str,
        ids: &[String],
    ) -> Result<Vec<app::domain::queue::JobDetail>, CloudError> {
        super::jobs::describe_jobs(&self.clients(region), ids).await
    }

    async fn stop_job(
        &self,
        region: &str,
        id: &str,
        how: app::domain::queue::Stopper,
        reason: &str,
    ) -> Result<(), CloudError> {
        super::jobs::stop_job(&self.clients(region), id, how, reason).await
    }

    async fn read_capacity(
        &self,
        region: &str,
        targets: &app::domain::capacity::CapacityTargets,
    ) -> Result<app::domain::capacity::CapacitySample, CloudError> {
        super::capacity_state::read(&self.clients(region), targets).await
    }
}

/// Batch's tag map, sorted.
fn batch_tags(
    tags: Option<&HashMap<String, String>>,
) -> std::collections::BTreeMap<String, String> {
    tags.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}
