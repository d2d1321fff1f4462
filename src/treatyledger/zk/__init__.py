"""treatyledger.zk: Pedersen commitments per base and Bulletproofs range proofs that a party's
totals are within its limits, bound to a log checkpoint; openings of single bases.

Pure: values in, values out; the random source is a parameter. The group is ristretto255
(RFC 9496) through libsodium (``pysodium``). Modules: ``ristretto`` (group operations,
hash-to-group), ``transcript`` (Fiat-Shamir), ``generators`` (G, H and the vector
generators), ``rangeproof`` (the proof and its verifier), ``prover`` (the prover),
``verifier`` (limit statements, documents, openings), ``limits`` (proving from an inventory).
The first five and ``verifier`` import only the standard library, pysodium and each other:
the standalone verifier. docs/architecture.md explains the construction.
"""
