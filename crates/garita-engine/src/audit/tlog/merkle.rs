//! The audit log as a Merkle tree, hashed as RFC 6962 (and RFC 9162,
//! section 2.1) says: a leaf is `SHA-256(0x00 || data)`, an inner node
//! `SHA-256(0x01 || left || right)`, and a tree of `n` leaves splits at the
//! largest power of two below `n`. With it a reader who holds a signed tree
//! head can check that one entry is in the log (an inclusion proof) and
//! that a later head extends an earlier one without rewriting it (a
//! consistency proof), holding only the proofs — no store and no Garita.

use sha2::{Digest, Sha256};

use crate::audit::Hash;

/// The hash of a leaf whose data is `data`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: the hash of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two smaller than `n` (`n` > 1): where RFC 6962
/// splits a tree of `n` leaves.
pub(super) fn split(n: usize) -> usize {
    let mut k: usize = 1;
    // Checked: above 2^63 leaves a doubling would wrap to 0 and never end.
    while let Some(double) = k.checked_mul(2).filter(|d| *d < n) {
        k = double;
    }
    k
}

/// The root of the tree whose leaves hash to `leaves` (MTH).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `index` in the tree of `leaves` (PATH), from
/// the leaf up; `None` when `index` is not a leaf of it.
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    (index < leaves.len()).then(|| path(index, leaves))
}

fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(root(&leaves[..k]));
        p
    }
}

/// The proof that the tree of the first `old_size` of `leaves` is a prefix
/// of the tree of all of them (PROOF); `None` when `old_size` is 0 or more
/// than the leaves (nothing to prove, or nothing that can be).
pub fn consistency_proof(old_size: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    (old_size > 0 && old_size <= leaves.len()).then(|| subproof(old_size, leaves, true))
}

fn subproof(m: usize, leaves: &[Hash], complete: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if complete {
            Vec::new()
        } else {
            vec![root(leaves)]
        };
    }
    let k = split(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], complete);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(root(&leaves[..k]));
        p
    }
}

/// Whether `proof` shows that the leaf hashing to `leaf` is leaf `index` of
/// the tree of `size` leaves whose root is `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && r == *root
}

/// Whether `proof` shows that the tree of `old_size` leaves with root
/// `old_root` is a prefix of the tree of `new_size` leaves with root
/// `new_root` (RFC 9162, 2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size == 0 || old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    let mut path: Vec<Hash> = proof.to_vec();
    // When the old tree is complete (a power of two), its root is the
    // proof's implicit first element.
    if old_size.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && f_r == *old_root && s_r == *new_root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect()
    }

    /// RFC 6962's reference values: the root of the empty tree, and the
    /// roots of the eight leaves of the Certificate Transparency test data
    /// (`""`, `00`, `10`, `2021`, `3031`, `40414243`, `5051525354555657`,
    /// `606162636465666768696a6b6c6d6e6f`) after 1 to 8 leaves.
    #[test]
    fn roots_match_the_reference_values() {
        fn hex_of(h: &Hash) -> String {
            h.iter().map(|b| format!("{b:02x}")).collect()
        }
        assert_eq!(
            hex_of(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let data: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let hashes: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(
                hex_of(&root(&hashes[..=n])),
                *want,
                "root of {} leaves",
                n + 1
            );
        }
    }

    #[test]
    fn the_split_is_the_largest_power_of_two_below_the_size() {
        assert_eq!(split(2), 1);
        assert_eq!(split(3), 2);
        assert_eq!(split(8), 4);
        assert_eq!(split(9), 8);
        assert_eq!(split(usize::MAX), 1 << (usize::BITS - 1));
    }

    #[test]
    fn every_inclusion_proof_of_small_trees_verifies_and_only_for_its_leaf() {
        for n in 1..=33 {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let proof = inclusion_proof(i, &l).unwrap();
                assert!(
                    verify_inclusion(i as u64, n as u64, &l[i], &proof, &r),
                    "{i} of {n}"
                );
                let other = (i + 1) % n;
                if other != i {
                    assert!(!verify_inclusion(other as u64, n as u64, &l[i], &proof, &r));
                    assert!(!verify_inclusion(i as u64, n as u64, &l[other], &proof, &r));
                }
            }
            assert!(inclusion_proof(n, &l).is_none());
        }
    }

    #[test]
    fn every_consistency_proof_of_small_trees_verifies() {
        for n in 1..=33 {
            let l = leaves(n);
            let new_root = root(&l);
            for m in 1..=n {
                let proof = consistency_proof(m, &l).unwrap();
                let old_root = root(&l[..m]);
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &new_root, &proof),
                    "{m} -> {n}"
                );
                if m < n {
                    let mut forged = l.clone();
                    forged[m - 1] = leaf_hash(b"rewritten");
                    assert!(
                        !verify_consistency(
                            m as u64,
                            n as u64,
                            &root(&forged[..m]),
                            &new_root,
                            &proof
                        ),
                        "a rewritten old tree must not be consistent: {m} -> {n}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn a_changed_proof_element_is_refused(n in 2usize..200, seed in 0usize..10_000, flip in 0usize..256) {
            let l = leaves(n);
            let r = root(&l);
            let i = seed % n;
            let mut proof = inclusion_proof(i, &l).unwrap();
            prop_assume!(!proof.is_empty());
            let at = flip % proof.len();
            proof[at][flip % 32] ^= 1;
            prop_assert!(!verify_inclusion(i as u64, n as u64, &l[i], &proof, &r));
            let m = 1 + seed % (n - 1);
            let mut c = consistency_proof(m, &l).unwrap();
            prop_assume!(!c.is_empty());
            let at = flip % c.len();
            c[at][flip % 32] ^= 1;
            prop_assert!(!verify_consistency(m as u64, n as u64, &root(&l[..m]), &r, &c));
        }
    }
}
