//! The ports: what the engine needs from AWS and from storage, as traits.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::error::{CloudError, StoreError};
use crate::domain::spec::{
    AssumeRole, CapacityProviderSpec, JobDefinitionSpec, NewAutoScalingGroup, StrategyItem,
    TaskDefinitionSpec,
};
use crate::domain::tasks::{CapacityFacts, RunTaskAnswer, RunTasks, TaskSummary};
pub use crate::domain::{
    AuditEntry, Observed, Revision, Role, RunKind, RunRecord, RunState, ShareLink,
};
use crate::domain::{
    ClusterSpec, ComputeEnvironmentSpec, EnvironmentSpec, JobQueueSpec, Network, RecordedResource,
    RecordedState, ResourceKind,
};

/// Who the console acts as in AWS (sts:GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    /// 12-digit account id.
    pub account: String,
    /// The principal's ARN.
    pub arn: String,
}

/// A resource to create, with what it references already resolved.
#[derive(Clone, Debug)]
pub enum DesiredResource<'a> {
    /// An ECS cluster.
    Cluster(&'a ClusterSpec),
    /// An Auto Scaling group the console creates, with its launch template (named
    /// after the group).
    AutoScalingGroup {
        /// The group.
        group: &'a NewAutoScalingGroup,
        /// Its subnets (its own, else the network's).
        subnets: &'a [String],
        /// The instances' security groups (the network's).
        security_groups: &'a [String],
        /// The ECS cluster the instances join.
        cluster: &'a str,
    },
    /// An ECS capacity provider over the Auto Scaling group with this ARN.
    CapacityProvider {
        /// The provider.
        spec: &'a CapacityProviderSpec,
        /// ARN of its Auto Scaling group.
        auto_scaling_group_arn: String,
    },
    /// The cluster's capacity providers: this one, also its default strategy.
    ClusterCapacityProviders {
        /// The cluster's name.
        cluster: &'a str,
        /// The capacity provider's name.
        provider: &'a str,
        /// Its default strategy item.
        strategy: StrategyItem,
    },
    /// A Batch compute environment.
    ComputeEnvironment(&'a ComputeEnvironmentSpec),
    /// A Batch job queue in front of the compute environment with this ARN.
    JobQueue {
        /// The queue.
        spec: &'a JobQueueSpec,
        /// ARN of its compute environment.
        compute_environment_arn: String,
    },
    /// An ECS task definition (a new revision of its family).
    TaskDefinition(&'a TaskDefinitionSpec),
    /// A Batch job definition (a new revision).
    JobDefinition(&'a JobDefinitionSpec),
}

/// The fields the engine changes in place, per kind (other in-place changes the plan
/// allows are refused by apply, naming the field, until the adapter learns them).
pub const UPDATABLE_IN_PLACE: &[(ResourceKind, &str)] = &[
    (ResourceKind::Cluster, "settings.containerInsights"),
    (
        ResourceKind::ComputeEnvironment,
        "computeResources.maxvCpus",
    ),
    (
        ResourceKind::ComputeEnvironment,
        "computeResources.minvCpus",
    ),
    (
        ResourceKind::ComputeEnvironment,
        "computeResources.desiredvCpus",
    ),
    (ResourceKind::ComputeEnvironment, "computeResources.subnets"),
    (
        ResourceKind::ComputeEnvironment,
        "computeResources.securityGroupIds",
    ),
    (ResourceKind::ComputeEnvironment, "state"),
    (ResourceKind::JobQueue, "priority"),
    (ResourceKind::JobQueue, "state"),
    (
        ResourceKind::AutoScalingGroup,
        "MixedInstancesPolicy.Overrides.InstanceType",
    ),
    (ResourceKind::AutoScalingGroup, "MinSize"),
    (ResourceKind::AutoScalingGroup, "MaxSize"),
    (ResourceKind::AutoScalingGroup, "DesiredCapacity"),
    (ResourceKind::AutoScalingGroup, "VPCZoneIdentifier"),
    (
        ResourceKind::AutoScalingGroup,
        "NewInstancesProtectedFromScaleIn",
    ),
    (ResourceKind::AutoScalingGroup, "LaunchTemplate.ImageId"),
    (
        ResourceKind::AutoScalingGroup,
        "LaunchTemplate.IamInstanceProfile",
    ),
    (
        ResourceKind::AutoScalingGroup,
        "LaunchTemplate.SecurityGroupIds",
    ),
    (ResourceKind::AutoScalingGroup, "LaunchTemplate.UserData"),
    (
        ResourceKind::CapacityProvider,
        "autoScalingGroupProvider.managedScaling.status",
    ),
    (
        ResourceKind::CapacityProvider,
        "autoScalingGroupProvider.managedScaling.targetCapacity",
    ),
    (
        ResourceKind::CapacityProvider,
        "autoScalingGroupProvider.managedScaling.minimumScalingStepSize",
    ),
    (
        ResourceKind::CapacityProvider,
        "autoScalingGroupProvider.managedScaling.maximumScalingStepSize",
    ),
    (
        ResourceKind::CapacityProvider,
        "autoScalingGroupProvider.managedScaling.instanceWarmupPeriod",
    ),
    (
        ResourceKind::CapacityProvider,
        "autoScalingGroupProvider.managedTerminationProtection",
    ),
    (
        ResourceKind::CapacityProvider,
        "autoScalingGroupProvider.managedDraining",
    ),
    (ResourceKind::Cluster, "tags"),
    (ResourceKind::AutoScalingGroup, "Tags"),
    (ResourceKind::CapacityProvider, "tags"),
    (ResourceKind::ComputeEnvironment, "tags"),
    (ResourceKind::JobQueue, "tags"),
    (ResourceKind::TaskDefinition, "tags"),
    (ResourceKind::JobDefinition, "tags"),
    (ResourceKind::ClusterCapacityProviders, "capacityProviders"),
    (
        ResourceKind::ClusterCapacityProviders,
        "defaultCapacityProviderStrategy",
    ),
];

/// The tag that names the environment a resource was created for.
pub const ENVIRONMENT_TAG: &str = "console:environment-id";

/// Whether AWS's resource carries the tag of environment `environment_id`.
pub fn tagged_for(observed: &Observed, environment_id: &str) -> bool {
    observed.tags.get(ENVIRONMENT_TAG).map(String::as_str) == Some(environment_id)
}

/// The tags the console puts on every resource it creates.
pub fn tags_for(environment_id: &str) -> Vec<(String, String)> {
    vec![
        (ENVIRONMENT_TAG.into(), environment_id.into()),
        (
            "console:managed-by".into(),
            "batch-inference-console".into(),
        ),
    ]
}

/// The AWS operations the engine uses. Implemented over the AWS SDK in `server/`.
#[async_trait]
pub trait Cloud: Send + Sync {
    /// The same port acting as `role` in the target account (sts:AssumeRole with the
    /// role's external id, the session named `session_name`); the credentials are
    /// cached and refreshed before they expire. Fails if the role cannot be assumed.
    async fn assume(
        &self,
        role: &AssumeRole,
        session_name: &str,
    ) -> Result<std::sync::Arc<dyn Cloud>, CloudError>;
    /// The account and principal the console acts as.
    async fn identity(&self) -> Result<CallerIdentity, CloudError>;
    /// What exists in `region` for the wizard's pickers (VPCs, subnets, security groups,
    /// Auto Scaling groups, IAM roles and instance profiles, instance types), read in
    /// parallel.
    async fn discover(
        &self,
        region: &str,
    ) -> Result<crate::domain::discovery::Discovery, CloudError>;
    /// The default VPC of `region` with its subnets and default security group.
    async fn default_network(&self, region: &str) -> Result<Option<Network>, CloudError>;
    /// Creates a resource tagged with `tags`; returns its ARN.
    async fn create(
        &self,
        region: &str,
        resource: DesiredResource<'_>,
        tags: &[(String, String)],
    ) -> Result<String, CloudError>;
    /// Changes `fields` (named as in the plan's settings, all in
    /// [`UPDATABLE_IN_PLACE`]) of the resource of `resource`'s kind named after it, in
    /// place.
    async fn update(
        &self,
        region: &str,
        resource: DesiredResource<'_>,
        fields: &[String],
    ) -> Result<(), CloudError>;
    /// Sets the tags of the resource of `kind` named `name` to exactly `tags`: adds and
    /// changes what differs, removes other keys (except AWS's own `aws:` ones), as the
    /// spec is the truth about an environment's tags.
    async fn retag(
        &self,
        region: &str,
        kind: ResourceKind,
        name: &str,
        tags: &[(String, String)],
    ) -> Result<(), CloudError>;
    /// Reads a resource by name; `None` when AWS has no live resource of that name.
    async fn read(
        &self,
        region: &str,
        kind: ResourceKind,
        name: &str,
    ) -> Result<Option<Observed>, CloudError>;
    /// Sets a Batch queue or compute environment to DISABLED (no-op for clusters and
    /// definitions).
    async fn disable(&self, region: &str, kind: ResourceKind, name: &str)
    -> Result<(), CloudError>;
    /// Deregisters one revision of a task or job definition, by ARN (running tasks and
    /// jobs keep it).
    async fn deregister(
        &self,
        region: &str,
        kind: ResourceKind,
        arn: &str,
    ) -> Result<(), CloudError>;
    /// Deletes a resource by name (definitions: deregisters every active revision).
    async fn delete(&self, region: &str, kind: ResourceKind, name: &str) -> Result<(), CloudError>;

    /// Starts `count` (at most [`crate::domain::tasks::RUN_TASK_MAX`]) tasks of `request` in one ecs:RunTask
    /// call; AWS's per-task refusals come back as `failures`, not as an error.
    async fn run_task(
        &self,
        region: &str,
        request: &RunTasks,
        count: u32,
    ) -> Result<RunTaskAnswer, CloudError>;
    /// Every task ECS knows in `cluster` (running, and stopped within about an hour),
    /// described.
    async fn list_tasks(&self, region: &str, cluster: &str)
    -> Result<Vec<TaskSummary>, CloudError>;
    /// Stops the task `task` (ARN or id) of `cluster`, giving `reason`.
    async fn stop_task(
        &self,
        region: &str,
        cluster: &str,
        task: &str,
        reason: &str,
    ) -> Result<(), CloudError>;
    /// The cluster's EC2 capacity as placement sees it: registered container instances,
    /// the Auto Scaling group `group` (in service, desired, maximum, GPU types) and the
    /// capacity provider `provider` (managed scaling). The task's GPUs and the waiting
    /// tasks are left for the caller to fill in.
    async fn capacity_facts(
        &self,
        region: &str,
        cluster: &str,
        group: Option<&str>,
        provider: Option<&str>,
    ) -> Result<CapacityFacts, CloudError>;

    /// Submits one Batch job (an array job when `job.array_size` is set) with
    /// batch:SubmitJob; returns its id.
    async fn submit_job(
        &self,
        region: &str,
        job: &crate::domain::queue::SubmitJob,
    ) -> Result<String, CloudError>;
    /// One batch:ListJobs call: the jobs of `query` and AWS's nextToken.
    async fn list_jobs(
        &self,
        region: &str,
        query: &crate::domain::queue::JobListQuery,
    ) -> Result<(Vec<crate::domain::queue::JobSummary>, Option<String>), CloudError>;
    /// batch:DescribeJobs of `ids` (at most 100); unknown ids are left out.
    async fn describe_jobs(
        &self,
        region: &str,
        ids: &[String],
    ) -> Result<Vec<crate::domain::queue::JobDetail>, CloudError>;
    /// Stops the job `id` giving `reason`: batch:CancelJob or batch:TerminateJob.
    async fn stop_job(
        &self,
        region: &str,
        id: &str,
        how: crate::domain::queue::Stopper,
        reason: &str,
    ) -> Result<(), CloudError>;
    /// The capacity of `targets` now: the compute environment's vCPUs, the group's
    /// instances, the provider's scaling and reservation, the cluster's tasks (`at` is
    /// left empty for the caller). A resource AWS does not have is `None`.
    async fn read_capacity(
        &self,
        region: &str,
        targets: &crate::domain::capacity::CapacityTargets,
    ) -> Result<crate::domain::capacity::CapacitySample, CloudError>;
}

/// A console user.
#[derive(Clone, Debug)]
pub struct UserRecord {
    /// Opaque id.
    pub id: String,
    /// Sign-in name.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// A stored environment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnvironmentRecord {
    /// Opaque id (used in URLs).
    pub id: String,
    /// Owning user's id.
    pub owner_id: String,
    /// The spec.
    pub spec: EnvironmentSpec,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// The number of the revision `spec` is.
    pub revision: u64,
}

/// An environment as a list knows it: no spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedEnvironment {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// The user's role on it.
    pub role: Role,
}

/// What the environment list shows of an environment beside its spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvironmentOverview {
    /// Resources the journal holds as created.
    pub resources: usize,
    /// The latest apply, destroy or refresh.
    pub run: Option<RunRecord>,
}

/// A wizard draft: the spec being built, the preset its optional parts come from, and
/// the step reached.
#[derive(Clone, Debug, PartialEq)]
pub struct DraftRecord {
    /// Opaque id.
    pub id: String,
    /// Its owner.
    pub user_id: String,
    /// The spec so far.
    pub spec: EnvironmentSpec,
    /// Where optional parts come from when added.
    pub template: EnvironmentSpec,
    /// The step reached (`wizard::Step::key`).
    pub step: String,
    /// Last saved (RFC 3339).
    pub updated_at: String,
}

/// A personal API token to store: the token's hash, never the token.
#[derive(Clone, Debug)]
pub struct NewApiToken<'a> {
    /// Its owner.
    pub user_id: &'a str,
    /// What the owner called it.
    pub name: &'a str,
    /// SHA-256 of the token, hex.
    pub token_hash: &'a str,
    /// Its first characters, shown in the list.
    pub shown: &'a str,
    /// Expiry (RFC 3339 UTC to the second), if any.
    pub expires_at: Option<&'a str>,
}

/// A share link to store: the token's hash, never the token.
#[derive(Clone, Debug)]
pub struct NewShareLink<'a> {
    /// The environment it opens.
    pub environment_id: &'a str,
    /// The role it grants.
    pub role: Role,
    /// SHA-256 of the token, hex.
    pub token_hash: &'a str,
    /// Username of its creator.
    pub created_by: &'a str,
    /// Expiry (RFC 3339 UTC to the second), if any.
    pub expires_at: Option<&'a str>,
}

/// Storage the engine and the server functions use. Implemented with sqlx in `server/`.
#[async_trait]
pub trait Store: Send + Sync {
    /// Checks that the database answers (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Creates a user; [`StoreError::Conflict`] if the name is taken.
    async fn create_user(&self, username: &str, password_hash: &str) -> Result<String, StoreError>;
    /// Finds a user by sign-in name.
    async fn find_user(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;

    /// Stores a new environment owned by `owner_id` with `spec` as its revision 1 by
    /// `author`; [`StoreError::Conflict`] if an environment of that name already exists
    /// in that region.
    async fn insert_environment(
        &self,
        owner_id: &str,
        author: &str,
        spec: &EnvironmentSpec,
    ) -> Result<String, StoreError>;
    /// The id of the environment named `name` in `region`, whoever owns it.
    async fn environment_named(
        &self,
        region: &str,
        name: &str,
    ) -> Result<Option<String>, StoreError>;
    /// The environments `user_id` owns, newest first.
    async fn list_environments(&self, user_id: &str) -> Result<Vec<EnvironmentRecord>, StoreError>;
    /// The environments shared with `user_id` through links live at `now`, with the
    /// highest role those links grant, newest first.
    async fn shared_environments(
        &self,
        user_id: &str,
        now: &str,
    ) -> Result<Vec<(EnvironmentRecord, Role)>, StoreError>;
    /// The highest role that links live at `now` grant `user_id` on the environment.
    async fn granted_role(
        &self,
        environment_id: &str,
        user_id: &str,
        now: &str,
    ) -> Result<Option<Role>, StoreError>;

    /// Saves `spec` as the revision after `base`; [`StoreError::Conflict`] naming the
    /// newer revision if `base` is no longer the latest. Returns the new number.
    async fn save_revision(
        &self,
        environment_id: &str,
        base: u64,
        spec: &EnvironmentSpec,
        author: &str,
        message: &str,
    ) -> Result<u64, StoreError>;
    /// The environment's revisions, newest first.
    async fn revisions(&self, environment_id: &str) -> Result<Vec<Revision>, StoreError>;
    /// The spec of one revision.
    async fn revision_spec(
        &self,
        environment_id: &str,
        number: u64,
    ) -> Result<Option<EnvironmentSpec>, StoreError>;

    /// Stores a share link; returns its id.
    async fn create_share_link(&self, link: &NewShareLink<'_>) -> Result<String, StoreError>;
    /// The environment's share links, newest first.
    async fn share_links(&self, environment_id: &str) -> Result<Vec<ShareLink>, StoreError>;
    /// The link whose token hashes to `token_hash`.
    async fn share_link_by_hash(&self, token_hash: &str) -> Result<Option<ShareLink>, StoreError>;
    /// Revokes a link of the environment; false if it has no such live link.
    async fn revoke_share_link(
        &self,
        environment_id: &str,
        link_id: &str,
    ) -> Result<bool, StoreError>;
    /// Records that `user_id` opened the link (idempotent).
    async fn grant(&self, link: &ShareLink, user_id: &str) -> Result<(), StoreError>;
    /// Inserts or replaces a wizard draft of its user.
    async fn save_draft(&self, draft: &DraftRecord) -> Result<(), StoreError>;
    /// One of the user's drafts.
    async fn draft(&self, user_id: &str, id: &str) -> Result<Option<DraftRecord>, StoreError>;
    /// The user's drafts, last saved first.
    async fn drafts(&self, user_id: &str) -> Result<Vec<DraftRecord>, StoreError>;
    /// Deletes one of the user's drafts (false if there was none).
    async fn delete_draft(&self, user_id: &str, id: &str) -> Result<bool, StoreError>;
    /// Stores a personal API token; returns its id.
    async fn create_api_token(&self, token: &NewApiToken<'_>) -> Result<String, StoreError>;
    /// The user's API tokens, newest first (revoked and expired ones included).
    async fn api_tokens(
        &self,
        user_id: &str,
    ) -> Result<Vec<crate::domain::tokens::ApiToken>, StoreError>;
    /// Revokes one of the user's tokens; false if the user has no such live token.
    async fn revoke_api_token(&self, user_id: &str, token_id: &str) -> Result<bool, StoreError>;
    /// The token whose hash is `token_hash` if it works at `now` (neither revoked nor
    /// expired), with its owner; its last use is recorded to the minute.
    async fn use_api_token(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<(crate::domain::tokens::ApiToken, UserRecord)>, StoreError>;
    /// One environment by id.
    async fn get_environment(&self, id: &str) -> Result<Option<EnvironmentRecord>, StoreError>;

    /// The journal of the environment's resources, with its serial.
    async fn journal(&self, environment_id: &str) -> Result<RecordedState, StoreError>;
    /// Writes (inserts or replaces) one journal entry and increases the serial.
    async fn record_resource(
        &self,
        environment_id: &str,
        resource: &RecordedResource,
    ) -> Result<(), StoreError>;
    /// Removes a deleted resource from the journal and increases the serial.
    async fn forget_resource(
        &self,
        environment_id: &str,
        kind: ResourceKind,
    ) -> Result<(), StoreError>;

    /// Starts a run; [`StoreError::Conflict`] naming who and since when if one is running.
    async fn start_run(
        &self,
        environment_id: &str,
        kind: RunKind,
        started_by: &str,
    ) -> Result<String, StoreError>;
    /// Records that a run started a step (steps of independent resources overlap).
    async fn run_step(&self, run_id: &str, step: &str) -> Result<(), StoreError>;
    /// Records that a step finished; [`Store::finish_run`] closes any still open, with
    /// the run's error.
    async fn step_done(&self, run_id: &str, step: &str) -> Result<(), StoreError>;
    /// Finishes a run.
    async fn finish_run(&self, run_id: &str, error: Option<&str>) -> Result<(), StoreError>;
    /// The environment's most recent apply, destroy or refresh (plans are not listed).
    async fn latest_run(&self, environment_id: &str) -> Result<Option<RunRecord>, StoreError>;
    /// One page of the environments `user_id` sees at `now` whose name contains
    /// `search` (any case; empty: all) - owned (newest first), then shared through live
    /// links (newest first, with the highest role granted) - without their specs.
    /// `page` (from 1) is clamped to the pages there are; answers the number of
    /// matching environments, the page shown and its environments, in two queries.
    async fn environment_page(
        &self,
        user_id: &str,
        now: &str,
        search: &str,
        page: usize,
        per_page: usize,
    ) -> Result<(usize, usize, Vec<IndexedEnvironment>), StoreError>;
    /// For each of `ids` that has created resources or runs: their count and its latest
    /// run, in two queries however many ids.
    async fn overviews(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, EnvironmentOverview>, StoreError>;
    /// Records a plan someone reviewed as a finished run, one step per planned step.
    async fn record_plan(
        &self,
        environment_id: &str,
        started_by: &str,
        steps: &[String],
    ) -> Result<String, StoreError>;
    /// The environment's latest `limit` runs with their steps, newest first.
    async fn run_history(
        &self,
        environment_id: &str,
        limit: u32,
    ) -> Result<Vec<crate::domain::RunHistory>, StoreError>;
    /// The steps of one run, in the order they started (the live view reads them
    /// while the run goes on).
    async fn run_steps(&self, run_id: &str) -> Result<Vec<crate::domain::RunStep>, StoreError>;

    /// Appends to the audit log (`at` is set by the store).
    async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The environment's audit log, newest first, at most `limit` lines.
    async fn audit_log(
        &self,
        environment_id: &str,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Environments whose journal holds a created cluster or compute environment: those
    /// the capacity sampler reads.
    async fn environments_to_sample(&self) -> Result<Vec<String>, StoreError>;
    /// Keeps a capacity sample of the environment (at `sample.at`; a second sample at the
    /// same time replaces the first).
    async fn record_capacity(
        &self,
        environment_id: &str,
        sample: &crate::domain::capacity::CapacitySample,
    ) -> Result<(), StoreError>;
    /// The environment's samples taken at or after `since` (RFC 3339), oldest first.
    async fn capacity_samples(
        &self,
        environment_id: &str,
        since: &str,
    ) -> Result<Vec<crate::domain::capacity::CapacitySample>, StoreError>;
    /// Forgets every sample taken before `before` (RFC 3339); returns how many.
    async fn prune_capacity(&self, before: &str) -> Result<u64, StoreError>;
}

/// The STS session name for actions of console user `username`: `console-<username>`
/// with characters STS does not allow replaced by `-`, at most 64 characters.
pub fn session_name(username: &str) -> String {
    let name: String = format!("console-{username}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    name
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_names_follow_sts_rules() {
        assert_eq!(super::session_name("alice"), "console-alice");
        assert_eq!(
            super::session_name("Sam Smith/ops"),
            "console-Sam-Smith-ops"
        );
        assert_eq!(
            super::session_name("sam@example.com"),
            "console-sam@example.com"
        );
        assert_eq!(super::session_name(&"x".repeat(100)).len(), 64);
    }
}
