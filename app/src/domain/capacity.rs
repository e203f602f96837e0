//! The capacity view's data: what an environment's compute can run now (one sample) and
//! over time (the samples the server records), and the capacity provider's reservation
//! computed from what ECS reports.

use serde::{Deserialize, Serialize};

use super::EnvironmentSpec;
use super::spec::AutoScalingGroupSource;

/// The AWS resources whose capacity is read, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityTargets {
    /// The ECS cluster.
    pub cluster: String,
    /// The Batch compute environment.
    pub compute_environment: String,
    /// The Auto Scaling group, if the cluster has EC2 capacity.
    pub group: Option<String>,
    /// The capacity provider, if any.
    pub provider: Option<String>,
}

impl CapacityTargets {
    /// The targets of `spec`.
    pub fn of(spec: &EnvironmentSpec) -> Self {
        CapacityTargets {
            cluster: spec.cluster.name.clone(),
            compute_environment: spec.compute_environment.name.clone(),
            group: spec
                .capacity
                .as_ref()
                .map(|c| group_name(&c.auto_scaling_group)),
            provider: spec.capacity.as_ref().map(|c| c.provider.name.clone()),
        }
    }
}

/// The Auto Scaling group's name: the one to create, or the end of an existing one's
/// ARN (`...:autoScalingGroupName/<name>`).
pub fn group_name(source: &AutoScalingGroupSource) -> String {
    match source {
        AutoScalingGroupSource::Create(g) => g.name.clone(),
        AutoScalingGroupSource::Existing { arn, .. } => arn
            .rsplit_once("autoScalingGroupName/")
            .map(|(_, name)| name.to_owned())
            .unwrap_or_else(|| arn.clone()),
    }
}

/// The Batch compute environment's size.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputeEnvironmentCapacity {
    /// `VALID`, `CREATING`, `INVALID`...
    pub status: String,
    /// `ENABLED` or `DISABLED`.
    pub state: String,
    /// Minimum vCPUs.
    pub min_vcpus: u32,
    /// Desired vCPUs (what Batch is scaling to now).
    pub desired_vcpus: u32,
    /// Maximum vCPUs.
    pub max_vcpus: u32,
}

/// The Auto Scaling group's size.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCapacity {
    /// Minimum size.
    pub min: u32,
    /// Maximum size.
    pub max: u32,
    /// Desired capacity.
    pub desired: u32,
    /// Instances InService.
    pub in_service: u32,
    /// Instances still launching (Pending*).
    pub pending: u32,
}

/// One container instance as placement sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceLoad {
    /// Tasks running on it.
    pub running_tasks: u32,
    /// CPU units it registered.
    pub cpu: u32,
    /// Memory (MiB) it registered.
    pub memory: u32,
}

/// The capacity provider's managed scaling.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCapacity {
    /// Whether managed scaling is on.
    pub managed_scaling: bool,
    /// Its target capacity, percent.
    pub target_capacity: u32,
    /// The reservation computed by [`reservation`], percent.
    pub reservation: u32,
}

/// The ECS cluster's load.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterCapacity {
    /// `ACTIVE`, `INACTIVE`...
    pub status: String,
    /// Container instances registered.
    pub registered_instances: u32,
    /// Tasks running.
    pub running_tasks: u32,
    /// Tasks pending (waiting for placement or starting).
    pub pending_tasks: u32,
    /// CPU units and MiB the running and waiting tasks ask for.
    pub demand: (u32, u32),
    /// CPU units and MiB the registered instances have.
    pub supply: (u32, u32),
}

/// Everything the capacity view shows at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacitySample {
    /// When (RFC 3339 UTC).
    pub at: String,
    /// The compute environment, if the environment has one in AWS.
    pub compute_environment: Option<ComputeEnvironmentCapacity>,
    /// The Auto Scaling group, if any.
    pub group: Option<GroupCapacity>,
    /// The capacity provider, if any.
    pub provider: Option<ProviderCapacity>,
    /// The cluster, if it exists in AWS.
    pub cluster: Option<ClusterCapacity>,
}

/// The capacity provider reservation as ECS defines it: `M / N * 100`, where `N` is the
/// instances of the group and `M` the instances needed to run every task, running or
/// waiting: the instances with running tasks, plus as many more as the waiting tasks'
/// CPU or memory fill (sized like the registered instances, or one when none is known).
/// With no instance and tasks waiting it is 200 (scale out from zero); with neither, 100.
pub fn reservation(instances: &[InstanceLoad], group_instances: u32, waiting: (u32, u32)) -> u32 {
    let busy =
        u32::try_from(instances.iter().filter(|i| i.running_tasks > 0).count()).unwrap_or(u32::MAX);
    let (wcpu, wmem) = waiting;
    let extra = if wcpu == 0 && wmem == 0 {
        0
    } else {
        let size = instances.iter().map(|i| (i.cpu, i.memory)).max();
        match size {
            Some((cpu, mem)) if cpu > 0 && mem > 0 => {
                wcpu.div_ceil(cpu).max(wmem.div_ceil(mem)).max(1)
            }
            _ => 1,
        }
    };
    let needed = busy.saturating_add(extra);
    match (group_instances, needed) {
        (0, 0) => 100,
        (0, _) => 200,
        (n, m) => m.saturating_mul(100) / n,
    }
}

/// One series of a chart: a name and its `(time, value)` points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// What it measures, e.g. "desired vCPUs".
    pub name: String,
    /// Points in time order: seconds since the window's start, value.
    pub points: Vec<(f64, f64)>,
}

/// A chart: its title, unit and series over a window of `span_seconds`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    /// Title.
    pub title: String,
    /// The window's length.
    pub span_seconds: f64,
    /// The series.
    pub series: Vec<Series>,
}

/// Seconds since 1970 of an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SS[.fff]Z`, if it is one.
pub fn epoch_seconds(rfc3339: &str) -> Option<f64> {
    let b = rfc3339.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' || !rfc3339.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| rfc3339.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (h, mi, s) = (n(11..13)?, n(14..16)?, n(17..19)?);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let frac = rfc3339
        .get(19..rfc3339.len() - 1)
        .and_then(|f| f.strip_prefix('.'))
        .and_then(|f| format!("0.{f}").parse::<f64>().ok())
        .unwrap_or(0.0);
    Some((days * 86_400 + h * 3600 + mi * 60 + s) as f64 + frac)
}

/// The most points a series of a sampled chart has, whatever the window and however
/// many samples it holds (a chart is about 600 pixels wide): the window is cut into this
/// many equal spans and each span is drawn as one point.
pub const MAX_POINTS: usize = 180;

/// `points` (time order, times within `0..=span_seconds`) with at most [`MAX_POINTS`]:
/// the points of each of [`MAX_POINTS`] equal spans of the window become one, at the
/// span's last time with its highest value, so that a peak is never smoothed away.
pub fn downsample(points: &[(f64, f64)], span_seconds: f64) -> Vec<(f64, f64)> {
    let width = span_seconds / MAX_POINTS as f64;
    let span_of = |t: f64| {
        if width > 0.0 {
            ((t / width) as usize).min(MAX_POINTS - 1)
        } else {
            0
        }
    };
    let mut out: Vec<(usize, (f64, f64))> = Vec::new();
    for &(t, v) in points {
        let span = span_of(t);
        match out.last_mut() {
            Some((last, point)) if *last == span => *point = (t, point.1.max(v)),
            _ => out.push((span, (t, v))),
        }
    }
    out.into_iter().map(|(_, p)| p).collect()
}

/// The charts of `samples` (time order) taken within `span_seconds` before `now`
/// (RFC 3339): the compute environment's vCPUs, the group's instances, the cluster's
/// tasks and the provider's reservation, each series [`downsample`]d; a chart without
/// data is left out.
pub fn charts(samples: &[CapacitySample], now: &str, span_seconds: f64) -> Vec<ChartData> {
    let Some(end) = epoch_seconds(now) else {
        return Vec::new();
    };
    let start = end - span_seconds;
    let timed: Vec<(f64, &CapacitySample)> = samples
        .iter()
        .filter_map(|s| epoch_seconds(&s.at).map(|t| (t - start, s)))
        .filter(|(t, _)| (0.0..=span_seconds).contains(t))
        .collect();
    let series = |name: &str, value: &dyn Fn(&CapacitySample) -> Option<u32>| {
        let points: Vec<(f64, f64)> = timed
            .iter()
            .filter_map(|(t, s)| value(s).map(|v| (*t, f64::from(v))))
            .collect();
        Series {
            name: name.to_owned(),
            points: downsample(&points, span_seconds),
        }
    };
    let chart = |title: &str, series: Vec<Series>| ChartData {
        title: title.to_owned(),
        span_seconds,
        series: series
            .into_iter()
            .filter(|s| !s.points.is_empty())
            .collect(),
    };
    let ce = |f: fn(&ComputeEnvironmentCapacity) -> u32| {
        move |s: &CapacitySample| s.compute_environment.as_ref().map(f)
    };
    let group = |f: fn(&GroupCapacity) -> u32| move |s: &CapacitySample| s.group.as_ref().map(f);
    let cluster =
        |f: fn(&ClusterCapacity) -> u32| move |s: &CapacitySample| s.cluster.as_ref().map(f);
    vec![
        chart(
            "Compute environment vCPUs",
            vec![
                series("desired", &ce(|c| c.desired_vcpus)),
                series("max", &ce(|c| c.max_vcpus)),
            ],
        ),
        chart(
            "Auto Scaling group instances",
            vec![
                series("desired", &group(|g| g.desired)),
                series("in service", &group(|g| g.in_service)),
                series("pending", &group(|g| g.pending)),
            ],
        ),
        chart(
            "Cluster tasks",
            vec![
                series("running", &cluster(|c| c.running_tasks)),
                series("pending", &cluster(|c| c.pending_tasks)),
            ],
        ),
        chart(
            "Capacity provider reservation (%)",
            vec![
                series("reservation", &|s: &CapacitySample| {
                    s.provider.as_ref().map(|p| p.reservation)
                }),
                series("target", &|s: &CapacitySample| {
                    s.provider.as_ref().map(|p| p.target_capacity)
                }),
            ],
        ),
    ]
    .into_iter()
    .filter(|c| !c.series.is_empty())
    .collect()
}

/// When a task or a job was created, started and stopped (RFC 3339), as far as known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifetime {
    /// Created (submitted) at.
    pub created: Option<String>,
    /// Started at.
    pub started: Option<String>,
    /// Stopped at.
    pub stopped: Option<String>,
}

/// The `p`-th percentile (0-100) of `sorted` values, by nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// The throughput charts of the window of `span_seconds` before `now`, in 60 buckets
/// (a minute each over an hour): tasks and jobs started and finished per minute, and
/// the p50 / p95 queue wait (started minus created, seconds) of the jobs that started
/// in each bucket. Charts without data are left out.
pub fn throughput(
    tasks: &[Lifetime],
    jobs: &[Lifetime],
    now: &str,
    span_seconds: f64,
) -> Vec<ChartData> {
    const BUCKETS: usize = 60;
    let Some(end) = epoch_seconds(now) else {
        return Vec::new();
    };
    let start = end - span_seconds;
    let width = span_seconds / BUCKETS as f64;
    // AWS's clock may run a little ahead of the console's: up to a minute after `now`
    // counts in the last bucket.
    let bucket = |at: &Option<String>| {
        let t = epoch_seconds(at.as_deref()?)? - start;
        (0.0..span_seconds + 60.0)
            .contains(&t)
            .then(|| ((t / width) as usize).min(BUCKETS - 1))
    };
    let per_minute = width / 60.0;
    let rate = |items: &[Lifetime], at: fn(&Lifetime) -> &Option<String>| {
        let mut counts = [0_u32; BUCKETS];
        for i in items {
            if let Some(b) = bucket(at(i)) {
                counts[b] += 1;
            }
        }
        counts
            .iter()
            .enumerate()
            .map(|(b, n)| ((b as f64 + 0.5) * width, f64::from(*n) / per_minute))
            .collect::<Vec<_>>()
    };
    let any = |items: &[Lifetime], at: fn(&Lifetime) -> &Option<String>| {
        items.iter().any(|i| bucket(at(i)).is_some())
    };
    let mut rates = Vec::new();
    for (name, items, at) in [
        (
            "tasks started",
            tasks,
            (|l: &Lifetime| &l.started) as fn(&Lifetime) -> &Option<String>,
        ),
        ("tasks finished", tasks, |l: &Lifetime| &l.stopped),
        ("jobs started", jobs, |l: &Lifetime| &l.started),
        ("jobs finished", jobs, |l: &Lifetime| &l.stopped),
    ] {
        if any(items, at) {
            rates.push(Series {
                name: name.into(),
                points: rate(items, at),
            });
        }
    }
    let mut waits: Vec<Vec<f64>> = vec![Vec::new(); BUCKETS];
    for j in jobs {
        if let (Some(b), Some(created), Some(started)) = (
            bucket(&j.started),
            j.created.as_deref().and_then(epoch_seconds),
            j.started.as_deref().and_then(epoch_seconds),
        ) {
            waits[b].push((started - created).max(0.0));
        }
    }
    for w in &mut waits {
        w.sort_by(f64::total_cmp);
    }
    let wait_series = |name: &str, p: f64| Series {
        name: name.into(),
        points: waits
            .iter()
            .enumerate()
            .filter_map(|(b, w)| percentile(w, p).map(|v| ((b as f64 + 0.5) * width, v)))
            .collect(),
    };
    let wait = vec![wait_series("p50", 50.0), wait_series("p95", 95.0)];
    [
        ChartData {
            title: "Tasks and jobs per minute".into(),
            span_seconds,
            series: rates,
        },
        ChartData {
            title: "Job queue wait (seconds)".into(),
            span_seconds,
            series: wait.into_iter().filter(|s| !s.points.is_empty()).collect(),
        },
    ]
    .into_iter()
    .filter(|c| !c.series.is_empty())
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(running: u32) -> InstanceLoad {
        InstanceLoad {
            running_tasks: running,
            cpu: 4096,
            memory: 16_384,
        }
    }

    #[test]
    fn reservation_follows_ecs_definition() {
        // No instances, nothing waiting: 100. No instances, tasks waiting: 200.
        assert_eq!(reservation(&[], 0, (0, 0)), 100);
        assert_eq!(reservation(&[], 0, (1024, 2048)), 200);
        // Two of four instances busy: 50.
        let four = [instance(3), instance(1), instance(0), instance(0)];
        assert_eq!(reservation(&four, 4, (0, 0)), 50);
        // Plus waiting tasks needing 3 instances' memory (40 GiB on 16 GiB instances).
        assert_eq!(reservation(&four, 4, (1024, 40_960)), 125);
        // Waiting tasks needing more CPU than memory: CPU decides.
        assert_eq!(reservation(&four, 4, (9000, 1024)), 125);
        // Instances not registered (size unknown): one more instance.
        assert_eq!(reservation(&[], 2, (512, 512)), 50);
        // All busy: 100.
        assert_eq!(reservation(&[instance(1), instance(2)], 2, (0, 0)), 100);
    }

    #[test]
    fn times_are_read_as_utc_seconds() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(epoch_seconds("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(epoch_seconds("2026-11-30T02:40:05Z"), Some(1_796_006_405.0));
        assert_eq!(
            epoch_seconds("2026-11-30T02:40:05.250Z"),
            Some(1_796_006_405.25)
        );
        assert_eq!(epoch_seconds("30/11/2026"), None);
        assert_eq!(epoch_seconds("2026-11-30T02:40:05+01:00"), None);
    }

    fn sample(at: &str, desired: u32, running: u32) -> CapacitySample {
        CapacitySample {
            at: at.into(),
            compute_environment: Some(ComputeEnvironmentCapacity {
                status: "VALID".into(),
                state: "ENABLED".into(),
                min_vcpus: 0,
                desired_vcpus: desired,
                max_vcpus: 64,
            }),
            group: None,
            provider: None,
            cluster: Some(ClusterCapacity {
                running_tasks: running,
                ..ClusterCapacity::default()
            }),
        }
    }

    #[test]
    fn charts_keep_the_window_and_leave_out_what_has_no_data() {
        let samples = [
            sample("2026-11-30T00:30:00Z", 99, 99), // more than an hour before: out
            sample("2026-11-30T01:50:00Z", 4, 2),
            sample("2026-11-30T02:20:00Z", 8, 5),
        ];
        let charts = charts(&samples, "2026-11-30T02:40:00Z", 3600.0);
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Compute environment vCPUs", "Cluster tasks"]);
        let desired = &charts[0].series[0];
        assert_eq!(desired.name, "desired");
        assert_eq!(desired.points, vec![(600.0, 4.0), (2400.0, 8.0)]);
        assert_eq!(charts[1].series.len(), 2);
        assert_eq!(
            charts[1].series[0].points,
            vec![(600.0, 2.0), (2400.0, 5.0)]
        );
    }

    #[test]
    fn a_window_of_many_samples_is_drawn_in_at_most_max_points_keeping_peaks() {
        // A sample every second for an hour (what a busy view used to keep): 3,600.
        let samples: Vec<CapacitySample> = (0..3600)
            .map(|s| {
                let at = format!("2026-11-30T01:{:02}:{:02}Z", s / 60, s % 60);
                // One peak of 40 vCPUs at 01:30:07, 4 otherwise.
                sample(&at, if s == 1807 { 40 } else { 4 }, 1)
            })
            .collect();
        let charts = charts(&samples, "2026-11-30T02:00:00Z", 3600.0);
        let desired = &charts[0].series[0].points;
        assert_eq!(desired.len(), MAX_POINTS);
        assert_eq!(desired.iter().filter(|p| p.1 == 40.0).count(), 1);
        // Twenty seconds a span: the peak's span ends at its last sample, 01:30:19.
        assert!(desired.contains(&(1819.0, 40.0)), "{desired:?}");
        assert_eq!(desired.last(), Some(&(3599.0, 4.0)));
    }

    // proptest is a dev-dependency of native builds only (the WASM run of the suite
    // has none).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;

        proptest::proptest! {
            #[test]
            fn downsampling_bounds_the_points_and_keeps_order_and_the_maximum(
                mut times in proptest::collection::vec(0.0..=86_400.0_f64, 0..2000),
                values in proptest::collection::vec(0.0..1000.0_f64, 2000),
                span in proptest::sample::select(vec![3600.0, 86_400.0]),
            ) {
                times.retain(|t| *t <= span);
                times.sort_by(f64::total_cmp);
                let points: Vec<(f64, f64)> = times.iter().copied().zip(values).collect();
                let out = downsample(&points, span);
                proptest::prop_assert!(out.len() <= MAX_POINTS);
                proptest::prop_assert_eq!(out.is_empty(), points.is_empty());
                proptest::prop_assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
                let max = |p: &[(f64, f64)]| p.iter().map(|p| p.1).fold(f64::MIN, f64::max);
                proptest::prop_assert_eq!(max(&out), max(&points));
                // Every point out is a time and a value that was in.
                for (t, v) in &out {
                    proptest::prop_assert!(points.iter().any(|p| p.0 == *t));
                    proptest::prop_assert!(points.iter().any(|p| p.1 == *v));
                }
                if points.len() <= MAX_POINTS && points.windows(2).all(|w| {
                    (w[0].0 / (span / MAX_POINTS as f64)) as usize
                        != (w[1].0 / (span / MAX_POINTS as f64)) as usize
                }) {
                    proptest::prop_assert_eq!(&out, &points);
                }
            }
        }
    }

    fn life(created: &str, started: &str, stopped: &str) -> Lifetime {
        let t = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Lifetime {
            created: t(created),
            started: t(started),
            stopped: t(stopped),
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(10.0));
        assert_eq!(percentile(&v, 95.0), Some(19.0));
        assert_eq!(percentile(&v, 100.0), Some(20.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn throughput_counts_per_minute_and_waits_per_bucket() {
        let now = "2026-11-30T03:00:00Z";
        let jobs = [
            // Started in the minute 02:10: waited 30 s and 90 s.
            life(
                "2026-11-30T02:09:40Z",
                "2026-11-30T02:10:10Z",
                "2026-11-30T02:12:00Z",
            ),
            life("2026-11-30T02:08:50Z", "2026-11-30T02:10:20Z", ""),
            // Before the window: left out.
            life(
                "2026-11-30T01:00:00Z",
                "2026-11-30T01:30:00Z",
                "2026-11-30T01:40:00Z",
            ),
            // Submitted, not started.
            life("2026-11-30T02:59:00Z", "", ""),
            // AWS's clock a little ahead: the last bucket.
            life("2026-11-30T02:59:59Z", "2026-11-30T03:00:00.500Z", ""),
        ];
        let tasks = [life("", "2026-11-30T02:10:30Z", "")];
        let charts = throughput(&tasks, &jobs, now, 3600.0);
        assert_eq!(charts.len(), 2);
        let rates = &charts[0];
        let names: Vec<&str> = rates.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["tasks started", "jobs started", "jobs finished"]);
        // Bucket 10 is 02:10 (midpoint 630 s into the window).
        assert_eq!(rates.series[1].points[10], (630.0, 2.0));
        assert_eq!(rates.series[0].points[10], (630.0, 1.0));
        assert_eq!(rates.series[2].points[12], (750.0, 1.0));
        assert_eq!(rates.series[1].points[59], (3570.0, 1.0));
        assert_eq!(rates.series[1].points.iter().map(|p| p.1).sum::<f64>(), 3.0);
        let wait = &charts[1];
        assert_eq!(wait.series[0].points, vec![(630.0, 30.0), (3570.0, 1.5)]);
        assert_eq!(wait.series[1].points, vec![(630.0, 90.0), (3570.0, 1.5)]);
        // A day: 24-minute buckets, rates still per minute.
        let day = throughput(&tasks, &jobs, now, 86_400.0);
        let started = &day[0].series[1];
        let total: f64 = started.points.iter().map(|p| p.1 * 24.0).sum();
        assert_eq!(total, 4.0);
        assert!(throughput(&[], &[], now, 3600.0).is_empty());
    }
}
