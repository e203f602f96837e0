//! Command-line flags and environment variables of the console server.

use std::path::PathBuf;

use std::net::IpAddr;

use clap::{Parser, ValueEnum};
use ipnet::IpNet;

/// Which AWS the console talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AwsMode {
    /// Real AWS when the standard credential chain finds credentials, else the emulator.
    Auto,
    /// Real AWS through the standard credential chain (env, profile, SSO, instance role).
    Real,
    /// The local AWS emulator (moto server), started as a child process unless
    /// `--aws-endpoint-url` points at a running one.
    Emulator,
}

/// Where the console learns who the user is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// Local accounts with passwords.
    Local,
    /// Single sign-on: a trusted proxy (oauth2-proxy, an ALB with OIDC...) names the user
    /// in `--proxy-user-header`; accepted only from `--trusted-proxies`.
    Proxy,
}

/// An IP network (`10.0.0.0/8`) or a single address (`10.0.0.5`).
fn parse_network(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{value} is neither an IP address nor a network like 10.0.0.0/8"))
}

/// The batch-inference console server.
#[derive(Clone, Debug, Parser)]
#[command(version, about)]
pub struct Config {
    /// Leptos runtime options file (site address, site root, pkg dir, output name).
    #[arg(long, env = "CONSOLE_LEPTOS_CONFIG", default_value = "Leptos.toml")]
    pub leptos_config: PathBuf,

    /// Database URL; SQLite is the embedded default (the file is created if missing).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/console.db")]
    pub database_url: String,

    /// Which AWS to talk to.
    #[arg(long, env = "CONSOLE_AWS", value_enum, default_value_t = AwsMode::Auto)]
    pub aws: AwsMode,

    /// Endpoint of an already running AWS emulator (implies `--aws emulator`).
    #[arg(long, env = "CONSOLE_AWS_ENDPOINT_URL")]
    pub aws_endpoint_url: Option<String>,

    /// The moto server executable started in emulator mode.
    #[arg(
        long,
        env = "CONSOLE_MOTO_SERVER",
        default_value = ".venv/bin/moto_server"
    )]
    pub moto_server: PathBuf,

    /// Region of the identity check and the one forms offer first (default: the AWS
    /// configuration's region, else us-east-1).
    #[arg(long, env = "CONSOLE_DEFAULT_REGION")]
    pub default_region: Option<String>,

    /// Mark the session cookie `Secure` (set this behind TLS).
    #[arg(long, env = "CONSOLE_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// At shutdown, seconds to wait for running applies and destroys to stop at their
    /// next journalled point (normally the AWS call in flight).
    #[arg(long, env = "CONSOLE_DRAIN_SECONDS", default_value_t = 30)]
    pub drain_seconds: u64,

    /// Seconds between two capacity samples of every applied environment (the capacity
    /// view's charts); 0 turns the sampler off (the view still samples when opened).
    #[arg(long, env = "CONSOLE_CAPACITY_SAMPLE_SECONDS", default_value_t = 60)]
    pub capacity_sample_seconds: u64,

    /// A capacity view keeps what it read as a sample only when the newest kept sample
    /// of the environment is older than this many seconds: however many people watch,
    /// views add at most one sample per period.
    #[arg(
        long,
        env = "CONSOLE_CAPACITY_VIEW_SAMPLE_SECONDS",
        default_value_t = 60
    )]
    pub capacity_view_sample_seconds: u64,

    /// Requests a minute each personal API token may make to `/api/v1` (in bursts of as
    /// many); beyond it the API answers 429 with Retry-After.
    #[arg(long, env = "CONSOLE_API_REQUESTS_PER_MINUTE", default_value_t = 600)]
    pub api_requests_per_minute: u32,

    /// A price table (JSON, the format of `server/prices/aws-prices.json`) replacing the
    /// one shipped with the console, for the review page's cost estimate.
    #[arg(long, env = "CONSOLE_PRICE_TABLE")]
    pub price_table: Option<PathBuf>,

    /// Seconds without a request after which a session expires (a session in use is
    /// saved again every tenth of this, at most every five minutes).
    #[arg(
        long,
        env = "CONSOLE_SESSION_IDLE_SECONDS",
        default_value_t = 7 * 24 * 3600,
        value_parser = clap::value_parser!(i64).range(1..)
    )]
    pub session_idle_seconds: i64,

    /// Where identities come from: local accounts, or a single sign-on proxy.
    #[arg(long, env = "CONSOLE_AUTH", value_enum, default_value_t = AuthArg::Local)]
    pub auth: AuthArg,

    /// In proxy mode, the request header that names the user (e.g. `X-Forwarded-Email`
    /// from oauth2-proxy, `X-Amzn-Oidc-Identity` from an ALB).
    #[arg(
        long,
        env = "CONSOLE_PROXY_USER_HEADER",
        default_value = "x-forwarded-user"
    )]
    pub proxy_user_header: String,

    /// In proxy mode, the addresses (or networks) of the proxies whose header is believed;
    /// from any other address the header is ignored. Comma-separated.
    #[arg(
        long,
        env = "CONSOLE_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_network,
        default_value = "127.0.0.1,::1"
    )]
    pub trusted_proxies: Vec<IpNet>,
}
