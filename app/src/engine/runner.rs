//! Apply, destroy and observe an environment, journalling every AWS call.

use tracing::{Instrument, info, info_span, warn};

use super::error::{CloudError, EngineError};
use super::ports::{
    Cloud, DesiredResource, EnvironmentRecord, Observed, RunKind, Store, UPDATABLE_IN_PLACE,
    tagged_for, tags_for,
};
use super::stop::{StopSignal, stop_requested, with_signal};
use super::wait::{Poll, Target, WaitPolicy, wait_for};
use crate::domain::plan::settings_map;
use crate::domain::spec::AutoScalingGroupSource;
use crate::domain::{
    Action, EnvironmentSpec, RecordStatus, RecordedResource, ResourceKind, ResourceView,
    destroy_plan, plan,
};

/// Starts a run of `kind` for `env`, refusing if another run is in progress.
pub async fn start_run(
    store: &dyn Store,
    env: &EnvironmentRecord,
    kind: RunKind,
    started_by: &str,
) -> Result<String, EngineError> {
    Ok(store.start_run(&env.id, kind, started_by).await?)
}

fn aws(step: &str) -> impl FnOnce(CloudError) -> EngineError + '_ {
    move |source| EngineError::Aws {
        step: step.to_owned(),
        source,
    }
}

/// The status a kind reaches when it is usable.
fn ready(kind: ResourceKind, observed: Option<&Observed>) -> Poll {
    let Some(o) = observed else {
        // Just created: describe calls are eventually consistent.
        return Poll::Pending;
    };
    match (kind, o.status.as_str()) {
        (ResourceKind::Cluster, "ACTIVE") => Poll::Ready,
        (ResourceKind::Cluster, "PROVISIONING") => Poll::Pending,
        (ResourceKind::Cluster, other) => Poll::Failed(format!("cluster is {other}")),
        (
            ResourceKind::TaskDefinition
            | ResourceKind::JobDefinition
            | ResourceKind::AutoScalingGroup
            | ResourceKind::CapacityProvider
            | ResourceKind::ClusterCapacityProviders,
            "ACTIVE",
        ) => Poll::Ready,
        (_, "VALID") => Poll::Ready,
        (_, "CREATING" | "UPDATING") => Poll::Pending,
        (_, other) => Poll::Failed(format!(
            "status {other}: {}",
            o.status_reason.as_deref().unwrap_or("no reason given")
        )),
    }
}

/// Applies the plan of `env`'s spec against its journal, creating what is missing.
///
/// Each create is journalled as pending before the AWS call and as created (with the ARN)
/// after it; a pending entry left by a crash is adopted if AWS has the resource.
pub async fn apply(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    run_id: &str,
    policy: WaitPolicy,
) -> Result<(), EngineError> {
    let spec = &env.spec;
    let journal = store.journal(&env.id).await?;
    let tags: Vec<(String, String)> = spec
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .chain(tags_for(&env.id))
        .collect();
    let mut todo = Vec::new();
    let mut updates: Vec<(ResourceKind, Vec<String>)> = Vec::new();
    let mut revisions: Vec<ResourceKind> = Vec::new();
    // Replaced resources, deleted (by their recorded names) before anything is created;
    // resources the spec no longer has, deleted after.
    let mut recreate: Vec<(ResourceKind, String)> = Vec::new();
    let mut remove: Vec<(ResourceKind, String)> = Vec::new();
    let recorded_name = |kind: ResourceKind| {
        journal
            .resources
            .iter()
            .find(|r| r.kind == kind)
            .map(|r| r.name.clone())
    };
    for step in plan(spec, &journal, &[]).steps {
        match step.action {
            Action::Create => todo.push(step.kind),
            Action::NoChange => {}
            Action::Update => {
                let fields: Vec<String> = step.changes.iter().map(|c| c.field.clone()).collect();
                if let Some(field) = fields
                    .iter()
                    .find(|f| !UPDATABLE_IN_PLACE.contains(&(step.kind, f.as_str())))
                {
                    return Err(EngineError::Failed {
                        step: format!("update {} {}", step.kind.label(), step.name),
                        message: format!(
                            "the engine cannot change {field} in place yet; change it back, or destroy and apply again"
                        ),
                    });
                }
                todo.push(step.kind);
                updates.push((step.kind, fields));
            }
            Action::Replace
                if matches!(
                    step.kind,
                    ResourceKind::TaskDefinition | ResourceKind::JobDefinition
                ) =>
            {
                todo.push(step.kind);
                revisions.push(step.kind);
            }
            Action::Replace => {
                recreate.push((step.kind, recorded_name(step.kind).unwrap_or(step.name)));
                todo.push(step.kind);
            }
            Action::Delete => remove.push((step.kind, step.name)),
        }
    }
    // Dependents first (the plan replaces them with what they depend on).
    for (kind, name) in recreate.iter().rev() {
        let label = format!("delete {} {name} to replace it", kind.label());
        delete_one(cloud, store, env, run_id, (*kind, name), &label, policy).await?;
    }
    let recorded = if recreate.is_empty() {
        journal
    } else {
        store.journal(&env.id).await?
    };
    // Each creation starts as soon as what it needs is done (the cluster runs beside
    // the compute environment and its queue); after an error nothing new starts, and
    // the creations under way finish (and are journalled) before the run stops.
    let ctx = &Creation {
        cloud,
        store,
        env,
        run_id,
        policy,
        tags: &tags,
        recorded: &recorded,
        updates: &updates,
        revisions: &revisions,
    };
    let mut waiting = todo;
    let mut in_flight = Vec::new();
    let mut running = futures::stream::FuturesUnordered::new();
    let mut failure = None;
    loop {
        if failure.is_none() && !waiting.is_empty() && stop_requested() {
            failure = Some(EngineError::Stopped {
                step: "the creations under way".into(),
            });
        }
        if failure.is_none() {
            let ready: Vec<ResourceKind> = waiting
                .iter()
                .copied()
                .filter(|k| {
                    k.depends_on()
                        .iter()
                        .all(|d| !waiting.contains(d) && !in_flight.contains(d))
                })
                .collect();
            waiting.retain(|k| !ready.contains(k));
            for kind in ready {
                in_flight.push(kind);
                let span = info_span!("step", kind = kind.key());
                running.push(async move { (kind, ctx.create(kind).await) }.instrument(span));
            }
        }
        let Some((kind, result)) = futures::StreamExt::next(&mut running).await else {
            break;
        };
        in_flight.retain(|k| *k != kind);
        if let Err(e) = result {
            failure.get_or_insert(e);
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    // What the spec no longer has goes last, dependents first (the plan's order).
    for (kind, name) in &remove {
        let label = format!("delete {} {name}", kind.label());
        delete_one(cloud, store, env, run_id, (*kind, name), &label, policy).await?;
    }
    Ok(())
}

/// What one creation needs; shared by the creations of a run.
struct Creation<'a> {
    cloud: &'a dyn Cloud,
    store: &'a dyn Store,
    env: &'a EnvironmentRecord,
    run_id: &'a str,
    policy: WaitPolicy,
    tags: &'a [(String, String)],
    recorded: &'a crate::domain::RecordedState,
    /// The kinds to change in place, with the fields that change.
    updates: &'a [(ResourceKind, Vec<String>)],
    /// The definitions that get a new revision.
    revisions: &'a [ResourceKind],
}

impl Creation<'_> {
    /// Creates the environment's resource of `kind` and waits until it is usable.
    ///
    /// Journalled as pending before the AWS call and created (with the ARN and the
    /// settings) after. A resource AWS already has is adopted when it carries this
    /// environment's tag (an interrupted run, or an answer lost on the way back and a
    /// retried create refused as a duplicate); otherwise the step stops, naming it.
    async fn create(&self, kind: ResourceKind) -> Result<(), EngineError> {
        if let Some((_, fields)) = self.updates.iter().find(|(k, _)| *k == kind) {
            return self.update(kind, fields).await;
        }
        if self.revisions.contains(&kind) {
            return self.revise(kind).await;
        }
        let (cloud, store, env) = (self.cloud, self.store, self.env);
        let spec = &env.spec;
        let region = spec.region.as_str();
        let name = spec.resource_name(kind).unwrap_or_default();
        let label = format!("create {} {name}", kind.label());
        store.run_step(self.run_id, &label).await?;
        info!(environment = %env.id, step = %label, "step started");

        let entry = self.recorded.resources.iter().find(|r| r.kind == kind);
        let was_pending = entry.is_some_and(|r| r.status == RecordStatus::Pending);
        // Look before creating when an earlier run may have created it, for ECS
        // clusters (CreateCluster answers with an existing cluster of the name instead
        // of failing) and for definitions (registering adds a revision to any family).
        // Batch, Auto Scaling and capacity providers refuse a duplicate name, so their
        // creates go straight ahead (one call less on the critical path) and a refusal
        // is read below.
        let registered = matches!(
            kind,
            ResourceKind::TaskDefinition | ResourceKind::JobDefinition
        );
        let existing = if was_pending || registered || kind == ResourceKind::Cluster {
            cloud.read(region, kind, name).await.map_err(aws(&label))?
        } else {
            None
        };
        let foreign = |o: &Observed| EngineError::Failed {
            step: label.clone(),
            message: format!(
                "{} named {name} already exists in {region} ({}); it was not created by this environment",
                kind.with_article(),
                o.arn
            ),
        };
        // The adapter describes a group it created before answering (its ARN comes
        // from the describe): it is usable as soon as it exists.
        let mut live = false;
        let arn = match existing {
            Some(o) if was_pending || tagged_for(&o, &env.id) => {
                info!(step = %label, arn = %o.arn, "adopting the resource an earlier attempt created");
                o.arn
            }
            Some(o) => return Err(foreign(&o)),
            None => {
                let pending = RecordedResource {
                    kind,
                    name: name.to_owned(),
                    arn: None,
                    status: RecordStatus::Pending,
                    settings: Default::default(),
                };
                store.record_resource(&env.id, &pending).await?;
                let desired = desired(spec, kind, store, &env.id).await?;
                match cloud.create(region, desired, self.tags).await {
                    Ok(arn) => {
                        live = kind == ResourceKind::AutoScalingGroup;
                        arn
                    }
                    // The call may have created it even so (an answer lost, the retry
                    // refused as a duplicate), or the name may be someone else's: AWS's
                    // word decides.
                    Err(e) => match cloud.read(region, kind, name).await {
                        Ok(Some(o)) if tagged_for(&o, &env.id) => {
                            warn!(step = %label, error = %e, "create failed but the resource exists with this environment's tag; adopting it");
                            o.arn
                        }
                        Ok(Some(o)) => {
                            store.forget_resource(&env.id, kind).await?;
                            return Err(foreign(&o));
                        }
                        // An error response and nothing there: AWS created nothing.
                        Ok(None) if e.code.is_some() => {
                            store.forget_resource(&env.id, kind).await?;
                            return Err(aws(&label)(e));
                        }
                        // Unknown outcome: the pending entry stays for the next run.
                        _ => return Err(aws(&label)(e)),
                    },
                }
            }
        };
        record_created(store, env, kind, Some(arn)).await?;
        if !live {
            let target = Target { region, kind, name };
            wait_for(cloud, target, &label, waiting_for(kind), self.policy, |o| {
                ready(kind, o)
            })
            .await?;
        }
        store.step_done(self.run_id, &label).await?;
        info!(environment = %env.id, step = %label, "step done");
        Ok(())
    }
}

impl Creation<'_> {
    /// Registers a new revision of a task or job definition, records it, then
    /// deregisters the revision it replaces (running tasks and jobs keep theirs).
    ///
    /// A crash between the two leaves the old revision registered: harmless, and the
    /// next destroy deregisters every active revision of the family.
    async fn revise(&self, kind: ResourceKind) -> Result<(), EngineError> {
        let (cloud, store, env) = (self.cloud, self.store, self.env);
        let spec = &env.spec;
        let region = spec.region.as_str();
        let name = spec.resource_name(kind).unwrap_or_default();
        let label = format!("register a new revision of {} {name}", kind.label());
        store.run_step(self.run_id, &label).await?;
        let old = self
            .recorded
            .resources
            .iter()
            .find(|r| r.kind == kind)
            .and_then(|r| r.arn.clone());
        let desired = desired(spec, kind, store, &env.id).await?;
        let arn = cloud
            .create(region, desired, self.tags)
            .await
            .map_err(aws(&label))?;
        record_created(store, env, kind, Some(arn.clone())).await?;
        if let Some(old) = old.filter(|o| *o != arn) {
            cloud
                .deregister(region, kind, &old)
                .await
                .map_err(aws(&label))?;
        }
        store.step_done(self.run_id, &label).await?;
        info!(environment = %env.id, step = %label, arn = %arn, "step done");
        Ok(())
    }

    /// Changes `fields` of the environment's resource of `kind` in place, waits until it
    /// is usable again, and records the new settings.
    async fn update(&self, kind: ResourceKind, fields: &[String]) -> Result<(), EngineError> {
        let (cloud, store, env) = (self.cloud, self.store, self.env);
        let spec = &env.spec;
        let region = spec.region.as_str();
        let name = spec.resource_name(kind).unwrap_or_default();
        let label = format!("update {} {name}", kind.label());
        store.run_step(self.run_id, &label).await?;
        info!(environment = %env.id, step = %label, fields = ?fields, "step started");
        // Tags change through the tagging APIs; the rest through the kind's Update call.
        let (tags, other): (Vec<String>, Vec<String>) = fields
            .iter()
            .cloned()
            .partition(|f| f.eq_ignore_ascii_case("tags"));
        if !other.is_empty() {
            let desired = desired(spec, kind, store, &env.id).await?;
            cloud
                .update(region, desired, &other)
                .await
                .map_err(aws(&label))?;
        }
        if !tags.is_empty() {
            cloud
                .retag(region, kind, name, self.tags)
                .await
                .map_err(aws(&label))?;
        }
        let target = Target { region, kind, name };
        // Batch and capacity providers report UPDATING until the change is done.
        wait_for(cloud, target, &label, waiting_for(kind), self.policy, |o| {
            ready(kind, o)
        })
        .await?;
        let arn = self
            .recorded
            .resources
            .iter()
            .find(|r| r.kind == kind)
            .and_then(|r| r.arn.clone());
        record_created(store, env, kind, arn).await?;
        store.step_done(self.run_id, &label).await?;
        info!(environment = %env.id, step = %label, "step done");
        Ok(())
    }
}

/// What a created or updated resource of `kind` is waited for.
fn waiting_for(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ComputeEnvironment | ResourceKind::JobQueue => "status VALID",
        _ => "status ACTIVE",
    }
}

/// Journals the environment's resource of `kind` as created, with `arn` and the spec's
/// settings as the applied ones.
async fn record_created(
    store: &dyn Store,
    env: &EnvironmentRecord,
    kind: ResourceKind,
    arn: Option<String>,
) -> Result<(), EngineError> {
    let resource = RecordedResource {
        kind,
        name: env.spec.resource_name(kind).unwrap_or_default().to_owned(),
        arn,
        status: RecordStatus::Created,
        settings: settings_map(&env.spec, kind),
    };
    Ok(store.record_resource(&env.id, &resource).await?)
}

/// The resource to create for `kind`, with references resolved from the journal.
async fn desired<'a>(
    spec: &'a EnvironmentSpec,
    kind: ResourceKind,
    store: &dyn Store,
    environment_id: &str,
) -> Result<DesiredResource<'a>, EngineError> {
    Ok(match kind {
        ResourceKind::Cluster => DesiredResource::Cluster(&spec.cluster),
        ResourceKind::ComputeEnvironment => {
            DesiredResource::ComputeEnvironment(&spec.compute_environment)
        }
        ResourceKind::AutoScalingGroup => {
            match spec.capacity.as_ref().map(|c| &c.auto_scaling_group) {
                Some(AutoScalingGroupSource::Create(group)) => DesiredResource::AutoScalingGroup {
                    group,
                    subnets: if group.subnets.is_empty() {
                        &spec.network.subnets
                    } else {
                        &group.subnets
                    },
                    security_groups: &spec.network.security_group_ids,
                    cluster: &spec.cluster.name,
                },
                _ => return Err(missing(kind, "the spec creates no Auto Scaling group")),
            }
        }
        ResourceKind::CapacityProvider => {
            let capacity = spec
                .capacity
                .as_ref()
                .ok_or_else(|| missing(kind, "the spec has no EC2 capacity"))?;
            let auto_scaling_group_arn = match &capacity.auto_scaling_group {
                AutoScalingGroupSource::Existing { arn, .. } => arn.clone(),
                AutoScalingGroupSource::Create(_) => {
                    recorded_arn(store, environment_id, ResourceKind::AutoScalingGroup)
                        .await?
                        .ok_or_else(|| {
                            missing(kind, "its Auto Scaling group has no ARN recorded")
                        })?
                }
            };
            DesiredResource::CapacityProvider {
                spec: &capacity.provider,
                auto_scaling_group_arn,
            }
        }
        ResourceKind::ClusterCapacityProviders => {
            let capacity = spec
                .capacity
                .as_ref()
                .ok_or_else(|| missing(kind, "the spec has no EC2 capacity"))?;
            DesiredResource::ClusterCapacityProviders {
                cluster: &spec.cluster.name,
                provider: &capacity.provider.name,
                strategy: capacity.strategy,
            }
        }
        ResourceKind::JobQueue => {
            let queue = spec
                .job_queue
                .as_ref()
                .ok_or_else(|| missing(kind, "the spec has no job queue"))?;
            let compute_environment_arn =
                recorded_arn(store, environment_id, ResourceKind::ComputeEnvironment)
                    .await?
                    .ok_or_else(|| EngineError::Failed {
                        step: format!("create {} {}", kind.label(), queue.name),
                        message: "its compute environment has no ARN recorded".into(),
                    })?;
            DesiredResource::JobQueue {
                spec: queue,
                compute_environment_arn,
            }
        }
        ResourceKind::TaskDefinition => DesiredResource::TaskDefinition(
            spec.task_definition
                .as_ref()
                .ok_or_else(|| missing(kind, "the spec has no task definition"))?,
        ),
        ResourceKind::JobDefinition => DesiredResource::JobDefinition(
            spec.job_definition
                .as_ref()
                .ok_or_else(|| missing(kind, "the spec has no job definition"))?,
        ),
    })
}

/// The ARN the journal records for the environment's resource of `kind`.
async fn recorded_arn(
    store: &dyn Store,
    environment_id: &str,
    kind: ResourceKind,
) -> Result<Option<String>, EngineError> {
    Ok(store
        .journal(environment_id)
        .await?
        .resources
        .into_iter()
        .find(|r| r.kind == kind)
        .and_then(|r| r.arn))
}

/// A creation that cannot start: what it needs is missing.
fn missing(kind: ResourceKind, message: &str) -> EngineError {
    EngineError::Failed {
        step: format!("create {}", kind.label()),
        message: message.into(),
    }
}

/// Destroys everything the journal records, in the safe order: the job queue, the
/// compute environment, the cluster's capacity providers, the capacity provider, the
/// Auto Scaling group, the cluster; definitions are deregistered. Each deletion is
/// awaited before the next begins; each journal entry is removed once AWS no longer has
/// the resource.
pub async fn destroy(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    run_id: &str,
    policy: WaitPolicy,
) -> Result<(), EngineError> {
    let recorded = store.journal(&env.id).await?;
    for step in destroy_plan(&recorded).steps {
        let label = format!("delete {} {}", step.kind.label(), step.name);
        delete_one(
            cloud,
            store,
            env,
            run_id,
            (step.kind, &step.name),
            &label,
            policy,
        )
        .await?;
    }
    Ok(())
}

/// Deletes the environment's resource `kind` named `name` (disabling Batch resources
/// first), waits until AWS no longer has it, and removes its journal entry; run step
/// `label`.
#[tracing::instrument(name = "step", skip_all, fields(kind = target.0.key()))]
async fn delete_one(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    run_id: &str,
    target: (ResourceKind, &str),
    label: &str,
    policy: WaitPolicy,
) -> Result<(), EngineError> {
    let (kind, name) = target;
    let region = env.spec.region.as_str();
    if stop_requested() {
        return Err(EngineError::Stopped {
            step: format!("the steps before {label}"),
        });
    }
    store.run_step(run_id, label).await?;
    info!(environment = %env.id, step = %label, "step started");
    let Some(observed) = cloud.read(region, kind, name).await.map_err(aws(label))? else {
        warn!(step = %label, "already gone from AWS; forgetting it");
        store.forget_resource(&env.id, kind).await?;
        store.step_done(run_id, label).await?;
        return Ok(());
    };
    let target = Target { region, kind, name };
    let disables = matches!(
        kind,
        ResourceKind::ComputeEnvironment | ResourceKind::JobQueue
    );
    if disables && observed.state.as_deref() != Some("DISABLED") {
        cloud
            .disable(region, kind, name)
            .await
            .map_err(aws(label))?;
        wait_for(
            cloud,
            target,
            label,
            "state DISABLED",
            policy,
            |o| match o {
                None => Poll::Ready,
                Some(o) if o.state.as_deref() == Some("DISABLED") && o.status != "UPDATING" => {
                    Poll::Ready
                }
                Some(_) => Poll::Pending,
            },
        )
        .await?;
    }
    let still_there = cloud
        .read(region, kind, name)
        .await
        .map_err(aws(label))?
        .is_some();
    if still_there && let Err(e) = delete_when_unblocked(cloud, target, label, policy).await? {
        // A delete whose answer was lost may have been retried and refused ("not
        // found", "already deleting"): what AWS has now decides.
        let now = cloud.read(region, kind, name).await.map_err(aws(label))?;
        let going = now.as_ref().is_none_or(|o| {
            matches!(
                o.status.as_str(),
                "DELETING" | "DELETED" | "INACTIVE" | "DEPROVISIONING"
            )
        });
        if !going {
            return Err(aws(label)(e));
        }
        warn!(step = %label, error = %e, "delete refused but the resource is going; waiting");
    }
    wait_for(cloud, target, label, "deletion", policy, |o| match o {
        None => Poll::Ready,
        Some(o) if matches!(o.status.as_str(), "DELETED" | "INACTIVE") => Poll::Ready,
        // A capacity provider whose deletion AWS gave up on.
        Some(o) if o.status.ends_with("FAILED") => Poll::Failed(format!(
            "AWS reports {}: {}",
            o.status,
            o.status_reason.as_deref().unwrap_or("no reason given")
        )),
        Some(_) => Poll::Pending,
    })
    .await?;
    store.forget_resource(&env.id, kind).await?;
    store.step_done(run_id, label).await?;
    info!(environment = %env.id, step = %label, "step done");
    Ok(())
}

/// Whether AWS refused a delete only because something it depends on is still going
/// away: container instances of a terminated Auto Scaling group still registered with
/// the cluster, or a queue deleted a moment ago still related to its compute
/// environment. Such refusals pass by themselves.
fn blocked_for_now(e: &CloudError) -> bool {
    match e.code.as_deref() {
        Some("ClusterContainsContainerInstancesException") => true,
        Some("ClientException") => e.message.contains("relationship"),
        _ => false,
    }
}

/// Deletes the target, trying again (with the policy's back-off) while AWS refuses only
/// because a dependent is still going away. `Ok(Err(e))`: AWS refused for another
/// reason; `Err`: still blocked when the policy's time ran out, naming what blocks it.
async fn delete_when_unblocked(
    cloud: &dyn Cloud,
    target: Target<'_>,
    step: &str,
    policy: WaitPolicy,
) -> Result<Result<(), CloudError>, EngineError> {
    let started = tokio::time::Instant::now();
    let mut pause = policy.initial;
    loop {
        match cloud.delete(target.region, target.kind, target.name).await {
            Err(e) if blocked_for_now(&e) => {
                if started.elapsed() >= policy.timeout {
                    return Err(EngineError::Failed {
                        step: step.to_owned(),
                        message: format!(
                            "still blocked after {}s: {}",
                            policy.timeout.as_secs(),
                            e
                        ),
                    });
                }
                if stop_requested() {
                    return Err(EngineError::Stopped {
                        step: format!("{step}, while its delete was blocked"),
                    });
                }
                info!(step, error = %e, "delete blocked by a dependent still going away; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(policy.max_interval);
            }
            other => return Ok(other),
        }
    }
}

/// [`execute`], stopping at the next journalled point once `stop` is requested (the
/// run is then recorded as interrupted).
pub async fn execute_until(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    run_id: &str,
    kind: RunKind,
    policy: WaitPolicy,
    stop: StopSignal,
) -> Result<(), EngineError> {
    with_signal(stop, execute(cloud, store, env, run_id, kind, policy)).await
}

/// Runs `kind` to the end and records the outcome on the run.
pub async fn execute(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    run_id: &str,
    kind: RunKind,
    policy: WaitPolicy,
) -> Result<(), EngineError> {
    // Every log line of the run carries the run's span, and a step's its step span.
    let span = info_span!("run", run = %run_id, environment = %env.id, kind = kind.key());
    let result = async {
        match kind {
            RunKind::Apply => apply(cloud, store, env, run_id, policy).await,
            RunKind::Destroy => destroy(cloud, store, env, run_id, policy).await,
            RunKind::Refresh => refresh(cloud, store, env, run_id).await,
            // Plans are recorded finished (`Store::record_plan`) and imports run in the
            // request (`import`); nothing to execute.
            RunKind::Plan | RunKind::Import => Ok(()),
        }
    }
    .instrument(span.clone())
    .await;
    let error = result.as_ref().err().map(ToString::to_string);
    if let Some(e) = &error {
        span.in_scope(|| warn!(error = %e, "run failed"));
    }
    metrics::counter!(
        "console_runs_total",
        "kind" => kind.key(),
        "result" => match &result {
            Ok(()) => "succeeded",
            Err(EngineError::Stopped { .. }) => "interrupted",
            Err(_) => "failed",
        }
    )
    .increment(1);
    store.finish_run(run_id, error.as_deref()).await?;
    result
}

/// Import: records the existing resource `arn` (of `kind`) as the environment's, with
/// the spec's settings as the applied ones (so differences show as drift). AWS must have
/// it under the spec's name with that ARN.
pub async fn import(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    run_id: &str,
    kind: ResourceKind,
    arn: &str,
) -> Result<(), EngineError> {
    let spec = &env.spec;
    let region = spec.region.as_str();
    let name = spec.resource_name(kind).unwrap_or_default();
    let label = format!("import {} {name}", kind.label());
    store.run_step(run_id, &label).await?;
    let fail = |message: String| EngineError::Failed {
        step: label.clone(),
        message,
    };
    let observed = cloud
        .read(region, kind, name)
        .await
        .map_err(aws(&label))?
        .ok_or_else(|| {
            fail(format!(
                "{} named {name} is not in {region} (or is being deleted)",
                kind.with_article()
            ))
        })?;
    // Definitions: any revision of the family; the rest: exactly this resource (the
    // name in another account is another resource).
    let same = match kind {
        ResourceKind::TaskDefinition | ResourceKind::JobDefinition => observed
            .arn
            .rsplit_once(':')
            .zip(arn.rsplit_once(':'))
            .is_some_and(|((a, _), (b, _))| a == b),
        _ => observed.arn == arn,
    };
    if !same {
        return Err(fail(format!(
            "AWS has {} under that name, not {arn}",
            observed.arn
        )));
    }
    record_created(store, env, kind, Some(arn.to_owned())).await?;
    store.step_done(run_id, &label).await?;
    info!(environment = %env.id, step = %label, "imported");
    Ok(())
}

/// Refresh: reads every resource from AWS (in parallel) and records what it found as
/// the run's steps.
pub async fn refresh(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
    run_id: &str,
) -> Result<(), EngineError> {
    let reading = "read every resource from AWS (in parallel)";
    store.run_step(run_id, reading).await?;
    let views = observe(cloud, store, env).await?;
    store.step_done(run_id, reading).await?;
    for view in views {
        let found = view.observed.as_ref().map_or_else(
            || "not in AWS".to_owned(),
            |o| format!("{} ({})", o.status, o.arn),
        );
        let step = format!("{} {}: {found}", view.kind.label(), view.name);
        store.run_step(run_id, &step).await?;
        store.step_done(run_id, &step).await?;
    }
    Ok(())
}

/// Reads every resource of `env` from AWS (in parallel) beside the journal.
pub async fn observe(
    cloud: &dyn Cloud,
    store: &dyn Store,
    env: &EnvironmentRecord,
) -> Result<Vec<ResourceView>, EngineError> {
    let spec = &env.spec;
    let recorded = store.journal(&env.id).await?.resources;
    let region = spec.region.as_str();
    let names = ResourceKind::ALL.map(|kind| (kind, spec.resource_name(kind)));
    // Read the resources the spec has, in parallel.
    let reads =
        futures::future::join_all(names.iter().map(|&n| read_named(cloud, region, n))).await;
    let mut out = Vec::new();
    for ((kind, name), observed) in names.into_iter().zip(reads) {
        let Some(name) = name else { continue };
        let observed = observed.map_err(aws(&format!("read {} {name}", kind.label())))?;
        out.push(ResourceView {
            kind,
            name: name.to_owned(),
            recorded: recorded.iter().find(|r| r.kind == kind).cloned(),
            observed,
        });
    }
    Ok(out)
}

/// Reads `kind` by name, or nothing when the spec has no such resource.
async fn read_named(
    cloud: &dyn Cloud,
    region: &str,
    (kind, name): (ResourceKind, Option<&str>),
) -> Result<Option<Observed>, CloudError> {
    match name {
        Some(name) => cloud.read(region, kind, name).await,
        None => Ok(None),
    }
}
