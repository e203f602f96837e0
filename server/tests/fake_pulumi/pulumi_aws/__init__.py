"""A stand-in for `pulumi_aws` that records each resource's constructor arguments.

The argument names (and the keys of the nested inputs the export uses) are those of
pulumi-aws 7.51.1 (`pulumi_aws/<module>/<resource>.py` and `_inputs.py`): an argument
or key that version does not have fails the program, as it would with the real package
(a TypeError for an argument; for a dict key the real package would pass it to the
provider, which refuses or ignores it).
"""

import types

import pulumi

ANY = None


def keys(*names, **nested):
    """A dict input: these keys are leaves, `nested` ones have their own schema."""
    schema = {name: ANY for name in names}
    schema.update(nested)
    return schema


def check(where, value, schema):
    if schema is ANY or isinstance(value, pulumi.Output):
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            raise TypeError(f"{where}: expected a list, got {value!r}")
        for i, item in enumerate(value):
            check(f"{where}[{i}]", item, schema[0])
        return
    if not isinstance(value, dict):
        raise TypeError(f"{where}: expected a dict, got {value!r}")
    for key, item in value.items():
        if key not in schema:
            raise TypeError(f"{where}: pulumi-aws 7 has no key {key!r}")
        check(f"{where}.{key}", item, schema[key])


def resource(cls, required, optional):
    """A resource class `cls` (e.g. "ecs.Cluster") taking these keyword arguments."""
    schema = {name: ANY for name in required}
    schema.update({name: ANY for name in optional if isinstance(name, str)})
    for extra in optional:
        if isinstance(extra, dict):
            schema.update(extra)

    class Resource:
        def __init__(self, resource_name, opts=None, **kwargs):
            if not isinstance(resource_name, str) or not resource_name:
                raise TypeError(f"{cls}: the first argument is the resource name")
            for name in required:
                if name not in kwargs:
                    raise TypeError(f"{cls}: missing required argument {name!r}")
            for name, value in kwargs.items():
                if name not in schema:
                    raise TypeError(f"{cls}.__init__() got an unexpected keyword argument {name!r}")
                check(f"{cls}.{name}", value, schema[name])
            if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
                raise TypeError(f"{cls}: opts must be pulumi.ResourceOptions")
            self.cls = cls
            self.logical = resource_name
            for output in ("arn", "id", "name"):
                setattr(self, output, pulumi.Output(self, output))
            pulumi.RESOURCES.append({
                "class": cls,
                "name": resource_name,
                "args": pulumi.plain(kwargs),
                "provider": opts.provider.logical if opts and opts.provider else None,
                "depends_on": [f"{d.cls}:{d.logical}" for d in (opts.depends_on if opts else [])],
                "ignore_changes": opts.ignore_changes if opts else [],
            })

    Resource.__name__ = cls.split(".")[-1]
    return Resource


TAGS = ANY

Provider = resource("Provider", [], [
    "access_key", "allowed_account_ids", "assume_role_with_web_identity",
    "custom_ca_bundle", "default_tags", "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode", "endpoints", "forbidden_account_ids",
    "http_proxy", "https_proxy", "ignore_tags", "insecure", "max_retries", "no_proxy",
    "profile", "region", "retry_mode", "s3_us_east1_regional_endpoint",
    "s3_use_path_style", "secret_key", "shared_config_files", "shared_credentials_files",
    "skip_credentials_validation", "skip_metadata_api_check", "skip_region_validation",
    "skip_requesting_account_id", "sts_region", "tag_policy_compliance", "token",
    "token_bucket_rate_limiter_capacity", "use_dualstack_endpoint", "use_fips_endpoint",
    "user_agents",
    {"assume_roles": [keys("duration", "external_id", "policy", "policy_arns", "role_arn",
                           "session_name", "source_identity", "tags", "transitive_tag_keys")]},
])

ecs = types.SimpleNamespace(
    Cluster=resource("ecs.Cluster", [], [
        "configuration", "name", "region", "service_connect_defaults", "tags",
        {"settings": [keys("name", "value")]},
    ]),
    CapacityProvider=resource("ecs.CapacityProvider", [], [
        "cluster", "managed_instances_provider", "name", "region", "tags",
        {"auto_scaling_group_provider": keys(
            "auto_scaling_group_arn", "managed_draining", "managed_termination_protection",
            managed_scaling=keys("instance_warmup_period", "maximum_scaling_step_size",
                                 "minimum_scaling_step_size", "status", "target_capacity"),
        )},
    ]),
    ClusterCapacityProviders=resource("ecs.ClusterCapacityProviders", ["cluster_name"], [
        "capacity_providers", "region",
        {"default_capacity_provider_strategies": [keys("capacity_provider", "base", "weight")]},
    ]),
    TaskDefinition=resource("ecs.TaskDefinition", ["container_definitions", "family"], [
        "cpu", "enable_fault_injection", "ephemeral_storage", "execution_role_arn",
        "ipc_mode", "memory", "network_mode", "pid_mode", "placement_constraints",
        "proxy_configuration", "region", "requires_compatibilities", "runtime_platform",
        "skip_destroy", "tags", "task_role_arn", "track_latest", "volumes",
    ]),
)

ec2 = types.SimpleNamespace(
    LaunchTemplate=resource("ec2.LaunchTemplate", [], [
        "block_device_mappings", "capacity_reservation_specification", "cpu_options",
        "credit_specification", "default_version", "description", "disable_api_stop",
        "disable_api_termination", "ebs_optimized", "enclave_options",
        "hibernation_options", "image_id", "instance_initiated_shutdown_behavior",
        "instance_market_options", "instance_requirements", "instance_type", "kernel_id",
        "key_name", "license_specifications", "maintenance_options", "metadata_options",
        "monitoring", "name", "name_prefix", "network_interfaces",
        "network_performance_options", "placement", "private_dns_name_options",
        "ram_disk_id", "region", "secondary_interfaces", "security_group_names", "tags",
        "update_default_version", "user_data", "vpc_security_group_ids",
        {"iam_instance_profile": keys("arn", "name"),
         "tag_specifications": [keys("resource_type", "tags")]},
    ]),
)

autoscaling = types.SimpleNamespace(
    Group=resource("autoscaling.Group", ["max_size", "min_size"], [
        "availability_zone_distribution", "availability_zones", "capacity_rebalance",
        "capacity_reservation_specification", "context", "default_cooldown",
        "default_instance_warmup", "desired_capacity", "desired_capacity_type",
        "enabled_metrics", "force_delete", "force_delete_warm_pool",
        "health_check_grace_period", "health_check_type",
        "ignore_failed_scaling_activities", "initial_lifecycle_hooks",
        "instance_lifecycle_policy", "instance_maintenance_policy", "instance_refresh",
        "launch_configuration", "launch_template", "load_balancers",
        "max_instance_lifetime", "metrics_granularity", "min_elb_capacity", "name",
        "name_prefix", "placement_group", "protect_from_scale_in", "region",
        "service_linked_role_arn", "suspended_processes", "target_group_arns",
        "termination_policies", "traffic_sources", "vpc_zone_identifiers",
        "wait_for_capacity_timeout", "wait_for_elb_capacity", "warm_pool",
        {"mixed_instances_policy": keys(
            "instances_distribution",
            launch_template=keys(
                launch_template_specification=keys(
                    "launch_template_id", "launch_template_name", "version"),
                overrides=[keys("instance_requirements", "instance_type",
                                "launch_template_specification", "weighted_capacity")],
            ),
         ),
         "tags": [keys("key", "propagate_at_launch", "value")]},
    ]),
)

batch = types.SimpleNamespace(
    ComputeEnvironment=resource("batch.ComputeEnvironment", ["type"], [
        "eks_configuration", "name", "name_prefix", "region", "service_role", "state",
        "tags", "update_policy",
        {"compute_resources": keys(
            "max_vcpus", "subnets", "type", "allocation_strategy", "bid_percentage",
            "desired_vcpus", "ec2_key_pair", "image_id", "instance_role",
            "instance_types", "launch_template", "min_vcpus", "placement_group",
            "security_group_ids", "spot_iam_fleet_role", "tags",
            ec2_configurations=[keys("image_id_override", "image_kubernetes_version",
                                     "image_type")],
        )},
    ]),
    JobQueue=resource("batch.JobQueue", ["priority", "state"], [
        "name", "region", "scheduling_policy_arn", "tags", "timeouts",
        {"compute_environment_orders": [keys("compute_environment", "order")],
         "job_state_time_limit_actions": [keys("action", "max_time_seconds", "reason",
                                               "state")]},
    ]),
    JobDefinition=resource("batch.JobDefinition", ["type"], [
        "container_properties", "deregister_on_new_revision", "ecs_properties",
        "eks_properties", "name", "node_properties", "parameters",
        "platform_capabilities", "propagate_tags", "region", "scheduling_priority",
        "tags",
        {"retry_strategy": keys("attempts", "evaluate_on_exits"),
         "timeout": keys("attempt_duration_seconds")},
    ]),
)
