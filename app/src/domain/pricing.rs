//! The hourly cost of an environment at its maximum size, from a price table (shipped
//! with the console, replaceable by the operator): an upper bound, shown on the review
//! page with the price each line used, its source and date.

use serde::{Deserialize, Serialize};

use super::EnvironmentSpec;
use super::spec::{AutoScalingGroupSource, ComputeType};

/// One price: an instance type (or `fargate-vcpu`, `fargate-gb`) in a region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Region code.
    pub region: String,
    /// Instance type, `fargate-vcpu` (per vCPU-hour) or `fargate-gb` (per GB-hour).
    pub item: String,
    /// The instance type's vCPUs (1 for `fargate-vcpu`).
    pub vcpus: u32,
    /// USD per hour (on-demand, Linux).
    pub usd_per_hour: f64,
    /// Where the price comes from.
    pub source: String,
    /// When it was taken (ISO date).
    pub date: String,
}

/// The price table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// What the table is, for people.
    #[serde(default)]
    pub note: String,
    /// The prices.
    pub prices: Vec<Price>,
}

impl PriceTable {
    /// Reads a table from JSON, checking each price.
    pub fn from_json(json: &str) -> Result<PriceTable, String> {
        let table: PriceTable =
            serde_json::from_str(json).map_err(|e| format!("the price table: {e}"))?;
        for p in &table.prices {
            let fargate = p.item.starts_with("fargate-");
            if !(p.usd_per_hour.is_finite() && p.usd_per_hour >= 0.0)
                || (!fargate && p.vcpus == 0)
                || p.source.trim().is_empty()
                || p.date.trim().is_empty()
            {
                return Err(format!(
                    "the price table: {} in {} needs a price of at least 0, its vCPUs, a source and a date",
                    p.item, p.region
                ));
            }
        }
        Ok(table)
    }

    fn find(&self, region: &str, item: &str) -> Option<&Price> {
        self.prices
            .iter()
            .find(|p| p.region == region && p.item == item)
    }

    /// The priced instance types of `region` that `wanted` names: exact types, or every
    /// size of a family (`c6i`).
    fn matching<'a>(&'a self, region: &str, wanted: &[String]) -> Vec<&'a Price> {
        self.prices
            .iter()
            .filter(|p| p.region == region && !p.item.starts_with("fargate-"))
            .filter(|p| {
                wanted.iter().any(|w| {
                    p.item == *w
                        || (!w.contains('.') && p.item.split('.').next() == Some(w.as_str()))
                })
            })
            .collect()
    }
}

/// One line of the estimate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostLine {
    /// What it prices, e.g. "Batch compute environment infer-ce at 64 vCPUs".
    pub what: String,
    /// USD per hour, at most.
    pub usd_per_hour: f64,
    /// How it was computed, with the prices used.
    pub basis: String,
    /// The prices' sources and dates.
    pub sources: Vec<String>,
}

/// The estimate: priced lines, their total, and what could not be priced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CostEstimate {
    /// Priced lines.
    pub lines: Vec<CostLine>,
    /// Their sum, USD per hour.
    pub total_usd_per_hour: f64,
    /// What the table has no price for (left out of the total).
    pub missing: Vec<String>,
}

fn cite(p: &Price) -> String {
    format!("{} {}: {} ({})", p.region, p.item, p.source, p.date)
}

/// The most expensive per-vCPU price among `prices` (an upper bound for a fleet that
/// may launch any of them).
fn dearest_per_vcpu<'a>(prices: &[&'a Price]) -> Option<&'a Price> {
    prices.iter().copied().max_by(|a, b| {
        (a.usd_per_hour / f64::from(a.vcpus)).total_cmp(&(b.usd_per_hour / f64::from(b.vcpus)))
    })
}

/// The hourly cost of `spec` with its compute environment at max vCPUs and its Auto
/// Scaling group at its maximum size, on-demand (Spot costs less; the estimate says so).
pub fn estimate(spec: &EnvironmentSpec, table: &PriceTable) -> CostEstimate {
    let region = spec.region.as_str();
    let mut out = CostEstimate::default();
    let ce = &spec.compute_environment;
    let spot = matches!(
        ce.compute_type,
        ComputeType::Spot | ComputeType::FargateSpot
    );
    let spot_note = if spot {
        " (Spot: at most the on-demand price)"
    } else {
        ""
    };
    let what = format!(
        "Batch compute environment {} at {} vCPUs",
        ce.name, ce.max_vcpus
    );
    match ce.compute_type {
        ComputeType::Fargate | ComputeType::FargateSpot => {
            // Memory per vCPU as the job definition asks, else 2 GB.
            let gb_per_vcpu = spec
                .job_definition
                .as_ref()
                .filter(|j| j.vcpus > 0.0)
                .map(|j| f64::from(j.memory) / 1024.0 / j.vcpus)
                .unwrap_or(2.0);
            match (
                table.find(region, "fargate-vcpu"),
                table.find(region, "fargate-gb"),
            ) {
                (Some(cpu), Some(gb)) => {
                    let vcpus = f64::from(ce.max_vcpus);
                    out.lines.push(CostLine {
                        what,
                        usd_per_hour: vcpus * cpu.usd_per_hour
                            + vcpus * gb_per_vcpu * gb.usd_per_hour,
                        basis: format!(
                            "{vcpus} vCPU x ${}/h + {} GB x ${}/h{spot_note}",
                            cpu.usd_per_hour,
                            vcpus * gb_per_vcpu,
                            gb.usd_per_hour
                        ),
                        sources: vec![cite(cpu), cite(gb)],
                    });
                }
                _ => out
                    .missing
                    .push(format!("{what}: no Fargate price for {region}")),
            }
        }
        ComputeType::Ec2 | ComputeType::Spot => {
            match dearest_per_vcpu(&table.matching(region, &ce.instance_types)) {
                Some(p) => {
                    let per_vcpu = p.usd_per_hour / f64::from(p.vcpus);
                    out.lines.push(CostLine {
                        what,
                        usd_per_hour: f64::from(ce.max_vcpus) * per_vcpu,
                        basis: format!(
                            "{} vCPU x ${per_vcpu:.5}/vCPU-h ({} at ${}/h, the dearest per vCPU of {}){spot_note}",
                            ce.max_vcpus,
                            p.item,
                            p.usd_per_hour,
                            ce.instance_types.join(", ")
                        ),
                        sources: vec![cite(p)],
                    });
                }
                None => out.missing.push(format!(
                    "{what}: no price for {} in {region}",
                    ce.instance_types.join(", ")
                )),
            }
        }
    }
    if let Some(capacity) = &spec.capacity {
        match &capacity.auto_scaling_group {
            AutoScalingGroupSource::Create(g) => {
                let what = format!(
                    "Auto Scaling group {} at {} instances",
                    g.name, g.max_size
                );
                let dearest = table
                    .matching(region, &g.instance_types)
                    .into_iter()
                    .max_by(|a, b| a.usd_per_hour.total_cmp(&b.usd_per_hour));
                match dearest {
                    Some(p) => out.lines.push(CostLine {
                        what,
                        usd_per_hour: f64::from(g.max_size) * p.usd_per_hour,
                        basis: format!(
                            "{} x {} at ${}/h (the dearest of {})",
                            g.max_size,
                            p.item,
                            p.usd_per_hour,
                            g.instance_types.join(", ")
                        ),
                        sources: vec![cite(p)],
                    }),
                    None => out.missing.push(format!(
                        "{what}: no price for {} in {region}",
                        g.instance_types.join(", ")
                    )),
                }
            }
            AutoScalingGroupSource::Existing { arn, .. } => out.missing.push(format!(
                "The existing Auto Scaling group {arn}: its instances are not the environment's to price"
            )),
        }
    }
    out.total_usd_per_hour = out.lines.iter().map(|l| l.usd_per_hour).sum();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixtures::{network, roles};
    use crate::domain::spec::presets::Preset;

    fn table() -> PriceTable {
        let price = |item: &str, vcpus, usd| Price {
            region: "us-east-1".into(),
            item: item.into(),
            vcpus,
            usd_per_hour: usd,
            source: "test".into(),
            date: "2026-06-17".into(),
        };
        PriceTable {
            note: String::new(),
            prices: vec![
                price("g5.xlarge", 4, 1.006),
                price("g5.2xlarge", 8, 1.212),
                price("c6i.large", 2, 0.085),
                price("c6i.xlarge", 4, 0.17),
                price("m6i.large", 2, 0.096),
                price("fargate-vcpu", 1, 0.04048),
                price("fargate-gb", 0, 0.004445),
            ],
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_gpu_preset_prices_its_compute_environment_and_group_at_their_maximum() {
        let spec = Preset::GpuG5.spec("infer", "us-east-1", network(), &roles());
        let e = estimate(&spec, &table());
        assert_eq!(e.lines.len(), 2, "{e:#?}");
        // 64 vCPUs at g5.xlarge's 1.006/4 per vCPU (dearer per vCPU than g5.2xlarge).
        assert!(close(e.lines[0].usd_per_hour, 64.0 * 1.006 / 4.0));
        assert!(e.lines[0].basis.contains("g5.xlarge"));
        // 8 instances of the dearest type, g5.2xlarge.
        assert!(close(e.lines[1].usd_per_hour, 8.0 * 1.212));
        assert!(close(e.total_usd_per_hour, 16.096 + 9.696));
        assert_eq!(
            e.lines[1].sources,
            ["us-east-1 g5.2xlarge: test (2026-06-17)"]
        );
        assert!(e.missing.is_empty());
    }

    #[test]
    fn fargate_uses_the_job_memory_per_vcpu_and_spot_families_are_bounded() {
        let spec = Preset::CpuFargate.spec("infer", "us-east-1", network(), &roles());
        let e = estimate(&spec, &table());
        // 64 vCPUs, 2 GB each (the job definition: 1 vCPU, 2048 MiB).
        assert!(close(
            e.total_usd_per_hour,
            64.0 * 0.04048 + 128.0 * 0.004445
        ));
        let spot = Preset::SpotBatch.spec("infer", "us-east-1", network(), &roles());
        let e = estimate(&spot, &table());
        // c6i / m6i / c7i families: the dearest priced per vCPU is m6i.large (0.048).
        assert!(close(e.total_usd_per_hour, 256.0 * 0.048), "{e:#?}");
        assert!(
            e.lines[0]
                .basis
                .contains("Spot: at most the on-demand price")
        );
    }

    #[test]
    fn what_the_table_cannot_price_is_named_not_guessed() {
        let spec = Preset::GpuG5.spec("infer", "eu-west-1", network(), &roles());
        let e = estimate(&spec, &table());
        assert!(e.lines.is_empty());
        assert_eq!(e.total_usd_per_hour, 0.0);
        assert_eq!(e.missing.len(), 2);
        assert!(e.missing[0].contains("no price for g5.xlarge, g5.2xlarge in eu-west-1"));
    }

    #[test]
    fn the_shipped_table_reads_and_bad_tables_are_refused() {
        let shipped =
            PriceTable::from_json(include_str!("../../../server/prices/aws-prices.json")).unwrap();
        assert!(shipped.prices.len() >= 10);
        let spec = Preset::GpuG5.spec("infer", "us-east-1", network(), &roles());
        assert!(estimate(&spec, &shipped).missing.is_empty());
        for bad in [
            "{",
            r#"{"prices": [{"region": "us-east-1", "item": "x.large", "vcpus": 0, "usd_per_hour": 1, "source": "s", "date": "d"}]}"#,
            r#"{"prices": [{"region": "us-east-1", "item": "x.large", "vcpus": 2, "usd_per_hour": -1, "source": "s", "date": "d"}]}"#,
            r#"{"prices": [{"region": "us-east-1", "item": "x.large", "vcpus": 2, "usd_per_hour": 1, "source": "", "date": "d"}]}"#,
        ] {
            assert!(PriceTable::from_json(bad).is_err(), "{bad}");
        }
    }
}
