//! The server-side SSRF guard: URLs submitted to the server (targets, spec URLs) may
//! reach only public addresses unless the operator opts in with `--allow-target`.
//!
//! Denied by default: loopback, unspecified, private (RFC 1918), link-local (the cloud
//! metadata address 169.254.169.254 included), CGNAT (100.64.0.0/10), "this network"
//! (0.0.0.0/8), benchmarking, documentation and reserved ranges, broadcast, multicast,
//! IPv6 unique-local, link-local, site-local and multicast, IPv6 forms that embed an
//! IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo), and the server's
//! own listener whatever is allowed.
//!
//! A host name is resolved once, by [`Guard`]'s resolver; every address it returns is
//! vetted, and the HTTP client connects only to those addresses (no second lookup, so
//! no DNS-rebinding window). IP literals never reach a resolver: [`Guard::vet_url`]
//! checks them, and the engine calls it for every request and every redirect hop. The
//! numeric IPv4 forms (`2130706433`, `0177.0.0.1`, `0x7f.1`) are literals too: the URL
//! parser turns them into the dotted address before the guard sees them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use url::{Host, Url};

/// One `--allow-target`: a CIDR range (or one address) or a host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow {
    Net { addr: IpAddr, prefix: u8 },
    Host(String),
}

impl std::str::FromStr for Allow {
    type Err = String;

    fn from_str(s: &str) -> Result<Allow, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty --allow-target".into());
        }
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (s, None),
        };
        let ip_text = ip.trim_start_matches('[').trim_end_matches(']');
        if let Ok(addr) = ip_text.parse::<IpAddr>() {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix =
                match prefix {
                    Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                        format!("--allow-target {s}: the prefix must be 0..={max}")
                    })?,
                    None => max,
                };
            return Ok(Allow::Net { addr, prefix });
        }
        if prefix.is_some() {
            return Err(format!("--allow-target {s}: not an IP range"));
        }
        let valid = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return Err(format!(
                "--allow-target {s}: expected a CIDR range, an IP address or a host name"
            ));
        }
        Ok(Allow::Host(s.trim_end_matches('.').to_ascii_lowercase()))
    }
}

impl Allow {
    fn contains(&self, ip: IpAddr) -> bool {
        let Allow::Net { addr, prefix } = self else {
            return false;
        };
        match (addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                u32::from(*net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                u128::from(*net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Why an address is denied by default, if it is.
pub fn denied_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => denied_v4(v4),
        IpAddr::V6(v6) => denied_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn denied_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let table: &[([u8; 4], u32, &'static str)] = &[
        ([0, 0, 0, 0], 8, "unspecified (\"this network\")"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([10, 0, 0, 0], 8, "private (RFC 1918)"),
        ([172, 16, 0, 0], 12, "private (RFC 1918)"),
        ([192, 168, 0, 0], 16, "private (RFC 1918)"),
        ([169, 254, 0, 0], 16, "link-local (cloud metadata)"),
        ([100, 64, 0, 0], 10, "carrier-grade NAT (RFC 6598)"),
        ([192, 0, 0, 0], 24, "IETF protocol assignments"),
        ([192, 0, 2, 0], 24, "documentation"),
        ([198, 51, 100, 0], 24, "documentation"),
        ([203, 0, 113, 0], 24, "documentation"),
        ([198, 18, 0, 0], 15, "benchmarking"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([240, 0, 0, 0], 4, "reserved (and broadcast)"),
    ];
    table
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, why)| *why)
}

fn denied_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    if ip.to_ipv4_mapped().is_some() {
        return Some("IPv4-mapped IPv6 (embeds an IPv4 address)");
    }
    // ::/96 (IPv4-compatible, deprecated) minus :: and ::1 handled above.
    if bits >> 32 == 0 {
        return Some("IPv4-compatible IPv6 (embeds an IPv4 address)");
    }
    let prefixed = |net: u128, prefix: u32| {
        let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
        bits & mask == net & mask
    };
    let table: &[(u128, u32, &'static str)] = &[
        (0x0064_ff9b << 96, 96, "NAT64 (embeds an IPv4 address)"),
        (
            0x0064_ff9b_0001 << 80,
            48,
            "NAT64 local-use (embeds an IPv4 address)",
        ),
        (0x2002 << 112, 16, "6to4 (embeds an IPv4 address)"),
        (0x2001_0000 << 96, 32, "Teredo (embeds an IPv4 address)"),
        (0x2001_0db8 << 96, 32, "documentation"),
        (0x0100 << 112, 64, "discard-only"),
        (0xfc00 << 112, 7, "unique local (private)"),
        (0xfe80 << 112, 10, "link-local"),
        (0xfec0 << 112, 10, "site-local (deprecated private)"),
        (0xff00 << 112, 8, "multicast"),
    ];
    table
        .iter()
        .find(|(net, prefix, _)| prefixed(*net, *prefix))
        .map(|(_, _, why)| *why)
}

/// The guard: the operator's allow-list and the server's own listener.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allow: Vec<Allow>,
    /// The server's own listening address; never a destination.
    own: Option<SocketAddr>,
    /// `--only-allowed-targets`: an address outside `allow` is refused even when it is
    /// public.
    only_allowed: bool,
}

impl Guard {
    pub fn new(allow: Vec<Allow>) -> Guard {
        Guard {
            allow,
            own: None,
            only_allowed: false,
        }
    }

    /// With `true`, only what the allow-list names may be reached (`--only-allowed-targets`).
    pub fn only_allowed(mut self, only: bool) -> Guard {
        self.only_allowed = only;
        self
    }

    /// The server listens here: no scan may reach it, whatever is allowed.
    pub fn with_own_listener(mut self, addr: SocketAddr) -> Guard {
        self.own = Some(addr);
        self
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allow
            .iter()
            .any(|a| matches!(a, Allow::Host(h) if *h == host))
    }

    /// Whether an address may be contacted: allowed explicitly, or in no denied class.
    /// IPv4-mapped addresses are judged as the IPv4 address they carry when the
    /// operator allowed that IPv4 range.
    pub fn vet_ip(&self, ip: IpAddr) -> Result<(), String> {
        let canonical = ip.to_canonical();
        if self
            .allow
            .iter()
            .any(|a| a.contains(ip) || a.contains(canonical))
        {
            return Ok(());
        }
        match denied_class(ip) {
            Some(class) => Err(format!(
                "{ip} is a {class} address (allow it with --allow-target)"
            )),
            None if self.only_allowed => Err(format!(
                "{ip} is not in --allow-target (the server runs with --only-allowed-targets)"
            )),
            None => Ok(()),
        }
    }

    fn is_own(&self, ip: IpAddr, port: u16) -> bool {
        let Some(own) = self.own else { return false };
        if own.port() != port {
            return false;
        }
        let ip = ip.to_canonical();
        ip == own.ip().to_canonical()
            || ip.is_loopback()
            || ip.is_unspecified()
            || own.ip().is_unspecified()
    }

    /// Vets a URL before a request: the scheme, an IP literal host, the server's own
    /// listener. A host name passes here if it is allowed by name or not yet known;
    /// its addresses are vetted when it is resolved ([`Guard::resolver`]).
    pub fn vet_url(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("the scheme {} is not http(s)", url.scheme()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("URLs with credentials are refused".into());
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| "the URL has no port".to_string())?;
        match url.host() {
            Some(Host::Ipv4(ip)) => self.vet_addr(IpAddr::V4(ip), port),
            Some(Host::Ipv6(ip)) => self.vet_addr(IpAddr::V6(ip), port),
            Some(Host::Domain(name)) => {
                if name.is_empty() {
                    return Err("the URL has no host".into());
                }
                self.vet_name(name)?;
                self.vet_name_on_own_port(name, port)
            }
            None => Err("the URL has no host".into()),
        }
    }

    /// With `--only-allowed-targets`, a host name must be allowed by name: other names
    /// are not even looked up (a lookup is itself a request that leaves the machine).
    fn vet_name(&self, host: &str) -> Result<(), String> {
        if self.only_allowed && !self.host_allowed(host) {
            return Err(format!(
                "{host} is not in --allow-target (the server runs with --only-allowed-targets: \
                 allow the name with --allow-target {host}; other names are not looked up)"
            ));
        }
        Ok(())
    }

    /// The HTTP client's resolver learns a name but not the port, so it cannot tell a
    /// name that leads to this server's own listener from one that leads to another
    /// service on the same address. Here the port is known: a name on the listener's
    /// port is looked up now, and refused if any of its addresses is the listener's.
    /// (Only for that port, so other URLs cost no extra lookup.)
    fn vet_name_on_own_port(&self, host: &str, port: u16) -> Result<(), String> {
        let Some(own) = self.own else { return Ok(()) };
        if own.port() != port {
            return Ok(());
        }
        use std::net::ToSocketAddrs;
        let addrs = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("{host} could not be resolved: {e}"))?;
        for a in addrs {
            if self.is_own(a.ip(), port) {
                return Err(format!("{host} resolves to this server's own listener"));
            }
        }
        Ok(())
    }

    fn vet_addr(&self, ip: IpAddr, port: u16) -> Result<(), String> {
        if self.is_own(ip, port) {
            return Err(format!("{ip}:{port} is this server's own listener"));
        }
        self.vet_ip(ip)
    }

    /// Resolves `host` once and vets every address: all of them must pass, or the
    /// name is refused (a name that resolves to a denied address is denied). A name
    /// the operator allowed by name passes with whatever it resolves to.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        self.vet_name(host)?;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("{host} could not be resolved: {e}"))?
            .collect();
        if addrs.is_empty() {
            return Err(format!("{host} resolves to no address"));
        }
        let by_name = self.host_allowed(host);
        for a in &addrs {
            if self.is_own(a.ip(), port) && port != 0 {
                return Err(format!("{host} resolves to this server's own listener"));
            }
            if !by_name {
                self.vet_ip(a.ip())
                    .map_err(|why| format!("{host} resolves to {why}"))?;
            }
        }
        Ok(addrs)
    }

    /// The guard as the scan engine's destination policy.
    pub fn policy(self) -> tollgate_scan::engine::Destinations {
        tollgate_scan::engine::Destinations(Arc::new(self))
    }
}

impl tollgate_scan::engine::DestinationPolicy for Guard {
    fn vet(&self, url: &Url) -> Result<(), String> {
        self.vet_url(url)
    }

    fn resolver(&self) -> Arc<dyn reqwest::dns::Resolve> {
        Arc::new(GuardResolver(self.clone()))
    }
}

/// The HTTP client's resolver: every address vetted, only vetted addresses returned.
#[derive(Debug)]
struct GuardResolver(Guard);

impl reqwest::dns::Resolve for GuardResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            // The connector sets the port; 0 here.
            let addrs = guard
                .resolve(&host, 0)
                .await
                .map_err(|why| -> Box<dyn std::error::Error + Send + Sync> { why.into() })?;
            let iter: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(iter)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn guard(allow: &[&str]) -> Guard {
        Guard::new(allow.iter().map(|a| a.parse().expect("allow")).collect())
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    /// Each denied class, by default denied and allowed through `--allow-target`.
    #[test]
    fn the_denied_classes_table() {
        let table: &[(&str, &str, &str)] = &[
            // (URL, class named in the refusal, an --allow-target that admits it)
            ("http://127.0.0.1:8080/", "loopback", "127.0.0.1"),
            ("http://127.9.9.9/", "loopback", "127.0.0.0/8"),
            ("http://[::1]/", "loopback", "::1"),
            ("http://0.0.0.0/", "unspecified", "0.0.0.0/8"),
            ("http://[::]/", "unspecified", "::/128"),
            ("http://10.1.2.3/", "private", "10.0.0.0/8"),
            ("http://172.16.5.4/", "private", "172.16.0.0/12"),
            ("http://172.31.255.255/", "private", "172.16.0.0/12"),
            ("http://192.168.1.1/", "private", "192.168.0.0/16"),
            (
                "http://169.254.169.254/latest/meta-data/",
                "link-local",
                "169.254.169.254",
            ),
            ("http://100.64.0.1/", "carrier-grade NAT", "100.64.0.0/10"),
            (
                "http://100.127.255.254/",
                "carrier-grade NAT",
                "100.64.0.0/10",
            ),
            ("http://224.0.0.1/", "multicast", "224.0.0.0/4"),
            ("http://255.255.255.255/", "broadcast", "255.255.255.255"),
            ("http://[fd00:ec2::254]/", "unique local", "fc00::/7"),
            ("http://[fe80::1]/", "link-local", "fe80::/10"),
            ("http://[ff02::1]/", "multicast", "ff00::/8"),
            // IPv6 forms that embed an IPv4 address.
            ("http://[::ffff:127.0.0.1]/", "IPv4-mapped", "127.0.0.1"),
            (
                "http://[::ffff:a9fe:a9fe]/",
                "IPv4-mapped",
                "169.254.0.0/16",
            ),
            ("http://[::127.0.0.1]/", "IPv4-compatible", "::/96"),
            ("http://[64:ff9b::7f00:1]/", "NAT64", "64:ff9b::/96"),
            ("http://[2002:7f00:1::]/", "6to4", "2002::/16"),
            ("http://[2001:0:4136:e378::1]/", "Teredo", "2001::/32"),
            // Decimal, octal and hexadecimal IPv4 forms are loopback too.
            ("http://2130706433/", "loopback", "127.0.0.1"),
            ("http://0177.0.0.1/", "loopback", "127.0.0.1"),
            ("http://0x7f.1/", "loopback", "127.0.0.1"),
            ("http://017700000001/", "loopback", "127.0.0.1"),
            (
                "http://0251.0376.0251.0376/",
                "link-local",
                "169.254.169.254",
            ),
        ];
        for (u, class, allow) in table {
            let denied = guard(&[]).vet_url(&url(u)).expect_err(u);
            assert!(denied.contains(class), "{u}: {denied}");
            assert!(
                guard(&[allow]).vet_url(&url(u)).is_ok(),
                "{u} is allowed with --allow-target {allow}"
            );
        }
    }

    #[test]
    fn public_literals_pass_and_other_schemes_do_not() {
        let g = guard(&[]);
        assert!(g.vet_url(&url("https://93.184.216.34/")).is_ok());
        assert!(g.vet_url(&url("http://[2606:4700::1111]/")).is_ok());
        assert!(g.vet_url(&url("file:///etc/passwd")).is_err());
        assert!(g.vet_url(&url("gopher://93.184.216.34/")).is_err());
        assert!(g.vet_url(&url("http://user:pw@93.184.216.34/")).is_err());
    }

    #[test]
    fn the_servers_own_listener_is_refused_even_when_loopback_is_allowed() {
        let own: SocketAddr = "127.0.0.1:7777".parse().expect("addr");
        let g = guard(&["127.0.0.0/8", "::1"]).with_own_listener(own);
        assert!(g
            .vet_url(&url("http://127.0.0.1:7777/api/v1/keys"))
            .is_err());
        assert!(g.vet_url(&url("http://127.0.0.2:7777/")).is_err());
        assert!(g.vet_url(&url("http://[::ffff:127.0.0.1]:7777/")).is_err());
        assert!(g.vet_url(&url("http://127.0.0.1:7778/")).is_ok());
    }

    /// A host name on the listener's port is looked up when the URL is vetted (the
    /// resolver does not know the port): `localhost` (from /etc/hosts; nothing leaves
    /// the machine) allowed by name is still refused on the server's own port.
    #[test]
    fn a_name_that_leads_to_the_own_listener_is_refused() {
        let own: SocketAddr = "127.0.0.1:7777".parse().expect("addr");
        let g = guard(&["localhost", "127.0.0.1"]).with_own_listener(own);
        let why = g
            .vet_url(&url("http://localhost:7777/api/v1/keys"))
            .expect_err("own listener by name");
        assert!(why.contains("own listener"), "{why}");
        assert!(g.vet_url(&url("http://localhost:7778/")).is_ok());
        // Without a listener (the CLI, `tollgate worker`) nothing is looked up here.
        assert!(guard(&["localhost"])
            .vet_url(&url("http://localhost:7777/"))
            .is_ok());
    }

    #[test]
    fn allow_target_parses_ranges_addresses_and_names() {
        assert_eq!(
            "10.0.0.0/8".parse::<Allow>(),
            Ok(Allow::Net {
                addr: "10.0.0.0".parse().expect("ip"),
                prefix: 8
            })
        );
        assert!("10.0.0.0/33".parse::<Allow>().is_err());
        assert!("a b".parse::<Allow>().is_err());
        assert_eq!(
            "Staging.Internal.".parse::<Allow>(),
            Ok(Allow::Host("staging.internal".into()))
        );
        assert!(guard(&["10.0.0.0/8"])
            .vet_url(&url("http://11.0.0.1/"))
            .is_ok());
        assert!(guard(&["10.1.0.0/16"])
            .vet_url(&url("http://10.2.0.1/"))
            .is_err());
    }

    /// `--only-allowed-targets`: public addresses are refused too; allowed ranges and
    /// host names still pass, and the denied classes keep their own reasons.
    #[test]
    fn only_allowed_targets_refuses_public_addresses() {
        let g = guard(&["127.0.0.1", "10.0.0.0/8"]).only_allowed(true);
        for public in [
            "https://93.184.216.34/",
            "http://[2606:4700::1111]/",
            "http://8.8.8.8:53/",
        ] {
            let why = g.vet_url(&url(public)).expect_err(public);
            assert!(why.contains("--only-allowed-targets"), "{public}: {why}");
        }
        let why = g.vet_url(&url("http://192.168.1.1/")).expect_err("private");
        assert!(why.contains("private"), "{why}");
        assert!(g.vet_url(&url("http://127.0.0.1:9/")).is_ok());
        assert!(g.vet_url(&url("http://10.9.8.7/")).is_ok());
        assert!(g.vet_url(&url("http://[::ffff:10.1.1.1]/")).is_ok());
        // Without the flag, public addresses pass as before.
        assert!(guard(&["127.0.0.1"])
            .vet_url(&url("https://93.184.216.34/"))
            .is_ok());
    }

    /// A host name passes only when it is allowed by name; other names are refused
    /// before any lookup, even when they would resolve to an allowed address.
    #[tokio::test]
    async fn only_allowed_targets_looks_up_allowed_names_only() {
        let by_name = guard(&["localhost"]).only_allowed(true);
        assert!(by_name.vet_url(&url("http://localhost:8000/")).is_ok());
        assert!(by_name.resolve("localhost", 80).await.is_ok());
        let by_range = guard(&["127.0.0.0/8", "::1"]).only_allowed(true);
        let why = by_range
            .vet_url(&url("http://localhost:8000/"))
            .expect_err("not allowed by name");
        assert!(why.contains("not looked up"), "{why}");
        let why = by_range
            .resolve("example.com", 443)
            .await
            .expect_err("no lookup");
        assert!(why.contains("--allow-target example.com"), "{why}");
    }

    /// `localhost` resolves on this machine without any DNS server: a name that
    /// resolves to loopback is refused unless loopback or the name is allowed.
    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_denied_unless_allowed() {
        let denied = guard(&[])
            .resolve("localhost", 80)
            .await
            .expect_err("denied");
        assert!(denied.contains("loopback"), "{denied}");
        assert!(guard(&["localhost"]).resolve("localhost", 80).await.is_ok());
        assert!(guard(&["127.0.0.0/8", "::1"])
            .resolve("localhost", 80)
            .await
            .is_ok());
    }
}
