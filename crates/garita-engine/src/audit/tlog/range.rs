//! Proof that a run of consecutive entries is in a tree: the roots of the
//! subtrees beside the run, so a reader holding every entry of the run
//! recomputes the tree's root. One proof for a period's thousands of
//! entries costs about two audit paths, not one path per entry, and
//! proves more: none of the run's entries was changed, removed, added or
//! reordered, since each of those changes the root.
//!
//! The proof lists, in the order a left-to-right walk of the tree meets
//! them, the root of every largest subtree that holds none of the run's
//! leaves. The walk splits a tree as RFC 6962 does (at the largest power
//! of two below its size).

use super::merkle::{node_hash, root, split};
use crate::audit::Hash;

/// The proof for leaves `first..first + count` of the tree of `leaves`;
/// `None` when the run is empty or does not fit in the tree.
pub fn range_proof(first: usize, count: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    let end = first.checked_add(count)?;
    if count == 0 || end > leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    collect(0, leaves, first, end, &mut proof);
    Some(proof)
}

fn collect(offset: usize, span: &[Hash], first: usize, end: usize, proof: &mut Vec<Hash>) {
    let (lo, hi) = (offset, offset + span.len());
    if hi <= first || lo >= end {
        proof.push(root(span));
        return;
    }
    if first <= lo && hi <= end {
        return;
    }
    let k = split(span.len());
    collect(lo, &span[..k], first, end, proof);
    collect(lo + k, &span[k..], first, end, proof);
}

/// The root of a tree of `size` leaves whose leaves `first..` hash to
/// `run`, given the run's `proof`; `None` when the proof does not fit
/// (too short, too long, or the run outside the tree).
pub fn root_from_range(size: u64, first: u64, run: &[Hash], proof: &[Hash]) -> Option<Hash> {
    let size = usize::try_from(size).ok()?;
    let first = usize::try_from(first).ok()?;
    let end = first.checked_add(run.len())?;
    if run.is_empty() || end > size {
        return None;
    }
    let mut next = proof.iter();
    let got = rebuild(0, size, first, end, run, &mut next)?;
    next.next().is_none().then_some(got)
}

fn rebuild<'a>(
    lo: usize,
    hi: usize,
    first: usize,
    end: usize,
    run: &[Hash],
    proof: &mut impl Iterator<Item = &'a Hash>,
) -> Option<Hash> {
    if hi <= first || lo >= end {
        return proof.next().copied();
    }
    if first <= lo && hi <= end {
        return Some(root(&run[lo - first..hi - first]));
    }
    let k = split(hi - lo);
    let left = rebuild(lo, lo + k, first, end, run, proof)?;
    let right = rebuild(lo + k, hi, first, end, run, proof)?;
    Some(node_hash(&left, &right))
}

/// The proof for the leaves at `indices` (ascending, distinct) of the tree
/// of `leaves`, scattered anywhere in it: as for a run, the root of every
/// largest subtree that holds none of them, in walk order. Costs one pass
/// over the tree however many leaves it proves (an evidence pack proves
/// the entries that give each account's state at the period's start).
/// For a contiguous run it is the run's [`range_proof`].
pub fn leaves_proof(indices: &[usize], leaves: &[Hash]) -> Option<Vec<Hash>> {
    let sorted = indices.windows(2).all(|w| w[0] < w[1]);
    if indices.is_empty() || !sorted || indices.last().is_some_and(|&i| i >= leaves.len()) {
        return None;
    }
    let mut proof = Vec::new();
    collect_scattered(0, leaves, indices, &mut proof);
    Some(proof)
}

fn collect_scattered(offset: usize, span: &[Hash], indices: &[usize], proof: &mut Vec<Hash>) {
    if indices.is_empty() {
        proof.push(root(span));
        return;
    }
    if span.len() == 1 {
        return;
    }
    let k = split(span.len());
    let cut = indices.partition_point(|&i| i < offset + k);
    collect_scattered(offset, &span[..k], &indices[..cut], proof);
    collect_scattered(offset + k, &span[k..], &indices[cut..], proof);
}

/// The root of a tree of `size` leaves given some of them, `known` as
/// (index, leaf hash) in ascending index order, and their
/// [`leaves_proof`]; `None` when the proof does not fit.
pub fn root_from_leaves(size: u64, known: &[(u64, Hash)], proof: &[Hash]) -> Option<Hash> {
    let sorted = known.windows(2).all(|w| w[0].0 < w[1].0);
    if known.is_empty() || !sorted || known.last().is_some_and(|&(i, _)| i >= size) {
        return None;
    }
    let mut next = proof.iter();
    let got = rebuild_scattered(0, size, known, &mut next)?;
    next.next().is_none().then_some(got)
}

fn rebuild_scattered<'a>(
    lo: u64,
    hi: u64,
    known: &[(u64, Hash)],
    proof: &mut impl Iterator<Item = &'a Hash>,
) -> Option<Hash> {
    if known.is_empty() {
        return proof.next().copied();
    }
    if hi - lo == 1 {
        return Some(known[0].1);
    }
    let k = split((hi - lo) as usize) as u64;
    let cut = known.partition_point(|&(i, _)| i < lo + k);
    let left = rebuild_scattered(lo, lo + k, &known[..cut], proof)?;
    let right = rebuild_scattered(lo + k, hi, &known[cut..], proof)?;
    Some(node_hash(&left, &right))
}

#[cfg(test)]
mod tests {
    use super::super::merkle::leaf_hash;
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("e{i}").as_bytes()))
            .collect()
    }

    #[test]
    fn every_run_of_small_trees_rebuilds_the_root_and_only_unchanged() {
        for n in 1..=24 {
            let l = leaves(n);
            let r = root(&l);
            for first in 0..n {
                for count in 1..=n - first {
                    let proof = range_proof(first, count, &l).unwrap();
                    let run = &l[first..first + count];
                    assert_eq!(
                        root_from_range(n as u64, first as u64, run, &proof),
                        Some(r),
                        "{first}+{count} of {n}"
                    );
                    // A changed entry.
                    let mut changed = run.to_vec();
                    changed[count / 2] = leaf_hash(b"changed");
                    assert_ne!(
                        root_from_range(n as u64, first as u64, &changed, &proof),
                        Some(r)
                    );
                    // A removed entry, or two swapped.
                    if count > 1 {
                        let removed = &run[1..];
                        assert_ne!(
                            root_from_range(n as u64, first as u64, removed, &proof),
                            Some(r)
                        );
                        let mut swapped = run.to_vec();
                        swapped.swap(0, 1);
                        assert_ne!(
                            root_from_range(n as u64, first as u64, &swapped, &proof),
                            Some(r)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn proofs_stay_small_and_extra_elements_are_refused() {
        let l = leaves(1000);
        let proof = range_proof(300, 400, &l).unwrap();
        assert!(proof.len() <= 2 * 10, "{} hashes", proof.len());
        let mut longer = proof.clone();
        longer.push([0; 32]);
        assert_eq!(root_from_range(1000, 300, &l[300..700], &longer), None);
        assert_eq!(root_from_range(1000, 300, &l[300..700], &proof[1..]), None);
        assert!(range_proof(990, 20, &l).is_none());
        assert!(range_proof(0, 0, &l).is_none());
    }

    #[test]
    fn scattered_leaves_rebuild_the_root_and_a_changed_one_does_not() {
        for n in 1..=20 {
            let l = leaves(n);
            let r = root(&l);
            // Every subset of small trees, and some of the larger ones.
            for mask in 1u32..(1 << n.min(10)) {
                let indices: Vec<usize> = (0..n)
                    .filter(|i| mask & (1 << (i % 10)) != 0 && (*i < 10 || i % 3 == 0))
                    .collect();
                if indices.is_empty() {
                    continue;
                }
                let proof = leaves_proof(&indices, &l).unwrap();
                let known: Vec<(u64, Hash)> = indices.iter().map(|&i| (i as u64, l[i])).collect();
                assert_eq!(
                    root_from_leaves(n as u64, &known, &proof),
                    Some(r),
                    "{indices:?} of {n}"
                );
                let mut changed = known.clone();
                changed[0].1 = leaf_hash(b"changed");
                assert_ne!(root_from_leaves(n as u64, &changed, &proof), Some(r));
                if let [(a, _), (b, _), ..] = known[..] {
                    // An entry claimed at another place.
                    let mut moved = known.clone();
                    moved[0].0 = if a + 1 < b { a + 1 } else { continue };
                    assert_ne!(root_from_leaves(n as u64, &moved, &proof), Some(r));
                }
            }
            // A contiguous run: the same proof as the run's.
            if n > 3 {
                let run: Vec<usize> = (1..n - 1).collect();
                assert_eq!(leaves_proof(&run, &l), range_proof(1, n - 2, &l));
            }
        }
        assert!(leaves_proof(&[3, 2], &leaves(5)).is_none());
        assert!(leaves_proof(&[5], &leaves(5)).is_none());
    }
}
