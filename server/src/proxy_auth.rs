//! Single sign-on through a trusted proxy: the user named in the configured header is
//! believed only when the request comes from a configured proxy address.

use std::net::SocketAddr;
use std::sync::Arc;

use app::api::ssr::ProxyIdentity;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The proxy's header and addresses.
#[derive(Clone, Debug)]
pub struct TrustedProxy {
    /// The header that names the user.
    pub header: HeaderName,
    /// Where the header is believed from.
    pub networks: Arc<Vec<IpNet>>,
}

/// The longest user name a proxy may assert.
const MAX_NAME: usize = 128;

/// Turns the proxy's header into a [`ProxyIdentity`] for requests from a trusted proxy
/// with a usable name; the header is ignored (and logged) from anywhere else.
pub async fn identify(State(proxy): State<TrustedProxy>, mut req: Request, next: Next) -> Response {
    req.extensions_mut().remove::<ProxyIdentity>();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let asserted = req
        .headers()
        .get(&proxy.header)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|name| !name.is_empty());
    if let Some(name) = asserted {
        let trusted = peer.is_some_and(|ip| proxy.networks.iter().any(|n| n.contains(&ip)));
        let usable = name.chars().count() <= MAX_NAME && !name.chars().any(char::is_control);
        match (trusted, usable) {
            (true, true) => {
                let identity = ProxyIdentity(name.to_owned());
                req.extensions_mut().insert(identity);
            }
            (false, _) => tracing::warn!(
                peer = ?peer,
                header = %proxy.header,
                "ignored an identity header from an untrusted address"
            ),
            (true, false) => tracing::warn!("ignored an unusable user name from the proxy"),
        }
    }
    next.run(req).await
}
