#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The etcd client over the JSON gateway, against the real cluster: reads, writes, the
//! compare-and-swap on revisions, leases, and the next endpoint when one is down.

use grantty::store::etcd::Compare;

use crate::common::fleet::Fleet;

#[test]
fn puts_reads_and_compares_revisions_through_the_gateway() {
    let Some(fleet) = Fleet::start() else { return };
    let etcd = fleet.client();
    assert_eq!(etcd.get("/t/a", false).unwrap(), None);
    let first = etcd
        .put_if("/t/a", Compare::CreateRevision(0), b"one", None)
        .unwrap()
        .unwrap();
    assert_eq!(
        etcd.put_if("/t/a", Compare::CreateRevision(0), b"two", None)
            .unwrap(),
        None,
        "a key that exists is not created again"
    );
    let kv = etcd.get("/t/a", false).unwrap().unwrap();
    assert_eq!((kv.value.as_slice(), kv.mod_revision), (&b"one"[..], first));
    assert!(
        etcd.put_if("/t/a", Compare::ModRevision(first), b"three", None)
            .unwrap()
            .is_some()
    );
    assert_eq!(
        etcd.put_if("/t/a", Compare::ModRevision(first), b"four", None)
            .unwrap(),
        None,
        "a write based on a stale revision loses"
    );
    assert_eq!(etcd.get("/t/a", false).unwrap().unwrap().value, b"three");
    etcd.put("/t/b", b"x", None).unwrap();
    assert_eq!(etcd.keys_with_prefix("/t/").unwrap(), ["/t/a", "/t/b"]);
    etcd.delete("/t/a").unwrap();
    assert_eq!(etcd.get("/t/a", false).unwrap(), None);
}

#[test]
fn a_revoked_lease_takes_its_keys_with_it() {
    let Some(fleet) = Fleet::start() else { return };
    let etcd = fleet.client();
    let lease = etcd.grant(10).unwrap();
    etcd.put("/t/leased", b"x", Some(lease)).unwrap();
    assert!(etcd.keep_alive(lease).unwrap());
    etcd.revoke(lease).unwrap();
    assert_eq!(etcd.get("/t/leased", false).unwrap(), None);
    assert!(
        !etcd.keep_alive(lease).unwrap(),
        "a revoked lease is not renewed"
    );
    etcd.revoke(lease).unwrap();
}

#[test]
fn a_member_that_is_down_is_passed_over_for_the_next() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    fleet.cluster.kill(0);
    // A killed leader is replaced first: wait until the others can commit again.
    fleet.cluster.wait_healthy(1);
    let etcd = fleet.client();
    etcd.put("/t/k", b"v", None).unwrap();
    assert_eq!(etcd.get("/t/k", false).unwrap().unwrap().value, b"v");
}
