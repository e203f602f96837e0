//! validate + plan on the largest preset (GPU inference on g5: every resource kind).
//! Run: `cargo bench -p app --features ssr --bench plan`; figures go to docs/perf.md.

use std::hint::black_box;

use app::domain::plan::settings_map;
use app::domain::spec::Network;
use app::domain::spec::presets::{Preset, PresetRoles};
use app::domain::{RecordStatus, RecordedResource, RecordedState, ResourceKind, plan, validate};
use criterion::{Criterion, criterion_group, criterion_main};

fn largest() -> app::domain::EnvironmentSpec {
    let network = Network {
        vpc_id: "vpc-0a1b2c3d".into(),
        subnets: (0..16).map(|i| format!("subnet-{i:08x}")).collect(),
        security_group_ids: vec!["sg-12345678".into()],
    };
    let roles = PresetRoles {
        instance_profile: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
        execution_role: "arn:aws:iam::123456789012:role/ecsTaskExecutionRole".into(),
        job_role: "arn:aws:iam::123456789012:role/inference".into(),
    };
    let mut spec = Preset::GpuG5.spec("inference-large", "us-east-1", network, &roles);
    for i in 0..40 {
        spec.tags.insert(format!("tag-{i}"), format!("value-{i}"));
    }
    spec
}

fn bench(c: &mut Criterion) {
    let spec = largest();
    assert!(validate(&spec).is_empty());
    let applied = RecordedState {
        serial: 7,
        resources: ResourceKind::ALL
            .into_iter()
            .filter_map(|kind| {
                Some(RecordedResource {
                    kind,
                    name: spec.resource_name(kind)?.to_owned(),
                    arn: Some(format!("arn:aws:test:::{}", kind.key())),
                    status: RecordStatus::Created,
                    settings: settings_map(&spec, kind),
                })
            })
            .collect(),
    };
    let mut edited = spec.clone();
    edited.compute_environment.max_vcpus = 128;
    edited
        .compute_environment
        .instance_types
        .push("g6.xlarge".into());

    c.bench_function("validate largest preset", |b| {
        b.iter(|| validate(black_box(&spec)))
    });
    c.bench_function("plan largest preset from scratch", |b| {
        b.iter(|| plan(black_box(&spec), black_box(&RecordedState::default()), &[]))
    });
    c.bench_function("validate + plan an edit of the largest preset", |b| {
        b.iter(|| {
            let problems = validate(black_box(&edited));
            let p = plan(black_box(&edited), black_box(&applied), &[]);
            (problems, p.fingerprint())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
