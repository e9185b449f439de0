//! BGP4MP records with four-octet AS numbers (RFC 6396 §4.4, RFC 6793): what update files
//! hold.
//!
//! In: a time, the two ends of a session (the peer and the collector), and a BGP message from
//! [`super::bgp_update`] or a session state change. Out: BGP4MP_MESSAGE_AS4 (16/4) and
//! BGP4MP_STATE_CHANGE_AS4 (16/5) records appended to a buffer.

use super::mrt_header::{TYPE_BGP4MP, put_ip, record};
use std::net::IpAddr;

pub const SUB_STATE_CHANGE_AS4: u16 = 5;
pub const SUB_MESSAGE_AS4: u16 = 4;

/// BGP FSM states (RFC 4271 §8.2.2 numbering, as MRT stores them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FsmState {
    Idle = 1,
    Connect = 2,
    Active = 3,
    OpenSent = 4,
    OpenConfirm = 5,
    Established = 6,
}

/// One end of a BGP session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub asn: u32,
    pub addr: IpAddr,
}

fn afi(a: &IpAddr) -> u16 {
    if a.is_ipv4() { 1 } else { 2 }
}

/// The BGP4MP AS4 session header: peer AS, local AS, interface index, AFI, peer and local IP.
fn bgp4mp_head(peer: &Endpoint, local: &Endpoint) -> Vec<u8> {
    debug_assert_eq!(peer.addr.is_ipv4(), local.addr.is_ipv4());
    let mut b = Vec::with_capacity(48);
    b.extend(peer.asn.to_be_bytes());
    b.extend(local.asn.to_be_bytes());
    b.extend(0u16.to_be_bytes());
    b.extend(afi(&peer.addr).to_be_bytes());
    put_ip(&mut b, &peer.addr);
    put_ip(&mut b, &local.addr);
    b
}

/// A BGP4MP_MESSAGE_AS4 record carrying one BGP message received from `peer`.
pub fn bgp4mp_message(out: &mut Vec<u8>, ts: u32, peer: &Endpoint, local: &Endpoint, bgp_message: &[u8]) {
    let mut b = bgp4mp_head(peer, local);
    b.extend(bgp_message);
    record(out, ts, TYPE_BGP4MP, SUB_MESSAGE_AS4, &b);
}

/// A BGP4MP_STATE_CHANGE_AS4 record.
pub fn bgp4mp_state_change(out: &mut Vec<u8>, ts: u32, peer: &Endpoint, local: &Endpoint, old: FsmState, new: FsmState) {
    let mut b = bgp4mp_head(peer, local);
    b.extend((old as u16).to_be_bytes());
    b.extend((new as u16).to_be_bytes());
    record(out, ts, TYPE_BGP4MP, SUB_STATE_CHANGE_AS4, &b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::bgp_update::{MAX_MESSAGE, ORIGIN_IGP, ORIGIN_INCOMPLETE, Route, announce, withdraw};
    use crate::synth::mrt_header::read_back::{elems, records};
    use bgpkit_parser::models::{Bgp4MpEnum, BgpState, ElemType, MrtMessage};
    use ipnet::IpNet;

    fn peer_v4() -> Endpoint {
        Endpoint { asn: 4_200_000_604, addr: "203.0.113.14".parse().unwrap() }
    }
    fn local_v4() -> Endpoint {
        Endpoint { asn: 65500, addr: "203.0.113.254".parse().unwrap() }
    }
    fn peer_v6() -> Endpoint {
        Endpoint { asn: 64601, addr: "2001:db8:ffff::11".parse().unwrap() }
    }
    fn local_v6() -> Endpoint {
        Endpoint { asn: 65500, addr: "2001:db8:ffff::fe".parse().unwrap() }
    }

    fn route(next_hop: &str) -> Route {
        Route {
            origin: ORIGIN_IGP,
            path: vec![4_200_000_604, 65001, 65101, 64500, 64500],
            next_hop: next_hop.parse().unwrap(),
            med: Some(42),
            communities: vec![(64601 << 16) | 100],
        }
    }

    #[test]
    fn ipv4_announce_and_withdraw_read_back() {
        let mut buf = Vec::new();
        let prefixes: Vec<IpNet> = vec!["198.18.128.0/22".parse().unwrap(), "198.18.134.0/24".parse().unwrap()];
        for m in announce(&route("203.0.113.14"), &prefixes) {
            bgp4mp_message(&mut buf, 1_795_000_000, &peer_v4(), &local_v4(), &m);
        }
        for m in withdraw(&prefixes[1..]) {
            bgp4mp_message(&mut buf, 1_795_000_007, &peer_v4(), &local_v4(), &m);
        }
        let e = elems(&buf);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].elem_type, ElemType::ANNOUNCE);
        assert_eq!(e[0].prefix.to_string(), "198.18.128.0/22");
        assert_eq!(e[1].prefix.to_string(), "198.18.134.0/24");
        assert_eq!(e[0].peer_asn.to_u32(), 4_200_000_604);
        assert_eq!(e[0].peer_ip, peer_v4().addr);
        assert_eq!(e[0].as_path.as_ref().unwrap().to_string(), "4200000604 65001 65101 64500 64500");
        assert_eq!(e[0].next_hop, Some("203.0.113.14".parse().unwrap()));
        assert_eq!(e[0].med, Some(42));
        assert_eq!(e[0].communities.as_ref().unwrap().len(), 1);
        assert_eq!(e[2].elem_type, ElemType::WITHDRAW);
        assert_eq!(e[2].prefix.to_string(), "198.18.134.0/24");
        assert_eq!(e[2].timestamp, 1_795_000_007.0);
    }

    #[test]
    fn ipv6_announce_and_withdraw_read_back() {
        let mut buf = Vec::new();
        let mut r = route("2001:db8:ffff::11");
        r.origin = ORIGIN_INCOMPLETE;
        r.med = None;
        r.communities.clear();
        let p: Vec<IpNet> = vec!["2001:db8:4500::/48".parse().unwrap(), "3fff:10::/32".parse().unwrap()];
        for m in announce(&r, &p) {
            bgp4mp_message(&mut buf, 1_795_000_000, &peer_v6(), &local_v6(), &m);
        }
        for m in withdraw(&p) {
            bgp4mp_message(&mut buf, 1_795_000_001, &peer_v6(), &local_v6(), &m);
        }
        let e = elems(&buf);
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].prefix.to_string(), "2001:db8:4500::/48");
        assert_eq!(e[1].prefix.to_string(), "3fff:10::/32");
        assert_eq!(e[0].next_hop, Some("2001:db8:ffff::11".parse().unwrap()));
        assert_eq!(e[0].med, Some(0)); // bgpkit, like bgpdump, reports an absent MED as 0
        assert!(e[0].communities.is_none());
        assert!(e[2..].iter().all(|x| x.elem_type == ElemType::WITHDRAW));
        assert_eq!(e[3].prefix.to_string(), "3fff:10::/32");
    }

    #[test]
    fn long_announcements_split_below_the_message_limit() {
        let prefixes: Vec<IpNet> = (0..3000u32).map(|i| IpNet::new(IpAddr::V4((0x0A00_0000 + (i << 8)).into()), 24).unwrap()).collect();
        let msgs = announce(&route("203.0.113.14"), &prefixes);
        assert!(msgs.len() > 1);
        assert!(msgs.iter().all(|m| m.len() <= MAX_MESSAGE));
        let mut buf = Vec::new();
        for m in &msgs {
            bgp4mp_message(&mut buf, 1_795_000_000, &peer_v4(), &local_v4(), m);
        }
        let got: Vec<String> = elems(&buf).iter().map(|e| e.prefix.to_string()).collect();
        let want: Vec<String> = prefixes.iter().map(|p| p.to_string()).collect();
        assert_eq!(got, want);
        let v6: Vec<IpNet> =
            (0..2000u128).map(|i| IpNet::new(IpAddr::V6((0x3fff_0000_u128 << 96 | i << 80).into()), 48).unwrap()).collect();
        let msgs = withdraw(&v6);
        assert!(msgs.len() > 1 && msgs.iter().all(|m| m.len() <= MAX_MESSAGE));
    }

    #[test]
    fn state_changes_read_back_at_record_level() {
        let mut buf = Vec::new();
        bgp4mp_state_change(&mut buf, 1_795_000_000, &peer_v4(), &local_v4(), FsmState::Established, FsmState::Idle);
        bgp4mp_state_change(&mut buf, 1_795_000_300, &peer_v6(), &local_v6(), FsmState::OpenConfirm, FsmState::Established);
        let recs = records(&buf);
        assert_eq!(recs.len(), 2);
        let states: Vec<_> = recs
            .iter()
            .map(|r| match &r.message {
                MrtMessage::Bgp4Mp(Bgp4MpEnum::StateChange(sc)) => {
                    (sc.peer_ip, sc.peer_asn.to_u32(), sc.local_asn.to_u32(), sc.old_state, sc.new_state)
                }
                other => panic!("not a state change: {other:?}"),
            })
            .collect();
        assert_eq!(states[0], (peer_v4().addr, 4_200_000_604, 65500, BgpState::Established, BgpState::Idle));
        assert_eq!(states[1], (peer_v6().addr, 64601, 65500, BgpState::OpenConfirm, BgpState::Established));
        assert_eq!(recs[1].common_header.entry_subtype, SUB_STATE_CHANGE_AS4);
    }
}
