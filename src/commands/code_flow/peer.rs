//! Who is on the other end of a loopback connection: on Linux, `/proc/net/tcp` names the owner
//! (uid) of every IPv4 TCP socket, so the listener can tell the user's own browser from a
//! process of another local user. Another user's request gets nothing from the listener: not
//! the start address's redirect (which carries `state`), not a hearing for a callback.
//!
//! A connection found in no table counts as another user's (fail closed). Best effort only where
//! no table can be read at all (another system, a hardened `/proc`): then only `state` and the
//! once-only start address protect the sign-in.

use std::net::{SocketAddr, SocketAddrV4};

/// Where the kernel lists the IPv4 TCP sockets.
const TCP_TABLE: &str = "/proc/net/tcp";
/// Where it lists the IPv6 ones: a client connecting from an IPv6 socket to
/// `[::ffff:127.0.0.1]:PORT` is listed only there, under its IPv4-mapped address.
const TCP6_TABLE: &str = "/proc/net/tcp6";

/// Whether the connection from `peer` to our `local` address belongs to another user than
/// this process's. Fails closed: once a table could be read, a connection found in none of
/// them counts as another user's (a client can hide from `/proc/net/tcp` with an IPv6 socket,
/// or by resetting its connection). `false` only where no table can be read at all.
pub(super) fn is_other_user(peer: SocketAddr, local: SocketAddr) -> bool {
    let (SocketAddr::V4(peer), SocketAddr::V4(local)) = (peer, local) else {
        return false;
    };
    let v4 = std::fs::read_to_string(TCP_TABLE).ok();
    let v6 = std::fs::read_to_string(TCP6_TABLE).ok();
    if v4.is_none() && v6.is_none() {
        return false;
    }
    let owner = v4
        .as_deref()
        .and_then(|table| socket_owner(table, &hex(peer), &hex(local)))
        .or_else(|| {
            v6.as_deref()
                .and_then(|table| socket_owner(table, &hex_mapped(peer), &hex_mapped(local)))
        });
    owner.is_none_or(|uid| uid != rustix::process::getuid().as_raw())
}

/// The kernel's spelling of an IPv4-mapped IPv6 socket address (`::ffff:a.b.c.d`) in
/// `/proc/net/tcp6`: four 32-bit words, each the host-order hex of its in-memory bytes.
fn hex_mapped(addr: SocketAddrV4) -> String {
    format!(
        "{:08X}{:08X}{:08X}{}",
        0,
        0,
        u32::from_ne_bytes([0, 0, 0xff, 0xff]),
        hex(addr)
    )
}

/// The kernel's spelling of an IPv4 socket address in `/proc/net/tcp`: the address as the
/// host-order hex of its in-memory bytes, the port in plain hex.
fn hex(addr: SocketAddrV4) -> String {
    format!(
        "{:08X}:{:04X}",
        u32::from_ne_bytes(addr.ip().octets()),
        addr.port()
    )
}

/// The uid owning the socket bound at `socket` and connected to `remote` (both in the table's
/// spelling), from the text of `/proc/net/tcp` or `/proc/net/tcp6`; pure, so it is tested
/// in-file.
fn socket_owner(table: &str, socket: &str, remote: &str) -> Option<u32> {
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (local_field, remote_field, uid) = (fields.get(1)?, fields.get(2)?, fields.get(7)?);
        (local_field.eq_ignore_ascii_case(socket) && remote_field.eq_ignore_ascii_case(remote))
            .then(|| uid.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:A60F 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 322 1 0 100 0 0 10 0
   1: 0100007F:D0CA 0100007F:A60F 01 00000000:00000000 00:00000000 00000000 65534        0 0 3 0
   2: 0100007F:A60F 0100007F:D0CA 01 00000000:00000000 00:00000000 00000000  1000        0 0 3 0
";

    fn v4(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    #[test]
    fn the_owner_of_the_peer_socket_is_read_from_the_table() {
        if cfg!(target_endian = "big") {
            return;
        }
        let ours = v4("127.0.0.1:42511");
        let browser = v4("127.0.0.1:53450");
        let owner = |table, a, b| socket_owner(table, &hex(a), &hex(b));
        assert_eq!(owner(TABLE, browser, ours), Some(65534));
        assert_eq!(owner(TABLE, ours, browser), Some(1000));
        assert_eq!(owner(TABLE, v4("127.0.0.1:1"), ours), None);
        assert_eq!(owner("", browser, ours), None);
        let mapped = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000100007F:D0CA 0000000000000000FFFF00000100007F:A60F 01 00000000:00000000 00:00000000 00000000 65534        0 0 1 0
";
        assert_eq!(
            socket_owner(mapped, &hex_mapped(browser), &hex_mapped(ours)),
            Some(65534),
            "an IPv6 client is found under its IPv4-mapped address"
        );
    }

    #[test]
    fn a_connection_of_our_own_is_ours() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let local = server.local_addr().unwrap();
        let client = std::net::TcpStream::connect(local).unwrap();
        let peer = client.local_addr().unwrap();
        assert!(!is_other_user(peer, local));
        if std::path::Path::new(TCP_TABLE).exists() {
            let table = std::fs::read_to_string(TCP_TABLE).unwrap();
            let (SocketAddr::V4(p), SocketAddr::V4(l)) = (peer, local) else {
                panic!("IPv4 expected");
            };
            assert_eq!(
                socket_owner(&table, &hex(p), &hex(l)),
                Some(rustix::process::getuid().as_raw())
            );
        }
    }

    #[test]
    fn an_ipv6_client_of_our_own_is_found_and_ours() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let local = server.local_addr().unwrap();
        let mapped = format!("[::ffff:127.0.0.1]:{}", local.port());
        let Ok(_client) = std::net::TcpStream::connect(&mapped) else {
            eprintln!("skipped: no IPv6 here");
            return;
        };
        let (_conn, peer) = server.accept().unwrap();
        assert!(!is_other_user(peer, local), "found in tcp6, and ours");
    }
}
