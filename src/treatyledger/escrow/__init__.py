"""treatyledger.escrow: commitments to declarations and staged, verifiable disclosure.

Pure: values in, values out; the random source (for salts) and the date to judge a schedule
by are parameters. Modules: ``sumtree`` (the hasher), ``categories`` (published totals),
``commitment`` (commit, open, verify), ``totals`` (total proofs), ``accounting`` (across data
exchanges), ``schedule`` (disclosure plans). docs/architecture.md explains the construction.
"""
