//! Who a request comes from, for the rate limits: the peer's address, or behind
//! trusted proxies, the rightmost address in their forwarding header that is not
//! one of them.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, header};
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// An address block such as `10.0.0.0/8` or `fd00::/8`; a bare address is a
/// block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a block did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected an address or a block such as 10.0.0.0/8 or fd00::/8, got {0:?}")]
pub struct CidrParseError(String);

impl Cidr {
    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = CidrParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || CidrParseError(text.to_owned());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network = canonical(address.parse::<IpAddr>().map_err(|_| error())?);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(error)?,
            None => max,
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The header trusted proxies name the client in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

impl FromStr for ProxyHeader {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            _ => Err(()),
        }
    }
}

/// Finds the client's address in a request: the rate limits' key.
///
/// Without trusted proxies it is the peer address and forwarding headers are
/// ignored (anyone can write them). When the peer is a trusted proxy, the header
/// is read from the right, each trusted hop vouching for the address before it,
/// and the first address that is not a trusted proxy is the client. IPv6 clients
/// are keyed by their /64, which one subscriber usually holds whole.
#[derive(Debug, Clone)]
pub(crate) struct ClientKeys {
    trusted: Arc<[Cidr]>,
    header: ProxyHeader,
}

impl ClientKeys {
    pub(crate) fn new(trusted: &[Cidr], header: ProxyHeader) -> Self {
        Self {
            trusted: trusted.into(),
            header,
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|block| block.contains(ip))
    }

    /// The client's address, or `None` when the server gave no peer address.
    pub(crate) fn client<T>(&self, request: &Request<T>) -> Option<IpAddr> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| canonical(addr.ip()))?;
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let hops = match self.header {
            ProxyHeader::XForwardedFor => x_forwarded_for(request.headers()),
            ProxyHeader::Forwarded => forwarded(request.headers()),
        };
        let mut client = peer;
        for hop in hops.iter().rev() {
            if !self.is_trusted(client) {
                break;
            }
            // A trusted hop vouches for the one before it; past an address it
            // could not name (`unknown`, garbage), nothing more is known.
            match hop {
                Some(ip) => client = canonical(*ip),
                None => break,
            }
        }
        Some(client)
    }
}

impl KeyExtractor for ClientKeys {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<Self::Key, GovernorError> {
        self.client(request)
            .map(per_subscriber)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The unit one subscriber holds: an IPv4 address, or an IPv6 /64.
fn per_subscriber(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

/// The hops of every `X-Forwarded-For` line, left to right (`None`: unreadable).
fn x_forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| {
            let text = value.to_str().unwrap_or("?");
            text.split(',').map(hop_address).collect::<Vec<_>>()
        })
        .collect()
}

/// The `for=` of every `Forwarded` element, left to right (`None`: unreadable,
/// `unknown` or an obfuscated name).
fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all(header::FORWARDED)
        .iter()
        .flat_map(|value| {
            let text = value.to_str().unwrap_or("for=?");
            text.split(',')
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.split_once('='))
                        .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, value)| hop_address(value))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1`, `[2001:db8::1]:4711`,
/// optionally quoted.
fn hop_address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Some(rest) = text.strip_prefix('[') {
        return rest
            .split_once(']')?
            .0
            .parse::<Ipv6Addr>()
            .ok()
            .map(IpAddr::V6);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    text.parse::<SocketAddr>().ok().map(|addr| addr.ip())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(peer: &str, headers: &[(&str, &str)]) -> Request<Body> {
        let mut request = Request::get("/").body(Body::empty()).unwrap();
        for (name, value) in headers {
            request.headers_mut().append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        request
            .extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        request
    }

    fn keys(trusted: &[&str], header: ProxyHeader) -> ClientKeys {
        let trusted: Vec<Cidr> = trusted.iter().map(|c| c.parse().unwrap()).collect();
        ClientKeys::new(&trusted, header)
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn blocks_parse_and_contain() {
        let block: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(block.contains("10.200.3.4".parse().unwrap()));
        assert!(block.contains("::ffff:10.1.1.1".parse().unwrap()));
        assert!(!block.contains("11.0.0.1".parse().unwrap()));
        assert!(!block.contains("::1".parse().unwrap()));
        let one: Cidr = "192.0.2.1".parse().unwrap();
        assert!(one.contains("192.0.2.1".parse().unwrap()));
        assert!(!one.contains("192.0.2.2".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        let everything: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains("8.8.8.8".parse().unwrap()));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "proxy.local",
            "10.0.0.0/x",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_headers_are_ignored() {
        let keys = keys(&[], ProxyHeader::XForwardedFor);
        let forged = request(
            "198.51.100.9:5000",
            &[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=1.2.3.4")],
        );
        assert_eq!(keys.client(&forged), ip("198.51.100.9"));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_even_when_proxies_are_trusted() {
        let keys = keys(&["10.0.0.0/8"], ProxyHeader::XForwardedFor);
        let forged = request("198.51.100.9:5000", &[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(keys.client(&forged), ip("198.51.100.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let keys = keys(&["10.0.0.0/8"], ProxyHeader::XForwardedFor);
        // The client wrote "6.6.6.6" itself; the proxies appended what they saw.
        let chained = request(
            "10.0.0.2:80",
            &[
                ("x-forwarded-for", "6.6.6.6, 203.0.113.7"),
                ("x-forwarded-for", "10.0.0.1"),
            ],
        );
        assert_eq!(keys.client(&chained), ip("203.0.113.7"));
        let no_header = request("10.0.0.2:80", &[]);
        assert_eq!(keys.client(&no_header), ip("10.0.0.2"));
        let garbage = request("10.0.0.2:80", &[("x-forwarded-for", "6.6.6.6, nonsense")]);
        assert_eq!(keys.client(&garbage), ip("10.0.0.2"));
        let with_port = request("10.0.0.2:80", &[("x-forwarded-for", "203.0.113.7:5555")]);
        assert_eq!(keys.client(&with_port), ip("203.0.113.7"));
    }

    #[test]
    fn the_forwarded_header_is_read_when_chosen() {
        let keys = keys(&["10.0.0.0/8", "fd00::/8"], ProxyHeader::Forwarded);
        let request = request(
            "[fd00::2]:80",
            &[
                ("x-forwarded-for", "1.2.3.4"),
                (
                    "forwarded",
                    "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https, For=10.1.1.1",
                ),
            ],
        );
        assert_eq!(keys.client(&request), ip("2001:db8:cafe::17"));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_no_peer_is_no_key() {
        let keys = keys(&[], ProxyHeader::XForwardedFor);
        let a = request("[2001:db8:1:2:aaaa::1]:1", &[]);
        let b = request("[2001:db8:1:2:bbbb::9]:1", &[]);
        assert_eq!(keys.extract(&a).unwrap(), keys.extract(&b).unwrap());
        let mapped = request("[::ffff:192.0.2.5]:1", &[]);
        assert_eq!(keys.extract(&mapped).unwrap(), ip("192.0.2.5").unwrap());
        let no_peer = Request::get("/").body(Body::empty()).unwrap();
        assert!(keys.extract(&no_peer).is_err());
    }
}
